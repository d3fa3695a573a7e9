package dev.audiopipeline.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.turn.NeuralTurnDetector.Mode;
import dev.audiopipeline.turn.Recorded.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link NeuralTurnDetector} in {@link Mode#TURN} (the default) with its default thresholds. */
class NeuralTurnDetectorTurnTest {
  /** The default fallback silence as counted (94 frames) plus a frame of slack. */
  private static final int FALLBACK_MS = 3008 + 32;

  private static NeuralTurnDetector detector;

  @BeforeAll
  static void build() {
    detector = NeuralTurnDetector.builder().build();
  }

  @AfterAll
  static void close() {
    detector.close();
  }

  private static Recorded run(short[] audio) {
    Recorded events = new Recorded();
    try (TurnDetector.Analysis analysis = detector.open("test")) {
      for (int i = 0; i < audio.length; i += 320) {
        analysis.accept(audio, i, Math.min(320, audio.length - i), events);
      }
    }
    return events;
  }

  @Test
  void isTheDefaultMode() {
    assertThat(detector.mode()).isEqualTo(Mode.TURN);
    assertThat(detector.name()).isEqualTo("silero+smart-turn");
  }

  @ParameterizedTest
  @ValueSource(strings = {"recruiter", "candidate"})
  void endsTheTurnAfterEachInterviewTurn(String speaker) {
    short[] track = Interview.track(speaker);
    List<Interview.Turn> turns = Interview.turns(speaker);
    Recorded events = run(track);
    List<Long> delays = new ArrayList<>();

    for (int i = 0; i < turns.size(); i++) {
      Interview.Turn t = turns.get(i);
      long nextStartMs = i + 1 < turns.size() ? turns.get(i + 1).startMs() : Long.MAX_VALUE;
      long lastSpeechEndMs =
          events.of(Type.ENDED).stream()
              .mapToLong(Recorded.Event::atMs)
              .filter(at -> at > t.startMs() && at <= t.endMs() + 100)
              .max()
              .orElseThrow(() -> new AssertionError("no speech end in " + t + ": " + events));
      // exactly one end of turn between the turn's last speech and the speaker's next turn
      List<Recorded.Event> after =
          events.of(Type.END_OF_TURN).stream()
              .filter(e -> e.atMs() >= lastSpeechEndMs && e.atMs() < nextStartMs)
              .toList();
      assertThat(after).as("end of turn after %s in %s", t, events).hasSize(1);
      Recorded.Event end = after.get(0);
      assertThat(end.atMs()).isLessThanOrEqualTo(lastSpeechEndMs + FALLBACK_MS);
      if (!Double.isNaN(end.probability())) { // the model decided: at its threshold or above
        assertThat(end.probability()).isBetween(0.5, 1.0);
      } else { // the fallback silence decided
        assertThat(end.atMs() - lastSpeechEndMs).isGreaterThanOrEqualTo(3008);
      }
      delays.add(end.atMs() - lastAudibleMs(track, t));
    }
    // every end of turn carries the model's probability (>= 0.5) or NaN (fallback)
    assertThat(events.of(Type.END_OF_TURN))
        .allSatisfy(
            e -> assertThat(Double.isNaN(e.probability()) || e.probability() >= 0.5).isTrue());
    // figures for the note (in surefire's output file)
    System.out.printf("%s: last audible sample -> end of turn, ms: %s%n", speaker, delays);
    System.out.printf("%s: events %s%n", speaker, events);
  }

  /**
   * The hesitation set (the smart-turn side's fixture: flite speakers pausing 0.6-1.2 s at commas,
   * then ending the sentence) through the whole detector. A pause is far shorter than the fallback
   * silence, so an end of turn inside one can only be the model's (probability >= 0.5, never NaN);
   * every sentence end gets its end of turn (the model's, or at the latest the reset at the end of
   * the file, 1 s after it). Prints the detector-level false end-of-turn rate.
   */
  @Test
  void hesitationsEndATurnOnlyByTheModelAndEverySentenceEndEndsOne() throws Exception {
    record Row(String file, String kind, int speechEndMs, int silenceMs) {}
    List<Row> rows = new ArrayList<>();
    String dir = "/dev/audiopipeline/turn/hesitations/";
    try (var r =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                getClass().getResourceAsStream(dir + "hesitations.tsv"),
                java.nio.charset.StandardCharsets.UTF_8))) {
      r.readLine();
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.split("\t");
        rows.add(new Row(f[0], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4])));
      }
    }
    int pauses = 0;
    int falseEnds = 0;
    int ends = 0;
    int endsByModel = 0;
    List<Integer> vadFalseEndPausesMs = new ArrayList<>();
    NeuralTurnDetector vad = NeuralTurnDetector.builder().mode(Mode.VAD).build();
    for (String file : rows.stream().map(Row::file).distinct().toList()) {
      short[] audio;
      try (var in = getClass().getResourceAsStream(dir + file);
          var reader = dev.audiopipeline.io.WavFile.open(in, file)) {
        assertThat(reader.format()).isEqualTo(TurnDetector.FORMAT);
        audio = reader.readAll();
      }
      Recorded events = new Recorded();
      try (TurnDetector.Analysis analysis = detector.open(file)) {
        analysis.accept(audio, 0, audio.length, events);
        analysis.reset(events);
      }
      Recorded vadEvents = new Recorded();
      try (TurnDetector.Analysis analysis = vad.open(file)) {
        analysis.accept(audio, 0, audio.length, vadEvents);
        analysis.reset(vadEvents);
      }
      for (Row row : rows.stream().filter(x -> x.file().equals(file)).toList()) {
        long vadInside =
            vadEvents.of(Type.END_OF_TURN).stream()
                .filter(
                    e ->
                        e.atMs() > row.speechEndMs()
                            && e.atMs() <= row.speechEndMs() + row.silenceMs())
                .count();
        if (row.kind().equals("pause") && vadInside > 0) {
          vadFalseEndPausesMs.add(row.silenceMs());
        } else if (row.kind().equals("end")) {
          assertThat(vadInside).as("VAD mode, %s end at %d ms", file, row.speechEndMs()).isOne();
        }
        List<Recorded.Event> inside =
            events.of(Type.END_OF_TURN).stream()
                .filter(
                    e ->
                        e.atMs() > row.speechEndMs()
                            && e.atMs() <= row.speechEndMs() + row.silenceMs())
                .toList();
        if (row.kind().equals("pause")) {
          pauses++;
          falseEnds += inside.size();
          assertThat(inside)
              .as("%s pause at %d ms", file, row.speechEndMs())
              .allSatisfy(e -> assertThat(e.probability()).isGreaterThanOrEqualTo(0.5));
        } else {
          ends++;
          assertThat(inside).as("%s end at %d ms: %s", file, row.speechEndMs(), events).hasSize(1);
          endsByModel += Double.isNaN(inside.get(0).probability()) ? 0 : 1;
        }
      }
    }
    vad.close();
    // VAD mode is fooled only by pauses longer than its 800 ms
    assertThat(vadFalseEndPausesMs).allSatisfy(ms -> assertThat(ms).isGreaterThan(800));
    assertThat(pauses).isEqualTo(18);
    assertThat(ends).isEqualTo(12);
    System.out.printf(
        "hesitation set, VAD mode (end of turn after 800 ms): false end at %d of 18 pauses, %s%n",
        vadFalseEndPausesMs.size(), vadFalseEndPausesMs);
    System.out.printf(
        "hesitation set through the detector: false end of turn at %d of %d pauses;"
            + " %d of %d sentence ends ended by the model, the rest by the end of the file%n",
        falseEnds, pauses, endsByModel, ends);
  }

  /** The turn's last sample at or above -40 dBFS: where the last word is heard to end. */
  private static long lastAudibleMs(short[] track, Interview.Turn t) {
    for (int i = t.endMs() * 16 - 1; i >= t.startMs() * 16; i--) {
      if (Math.abs(track[i]) >= 328) {
        return i / 16;
      }
    }
    throw new AssertionError("silent turn " + t);
  }

  @Test
  void fourSpeakersAtOnceGetTheEventsTheyGetAlone() throws Exception {
    short[] recruiter = Interview.track("recruiter");
    short[] candidate = Interview.track("candidate");
    short[][] inputs = {recruiter, candidate, candidate, recruiter};
    List<Recorded> alone = new ArrayList<>();
    for (short[] input : inputs) {
      alone.add(run(input));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CyclicBarrier start = new CyclicBarrier(4);
      List<Future<Recorded>> together = new ArrayList<>();
      for (short[] input : inputs) {
        together.add(
            pool.submit(
                () -> {
                  start.await();
                  return run(input);
                }));
      }
      for (int i = 0; i < inputs.length; i++) {
        assertThat(together.get(i).get(300, TimeUnit.SECONDS).events)
            .isEqualTo(alone.get(i).events);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theModelOnAClipReadsItsLastEightSeconds() {
    short[] candidate = Interview.track("candidate");
    int end = 18_208 * 16; // after the candidate's first turn (11 s long)
    double whole = detector.endOfTurnProbability(candidate, 0, end);
    double last8 = detector.endOfTurnProbability(candidate, end - 8 * 16_000, 8 * 16_000);
    assertThat(whole).isBetween(0.0, 1.0).isEqualTo(last8);

    assertThatThrownBy(() -> detector.endOfTurnProbability(candidate, 10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> detector.endOfTurnProbability(new short[100], 50, 51))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("array of 100 samples");
  }

  @Test
  void aClipOfSilenceIsNoFinishedTurnAndTheCallIsRepeatable() {
    short[] silence = new short[16_000];
    double p = detector.endOfTurnProbability(silence, 0, silence.length);
    assertThat(p).isBetween(0.0, 1.0);
    assertThat(detector.endOfTurnProbability(Arrays.copyOf(silence, 16_000), 0, 16_000))
        .isEqualTo(p);
  }
}
