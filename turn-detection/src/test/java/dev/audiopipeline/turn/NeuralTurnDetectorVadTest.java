package dev.audiopipeline.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.turn.NeuralTurnDetector.Mode;
import dev.audiopipeline.turn.Recorded.Type;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link NeuralTurnDetector} in {@link Mode#VAD} with its default thresholds. */
class NeuralTurnDetectorVadTest {
  /** The detector's onset may be this far from where the voice becomes audible. */
  private static final int ONSET_TOLERANCE_MS = 100;

  /**
   * Speech may be reported this far after a turn's {@code endMs} (the clip's end): the last frame
   * scored as speech can reach 32 ms past the last audible sample.
   */
  private static final int END_TOLERANCE_MS = 100;

  private static NeuralTurnDetector detector;

  @BeforeAll
  static void build() {
    detector = NeuralTurnDetector.builder().mode(Mode.VAD).build();
  }

  @AfterAll
  static void close() {
    detector.close();
  }

  private static Recorded run(short[] audio, int chunk) {
    Recorded events = new Recorded();
    try (TurnDetector.Analysis analysis = detector.open("test")) {
      for (int i = 0; i < audio.length; i += chunk) {
        analysis.accept(audio, i, Math.min(chunk, audio.length - i), events);
      }
      analysis.reset(events);
    }
    return events;
  }

  @ParameterizedTest
  @ValueSource(strings = {"recruiter", "candidate"})
  void findsEveryTurnOfTheSpeakerAndNoSpeechOutsideThem(String speaker) {
    short[] track = Interview.track(speaker);
    List<Interview.Turn> turns = Interview.turns(speaker);
    Recorded events = run(track, 320); // 20 ms chunks, as a room delivers

    List<long[]> segments = events.segmentsMs();
    for (long[] s : segments) {
      assertThat(turns)
          .as("segment %d-%d ms lies inside a turn", s[0], s[1])
          .anySatisfy(
              t -> {
                assertThat(s[0]).isGreaterThanOrEqualTo(t.startMs());
                assertThat(s[1]).isLessThanOrEqualTo(t.endMs() + END_TOLERANCE_MS);
              });
    }
    for (Interview.Turn t : turns) {
      long onset =
          segments.stream()
              .filter(s -> s[0] >= t.startMs() && s[0] < t.endMs())
              .mapToLong(s -> s[0])
              .min()
              .orElseThrow(() -> new AssertionError("no speech found in " + t + ": " + events));
      int audible = Interview.audibleStartMs(track, t);
      assertThat(onset)
          .as("onset of %s (voice audible at %d ms)", t, audible)
          .isBetween((long) audible - ONSET_TOLERANCE_MS, (long) audible + ONSET_TOLERANCE_MS);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"recruiter", "candidate"})
  void endsTheTurnOnceAfterEachTurn(String speaker) {
    List<Interview.Turn> turns = Interview.turns(speaker);
    Recorded events = run(Interview.track(speaker), 320);
    List<Recorded.Event> ends = events.of(Type.END_OF_TURN);

    assertThat(ends).hasSameSizeAs(turns);
    for (int i = 0; i < turns.size(); i++) {
      Interview.Turn t = turns.get(i);
      Recorded.Event end = ends.get(i);
      assertThat(end.probability()).isNaN(); // decided by silence alone
      // 800 ms of silence after the last speech frame, which ends before the clip does
      assertThat(end.atMs())
          .as("end of turn after %s", t)
          .isBetween((long) t.endMs(), (long) t.endMs() + 800 + END_TOLERANCE_MS);
    }
  }

  @Test
  void longerSilencesMergeThePauseInsideATurnAndDelayTheEnd() {
    short[] track = Interview.track("recruiter");
    Recorded defaults = run(track, 320);
    Recorded patient = new Recorded();
    try (NeuralTurnDetector slow =
            NeuralTurnDetector.builder()
                .mode(Mode.VAD)
                .stopSilence(Duration.ofMillis(480))
                .endOfTurnSilence(Duration.ofMillis(1504))
                .build();
        TurnDetector.Analysis analysis = slow.open("slow")) {
      analysis.accept(track, 0, track.length, patient);
    }
    // the recruiter's first turn has a 224 ms pause: two segments by default, one with 480 ms
    assertThat(defaults.segmentsMs()).hasSize(7);
    assertThat(patient.segmentsMs()).hasSize(6);
    List<Recorded.Event> ended = patient.of(Type.ENDED);
    List<Recorded.Event> turnEnds = patient.of(Type.END_OF_TURN);
    assertThat(turnEnds).hasSize(6);
    for (int i = 0; i < 6; i++) {
      assertThat(turnEnds.get(i).atMs() - ended.get(i).atMs()).isBetween(1504L, 1504L + 32);
    }
  }

  @Test
  void aBurstShorterThanMinSpeechIsNoSpeech() {
    short[] track = Interview.track("candidate");
    short[] burst = new short[2 * 16_000 + 96 * 16];
    System.arraycopy(track, 9_000 * 16, burst, 16_000, 96 * 16); // 96 ms inside a word
    assertThat(run(burst, 320).events).isEmpty(); // default minSpeech: 192 ms

    Recorded eager = new Recorded();
    try (NeuralTurnDetector d =
            NeuralTurnDetector.builder().mode(Mode.VAD).minSpeech(Duration.ZERO).build();
        TurnDetector.Analysis analysis = d.open("eager")) {
      analysis.accept(burst, 0, burst.length, eager);
      analysis.reset(eager);
    }
    assertThat(eager.of(Type.STARTED)).hasSize(1);
    assertThat(eager.of(Type.STARTED).get(0).atMs()).isBetween(950L, 1100L);
  }

  @Test
  void theSameEventsWhateverTheChunkSize() {
    short[] track = Interview.track("candidate");
    assertThat(run(track, 333).events).isEqualTo(run(track, 512).events);
    assertThat(run(track, 7_001).events).isEqualTo(run(track, 512).events);
  }

  @Test
  void noSpeechInTenSecondsOfSilence() {
    assertThat(run(new short[10 * 16_000], 320).events).isEmpty();
  }

  @Test
  void noSpeechInLowNoise() {
    Random random = new Random(12);
    short[] noise = new short[10 * 16_000];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (short) Math.round(random.nextGaussian() * 100); // -50 dBFS white noise
    }
    assertThat(run(noise, 320).events).isEmpty();
  }

  @Test
  void noSpeechInAOneKilohertzTone() {
    short[] tone = new short[10 * 16_000];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (short) Math.round(8000 * Math.sin(2 * Math.PI * 1000 * i / 16_000.0)); // -12 dBFS
    }
    assertThat(run(tone, 320).events).isEmpty();
  }

  @Test
  void resetWhileSpeakingEndsSpeechAndTurnThenPositionsKeepCounting() {
    short[] track = Interview.track("recruiter");
    Recorded events = new Recorded();
    try (TurnDetector.Analysis analysis = detector.open("reset")) {
      analysis.accept(track, 0, 3 * 16_000 + 100, events); // into the first turn, mid-frame
      assertThat(events.of(Type.STARTED)).hasSize(1);
      analysis.reset(events);
      // the last speech frame ends where the audio did; the turn ends there too
      assertThat(events.events.subList(1, 3))
          .extracting(Recorded.Event::type)
          .containsExactly(Type.ENDED, Type.END_OF_TURN);
      assertThat(events.events.get(1).atSample()).isEqualTo(3 * 16_000 + 100);
      assertThat(events.events.get(2).atSample()).isEqualTo(3 * 16_000 + 100);

      analysis.accept(track, 0, 2 * 16_000, events); // the same audio again, after the gap
      assertThat(events.of(Type.STARTED)).hasSize(2);
      long firstOnset = events.of(Type.STARTED).get(0).atSample();
      assertThat(events.of(Type.STARTED).get(1).atSample())
          .isEqualTo(3 * 16_000 + 100 + firstOnset);
    }
  }

  @Test
  void resetInSilenceReportsNothing() {
    Recorded events = new Recorded();
    try (TurnDetector.Analysis analysis = detector.open("quiet")) {
      analysis.accept(new short[16_000], 0, 16_000, events);
      analysis.reset(events);
      analysis.reset(events);
    }
    assertThat(events.events).isEmpty();
  }

  @Test
  void badRangesAreRefusedWithWhatFits() {
    try (TurnDetector.Analysis analysis = detector.open("bad")) {
      Recorded events = new Recorded();
      assertThatThrownBy(() -> analysis.accept(new short[320], 0, 321, events))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageContaining("length 321")
          .hasMessageContaining("array of 320 samples");
      assertThatThrownBy(() -> analysis.accept(new short[320], -1, 10, events))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageContaining("offset -1");
      assertThatThrownBy(() -> analysis.accept(new short[320], 10, -5, events))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> analysis.accept(null, 0, 0, events))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("samples");
      assertThatThrownBy(() -> analysis.accept(new short[320], 0, 320, null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("events");
      analysis.accept(new short[320], 320, 0, events); // empty is fine
      assertThat(events.events).isEmpty();
    }
  }

  @Test
  void aClosedAnalysisOrDetectorRefusesAudio() {
    TurnDetector.Analysis analysis = detector.open("closing");
    analysis.close();
    analysis.close(); // idempotent
    assertThatThrownBy(() -> analysis.accept(new short[512], 0, 512, new Recorded()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closing")
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> analysis.reset(new Recorded()))
        .isInstanceOf(IllegalStateException.class);

    NeuralTurnDetector other = NeuralTurnDetector.builder().mode(Mode.VAD).build();
    TurnDetector.Analysis orphan = other.open("orphan");
    other.close();
    other.close(); // idempotent
    assertThatThrownBy(() -> orphan.accept(new short[512], 0, 512, new Recorded()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> other.open("late")).isInstanceOf(IllegalStateException.class);
    orphan.close();
  }

  @Test
  void theEndOfTurnModelIsRefusedInVadMode() {
    assertThatThrownBy(() -> detector.endOfTurnProbability(new short[16_000], 0, 16_000))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Mode.TURN");
  }

  @Test
  void badSettingsAreRefusedWithTheAcceptedRange() {
    NeuralTurnDetector.Builder b = NeuralTurnDetector.builder();
    assertThatThrownBy(() -> b.speechThreshold(1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("speechThreshold")
        .hasMessageContaining("(0, 1)")
        .hasMessageContaining("was 1.0");
    assertThatThrownBy(() -> b.speechThreshold(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.silenceThreshold(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("silenceThreshold");
    assertThatThrownBy(() -> b.endOfTurnThreshold(-0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endOfTurnThreshold");
    assertThatThrownBy(() -> b.minSpeech(Duration.ofSeconds(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minSpeech must be from 0 ms to 2000 ms, was 3000 ms");
    assertThatThrownBy(() -> b.minSpeech(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.stopSilence(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stopSilence must be from 32 ms to 5000 ms");
    assertThatThrownBy(() -> b.fallbackSilence(Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fallbackSilence");
    assertThatThrownBy(() -> b.endOfTurnSilence(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.mode(null)).isInstanceOf(NullPointerException.class);

    assertThatThrownBy(
            () -> NeuralTurnDetector.builder().speechThreshold(0.4).silenceThreshold(0.6).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("silenceThreshold 0.6 is above speechThreshold 0.4");
    assertThatThrownBy(
            () ->
                NeuralTurnDetector.builder()
                    .mode(Mode.VAD)
                    .stopSilence(Duration.ofMillis(500))
                    .endOfTurnSilence(Duration.ofMillis(300))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endOfTurnSilence 300 ms is shorter than stopSilence 500 ms");
  }

  @Test
  void analysingAFrameAllocatesNoMoreThanTheModelCallItself() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long me = Thread.currentThread().getId();
    short[] track = Interview.track("candidate");
    int frames = 2_000;
    Recorded events = new Recorded();

    // what ONNX Runtime's Java binding allocates per call on its own
    long modelBytes;
    try (SileroVad vad = SileroVad.load();
        SileroVad.Stream stream = vad.newStream()) {
      for (int i = 0; i < frames; i++) { // warm-up
        stream.speechProbability(track, i * 512);
      }
      long before = threads.getThreadAllocatedBytes(me);
      for (int i = 0; i < frames; i++) {
        stream.speechProbability(track, i * 512);
      }
      modelBytes = threads.getThreadAllocatedBytes(me) - before;
    }

    long analysisBytes;
    try (TurnDetector.Analysis analysis = detector.open("alloc")) {
      for (int i = 0; i < frames; i++) {
        analysis.accept(track, i * 512, 512, events);
      }
      events.events.clear();
      long before = threads.getThreadAllocatedBytes(me);
      for (int i = 0; i < frames; i++) { // 20 ms chunks: frames complete mid-chunk too
        analysis.accept(track, i * 512, 320, events);
        analysis.accept(track, i * 512 + 320, 192, events);
      }
      analysisBytes = threads.getThreadAllocatedBytes(me) - before;
    }
    // the analysis adds nothing of its own per frame (the slack covers the recorder's few events)
    assertThat(analysisBytes).isLessThanOrEqualTo(modelBytes + 16_384);
    assertThat(modelBytes / frames).as("ONNX Runtime's own bytes per call").isLessThan(2_000);
  }
}
