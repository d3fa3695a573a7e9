package dev.audiopipeline.freetts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.Await;
import dev.audiopipeline.testing.LibraryThreads;
import dev.audiopipeline.testing.RecordingSubscriber;
import dev.audiopipeline.testing.WordErrorRate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FreeTtsProviderTest {
  static final String TEXT =
      "Thank you for coming in today. Could you tell me about your last project?";
  static FreeTtsProvider tts;

  @BeforeAll
  static void create() {
    tts = FreeTtsProvider.create();
  }

  @AfterAll
  static void close() throws Exception {
    tts.close();
    tts.close();
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5)))
        .noneMatch(n -> n.startsWith("audio-pipeline-freetts"));
  }

  static short[] speak(String text) throws Exception {
    RecordingSubscriber<TtsChunk> sub = RecordingSubscriber.unbounded();
    tts.synthesize(TtsRequest.of(text)).subscribe(sub);
    sub.awaitComplete(Duration.ofSeconds(60));
    assertThat(sub.terminalSignals()).isEqualTo(1);
    int bytes = sub.items().stream().mapToInt(c -> c.pcm().length).sum();
    short[] pcm = new short[bytes / 2];
    int i = 0;
    for (TtsChunk c : sub.items()) {
      assertThat(c.format()).isEqualTo(AudioFormat.MONO_16K);
      byte[] b = c.pcm();
      for (int k = 0; k < b.length; k += 2) {
        pcm[i++] = (short) ((b[k] & 0xff) | (b[k + 1] << 8));
      }
    }
    return pcm;
  }

  @Test
  void speaksSixteenKilohertzMonoPcmOfAPlausibleLengthAndLoudness() throws Exception {
    short[] pcm = speak(TEXT);
    double seconds = pcm.length / 16_000.0;
    assertThat(seconds).isBetween(2.5, 10.0); // 13 words at 150 wpm is ~5 s
    double sum = 0;
    for (short s : pcm) {
      sum += (double) s * s;
    }
    double rms = Math.sqrt(sum / pcm.length);
    assertThat(rms).as("RMS level").isBetween(300.0, 20_000.0);
    assertThat(tts.outputFormat()).isEqualTo(AudioFormat.MONO_16K);
  }

  @Test
  void theEmbeddedRecogniserUnderstandsIt() throws Exception {
    short[] pcm = speak(TEXT);
    short[] padded = new short[pcm.length + 16_000]; // trailing silence ends the utterance
    System.arraycopy(pcm, 0, padded, 0, pcm.length);
    List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
    try (SphinxSttProvider stt = SphinxSttProvider.create()) {
      SttSession s = stt.openSession(SttSessionOptions.of("freetts"), events::add);
      for (int off = 0; off < padded.length; off += 1600) {
        s.send(padded, off, Math.min(1600, padded.length - off));
      }
      s.finish(Duration.ofMinutes(2)).toCompletableFuture().get(3, TimeUnit.MINUTES);
      s.close();
    }
    List<String> finals = new ArrayList<>();
    for (TranscriptEvent e : events) {
      if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
        finals.add(r.text());
      }
    }
    String heard = String.join(" ", finals);
    double wer = WordErrorRate.of(TEXT, heard);
    System.out.printf("freetts -> sphinx round trip: WER %.3f, heard: %s%n", wer, heard);
    assertThat(wer).as("heard: %s", heard).isLessThanOrEqualTo(0.35);
  }

  @Test
  void anotherVoiceFailsOnceNamingTheAcceptedOne() throws Exception {
    RecordingSubscriber<TtsChunk> sub = RecordingSubscriber.unbounded();
    tts.synthesize(TtsRequest.of("hello").withVoice("alan")).subscribe(sub);
    Throwable t = sub.awaitError(Duration.ofSeconds(30));
    assertThat(t)
        .isInstanceOf(AudioPipelineException.class)
        .hasMessageContaining("'alan'")
        .hasMessageContaining("kevin16");
    assertThat(sub.items()).isEmpty();
  }

  @Test
  void nothingIsSynthesisedBeforeDemandAndCancelStopsDelivery() throws Exception {
    RecordingSubscriber<TtsChunk> sub = RecordingSubscriber.manual();
    tts.synthesize(TtsRequest.of(TEXT)).subscribe(sub);
    sub.request(1);
    assertThat(sub.awaitNext(Duration.ofSeconds(30))).isNotNull();
    sub.cancel();
    // the provider stays usable after a cancelled synthesis
    assertThat(speak("good morning")).isNotEmpty();
    assertThat(sub.items()).hasSize(1);
    assertThat(sub.terminalSignals()).isZero();
  }

  @Test
  void builderRefusesAnOutOfRangeRate() {
    assertThatThrownBy(() -> FreeTtsProvider.builder().wordsPerMinute(10).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wordsPerMinute 10.0 is out of range: accepted 60 to 400 (default 150)");
  }

  @Test
  void eachSubscriptionIsASynthesisOfItsOwn() throws Exception {
    java.util.concurrent.Flow.Publisher<TtsChunk> p = tts.synthesize(TtsRequest.of("one"));
    RecordingSubscriber<TtsChunk> first = RecordingSubscriber.unbounded();
    RecordingSubscriber<TtsChunk> second = RecordingSubscriber.unbounded();
    p.subscribe(first);
    first.awaitComplete(Duration.ofSeconds(60));
    assertThat(first.items()).isNotEmpty();
    // each subscribe() is its own synthesis: a second subscriber gets its own audio
    p.subscribe(second);
    second.awaitComplete(Duration.ofSeconds(60));
    assertThat(second.items()).isNotEmpty();
  }

  @Test
  void synthesesStillQueuedWhenTheProviderClosesFailWithTheReason() throws Exception {
    FreeTtsProvider own = FreeTtsProvider.create();
    RecordingSubscriber<TtsChunk> running = RecordingSubscriber.unbounded();
    RecordingSubscriber<TtsChunk> queued = RecordingSubscriber.unbounded();
    own.synthesize(TtsRequest.of(TEXT)).subscribe(running); // loads the voice: about a second
    own.synthesize(TtsRequest.of(TEXT)).subscribe(queued);
    own.close();
    Throwable e = queued.awaitError(Duration.ofSeconds(30));
    assertThat(e).isInstanceOf(AudioPipelineException.class).hasMessageContaining("closed");
    Await.until(
        Duration.ofSeconds(30),
        "the running synthesis ended too",
        () -> running.terminalSignals() > 0);
    assertThat(running.terminalSignals()).as("the running synthesis ended once").isEqualTo(1);
    RecordingSubscriber<TtsChunk> late = RecordingSubscriber.unbounded();
    own.synthesize(TtsRequest.of("late")).subscribe(late);
    assertThat(late.awaitError(Duration.ofSeconds(30))).hasMessageContaining("closed");
  }
}
