package dev.audiopipeline.sphinx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.testing.Await;
import dev.audiopipeline.testing.LibraryThreads;
import dev.audiopipeline.testing.WordErrorRate;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real recognition on a short flite recording; one provider (one loaded model) for the class. */
class SphinxSttProviderTest {
  static final String REFERENCE = "the weather is nice today we will meet at the office next week";

  static SphinxSttProvider provider;
  static short[] speech;

  @BeforeAll
  static void load() throws Exception {
    provider = SphinxSttProvider.create();
    try (InputStream in = SphinxSttProviderTest.class.getResourceAsStream("/two-sentences.wav");
        WavFile.Reader r = WavFile.open(in, "two-sentences.wav")) {
      assertThat(r.format()).isEqualTo(AudioFormat.MONO_16K);
      speech = r.readAll();
    }
  }

  @AfterAll
  static void close() throws Exception {
    provider.close();
    provider.close(); // idempotent
    assertThat(provider.loadedRecognizers()).isZero();
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5)))
        .noneMatch(n -> n.startsWith("audio-pipeline-sphinx"));
  }

  /** Runs one session over {@code silenceMs} of silence then the speech; returns its events. */
  static List<TranscriptEvent> run(int silenceMs, @Nullable String language) throws Exception {
    List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
    SttSession session =
        provider.openSession(
            new SttSessionOptions("t", "speaker", language, PipelineListener.NONE), events::add);
    short[] audio = new short[silenceMs * 16 + speech.length + 16_000];
    System.arraycopy(speech, 0, audio, silenceMs * 16, speech.length);
    if (language == null || SphinxSttProvider.supportsLanguage(language)) {
      for (int off = 0; off < audio.length; off += 160) {
        session.send(audio, off, Math.min(160, audio.length - off));
      }
    }
    session.finish(Duration.ofSeconds(60)).toCompletableFuture().get(90, TimeUnit.SECONDS);
    session.close();
    return events;
  }

  static List<TranscriptEvent.Result> finals(List<TranscriptEvent> events) {
    return events.stream()
        .filter(e -> e instanceof TranscriptEvent.Result r && r.isFinal())
        .map(e -> (TranscriptEvent.Result) e)
        .toList();
  }

  @Test
  void transcribesSpeechWithFinalsPartialsAndTimesOnTheSessionAudio() throws Exception {
    List<TranscriptEvent> events = run(0, "en-US");
    List<TranscriptEvent.Result> finals = finals(events);
    String text = String.join(" ", finals.stream().map(TranscriptEvent.Result::text).toList());
    assertThat(WordErrorRate.of(REFERENCE, text))
        .as("hypothesis: %s events %s", text, events)
        .isLessThanOrEqualTo(0.2);

    long audioMs = (speech.length + 16_000) / 16;
    long prevEnd = 0;
    for (TranscriptEvent.Result f : finals) {
      assertThat(f.startMs()).isBetween(prevEnd, audioMs);
      assertThat(f.endMs()).isBetween(f.startMs(), audioMs);
      assertThat(f.words()).isNotEmpty();
      assertThat(f.words().get(0).startMs()).isEqualTo(f.startMs());
      assertThat(f.language()).isEqualTo("en");
      prevEnd = f.endMs();
    }
    // partials come first and share the segment id of the final that closes them
    List<TranscriptEvent.Result> partials =
        events.stream()
            .filter(e -> e instanceof TranscriptEvent.Result r && !r.isFinal())
            .map(e -> (TranscriptEvent.Result) e)
            .toList();
    assertThat(partials).isNotEmpty();
    List<String> finalIds = finals.stream().map(TranscriptEvent.Result::segmentId).toList();
    assertThat(partials).allSatisfy(p -> assertThat(finalIds).contains(p.segmentId()));
    assertThat(finalIds).doesNotHaveDuplicates();
    assertThat(events).noneMatch(e -> e instanceof TranscriptEvent.Failed);
  }

  @Test
  void aSecondSessionReusesTheLoadedRecogniserAndItsTimesStartAtItsOwnZero() throws Exception {
    run(0, null);
    int loaded = provider.loadedRecognizers();
    List<TranscriptEvent.Result> finals = finals(run(2_000, null));
    assertThat(provider.loadedRecognizers()).isEqualTo(loaded);
    assertThat(finals).isNotEmpty();
    // the speech starts 2 s into this session's audio (flite leaves ~100 ms of lead-in)
    assertThat(finals.get(0).startMs()).isBetween(1_900L, 2_600L);
  }

  @Test
  void audioDroppedFromAFullBufferDoesNotMoveLaterTimesOffTheSessionAudio() throws Exception {
    // a fresh provider: its first session's recogniser is still loading when 3 s of silence
    // arrive at once into a 1 s buffer that may not wait, so about 2 s never reach Sphinx
    SphinxSttProvider slow =
        provider.toBuilder()
            .bufferDuration(Duration.ofSeconds(1))
            .maxSendWait(Duration.ZERO)
            .build();
    try {
      List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
      SttSession session = slow.openSession(SttSessionOptions.of("d"), events::add);
      session.send(new short[3 * 16_000], 0, 3 * 16_000);
      assertThat(events)
          .anySatisfy(e -> assertThat(e).isInstanceOf(TranscriptEvent.AudioDropped.class));
      Await.until(
          Duration.ofSeconds(60), "the recogniser loaded", () -> slow.loadedRecognizers() > 0);
      // loaded: the speech goes in at about real time, 100 ms every 100 ms
      short[] audio = new short[speech.length + 16_000];
      System.arraycopy(speech, 0, audio, 0, speech.length);
      for (int off = 0; off < audio.length; off += 1_600) {
        session.send(audio, off, Math.min(1_600, audio.length - off));
        Thread.sleep(100);
      }
      session.finish(Duration.ofSeconds(60)).toCompletableFuture().get(90, TimeUnit.SECONDS);
      session.close();
      List<TranscriptEvent.Result> finals = finals(events);
      assertThat(finals).isNotEmpty();
      // the speech was sent 3 s into the session (flite leaves ~100 ms of lead-in): Sphinx heard
      // it 1 s in, and the session's time map puts it back where it was sent
      assertThat(finals.get(0).startMs()).isBetween(2_900L, 3_600L);
      assertThat(finals.get(0).words().get(0).startMs()).isEqualTo(finals.get(0).startMs());
    } finally {
      slow.close();
    }
  }

  /** Runs one session of the shared provider over {@code audio}, 10 ms at a time: its finals. */
  static List<TranscriptEvent.Result> finalsOf(short[] audio) throws Exception {
    return finalsOf(provider, audio);
  }

  static List<TranscriptEvent.Result> finalsOf(SphinxSttProvider stt, short[] audio)
      throws Exception {
    List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
    SttSession session = stt.openSession(SttSessionOptions.of("h"), events::add);
    for (int off = 0; off < audio.length; off += 160) {
      session.send(audio, off, Math.min(160, audio.length - off));
    }
    session.finish(Duration.ofSeconds(60)).toCompletableFuture().get(90, TimeUnit.SECONDS);
    session.close();
    return finals(events);
  }

  /** The speech through a steep low-pass at 4x the level: another channel, another mean. */
  static short[] muffled(short[] in) {
    short[] out = new short[in.length + 16_000];
    double y = 0;
    for (int i = 0; i < in.length; i++) {
      y = 0.9 * y + 0.1 * in[i];
      out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, 4 * y));
    }
    return out;
  }

  @Test
  void aPooledRecogniserDecodesAStreamTheSameWhateverItDecodedBefore() throws Exception {
    // one recogniser serves these sessions one after the other (the pool reuses it). Its
    // normalisation state (cepstral mean) must start afresh with each stream: Sphinx4's LiveCMN
    // carried the previous stream's mean over, so the first second of a stream decoded
    // differently after another channel or speaker (issue #9: the pipeline "cost words" when its
    // sessions borrowed recognisers that had decoded something else).
    short[] audio = new short[speech.length + 16_000];
    System.arraycopy(speech, 0, audio, 0, speech.length);
    finalsOf(audio);
    List<TranscriptEvent.Result> afterTheSame = finalsOf(audio);
    finalsOf(muffled(speech));
    List<TranscriptEvent.Result> afterAnotherChannel = finalsOf(audio);
    assertThat(afterTheSame).isNotEmpty();
    assertThat(afterAnotherChannel).isEqualTo(afterTheSame);
  }

  @Test
  void aRecogniserWhoseFirstStreamHadNoSpeechGoesBackToThePoolAndStillDecodes() throws Exception {
    short[] audio = new short[speech.length + 16_000];
    System.arraycopy(speech, 0, audio, 0, speech.length);
    try (SphinxSttProvider fresh = SphinxSttProvider.create()) {
      fresh.preload(1);
      // a participant who never speaks is the recogniser's first stream
      assertThat(finalsOf(fresh, new short[3 * 16_000])).isEmpty();
      assertThat(fresh.loadedRecognizers()).as("kept, not released for a reload").isEqualTo(1);
      // Sphinx4's LiveCMN took its mean from the first stream's speech once and for all: after a
      // first stream without any, that recogniser never found speech again
      assertThat(finalsOf(fresh, audio)).isEqualTo(finalsOf(provider, audio));
      assertThat(fresh.loadedRecognizers()).isEqualTo(1);
    }
  }

  @Test
  void aSessionClosedInTheMiddleLeavesNothingInTheRecogniserForTheNext() throws Exception {
    short[] audio = new short[speech.length + 16_000];
    System.arraycopy(speech, 0, audio, 0, speech.length);
    List<TranscriptEvent.Result> clean = finalsOf(audio);
    int loaded = provider.loadedRecognizers();
    for (int cut : new int[] {speech.length / 2, speech.length}) {
      SttSession broken = provider.openSession(SttSessionOptions.of("cut"), e -> {});
      for (int off = 0; off < cut; off += 160) {
        broken.send(speech, off, Math.min(160, cut - off));
      }
      Thread.sleep(
          500); // shapes the case (closed mid-decode); the outcome must hold however far it got
      broken.close(); // no finish(): the rest of the stream is abandoned
      assertThat(finalsOf(audio)).as("after a session closed at sample %d", cut).isEqualTo(clean);
    }
    assertThat(provider.loadedRecognizers()).isEqualTo(loaded);
  }

  @Test
  void anUnsupportedLanguageFailsTheSessionNamingWhatIsAccepted() throws Exception {
    List<TranscriptEvent> events = run(0, "de");
    assertThat(events).hasSize(1);
    assertThat(events.get(0))
        .isInstanceOfSatisfying(
            TranscriptEvent.Failed.class,
            f -> assertThat(f.error()).hasMessageContaining("'de'").hasMessageContaining("en-US"));
  }

  @Test
  void badSendsAreRefusedAtOnce() throws Exception {
    SttSession session = provider.openSession(SttSessionOptions.of("bad"), e -> {});
    try {
      assertThatThrownBy(() -> session.send(new short[4], 0, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("empty");
      session.send(speech, 0, speech.length); // speech: the recogniser goes back to the pool
      session.finish(Duration.ofSeconds(30)).toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThatThrownBy(() -> session.send(new short[4], 0, 4))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("before finish() and close()");
    } finally {
      session.close();
    }
  }

  @Test
  void builderRefusesOutOfRangeOptionsNamingTheRange() {
    assertThatThrownBy(() -> SphinxSttProvider.builder().absoluteBeamWidth(10).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("absoluteBeamWidth 10 is out of range: accepted 100 to 100000 (default 3000)");
    assertThatThrownBy(() -> SphinxSttProvider.builder().relativeBeamWidth(0.5).build())
        .hasMessageContaining("relativeBeamWidth 0.5");
    assertThatThrownBy(() -> SphinxSttProvider.builder().partialInterval(Duration.ofMillis(10)))
        .hasMessageContaining("accepted 100 ms to 5 s");
    assertThatThrownBy(() -> SphinxSttProvider.builder().bufferDuration(Duration.ZERO))
        .hasMessageContaining("bufferDuration");
    assertThat(SphinxSttProvider.create().inputFormat()).isEqualTo(AudioFormat.MONO_16K);
  }
}
