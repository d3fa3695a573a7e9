package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.FallbackSttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeFault;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deepgram (fake) preferred, the deterministic embedded recogniser as the fallback. */
class FallbackSttProviderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "test-key-123";

  private FakeDeepgramServer server;
  private DeepgramSttProvider deepgram;
  private SpeechSegmentRecognizer embedded;
  private FallbackSttProvider fallback;

  @BeforeEach
  void start() {
    server = FakeDeepgramServer.builder().apiKey(KEY).build();
    embedded = SpeechSegmentRecognizer.create();
  }

  @AfterEach
  void stop() {
    if (fallback != null) {
      fallback.close();
    }
    deepgram.close();
    embedded.close();
    server.close();
  }

  private static void sendInFrames(SttSession s, short[] audio) {
    for (int i = 0; i < audio.length; i += 320) {
      s.send(audio, i, Math.min(320, audio.length - i));
    }
  }

  @Test
  void fatalErrorSwitchesToTheNextProviderOnTheSameTimeline() throws Exception {
    deepgram = DeepgramSttProvider.builder().apiKey("wrong-key").baseUrl(server.baseUrl()).build();
    fallback =
        FallbackSttProvider.builder()
            .add(deepgram)
            .add(embedded)
            .probeInterval(Duration.ofMillis(100))
            .build();
    EventRecorder events = new EventRecorder();
    SttSession s = fallback.openSession(SttSessionOptions.of("alice"), events);
    sendInFrames(s, new Audio().silence(300).tone(600).silence(600).samples());

    TranscriptEvent.ProviderSwitched sw =
        events.await(TranscriptEvent.ProviderSwitched.class, WAIT);
    assertThat(sw.from()).isEqualTo("deepgram");
    assertThat(sw.to()).isEqualTo("segments");
    assertThat(sw.reason())
        .contains("HTTP 401")
        .contains("INVALID_AUTH")
        .doesNotContain("wrong-key");
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<TranscriptEvent.Result> finals = events.finals();
    assertThat(finals).extracting(TranscriptEvent.Result::text).containsExactly("speech 1");
    assertThat(finals.get(0).startMs()).isCloseTo(300, within(20L));
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    // a provider that refused our key is not probed again
    assertThat(server.connections()).hasSize(1);
    assertThat(events.ofType(TranscriptEvent.ProviderSwitched.class)).hasSize(1);
  }

  @Test
  void twoRefusingProvidersAfterFinishLeaveTheAudioToTheThird() throws Exception {
    // batch mode: all audio sent and finish() called before either refusal (HTTP 401) arrives
    deepgram = DeepgramSttProvider.builder().apiKey("wrong-key").baseUrl(server.baseUrl()).build();
    try (DeepgramSttProvider second =
        DeepgramSttProvider.builder().apiKey("also-wrong").baseUrl(server.baseUrl()).build()) {
      fallback = FallbackSttProvider.builder().add(deepgram).add(second).add(embedded).build();
      EventRecorder events = new EventRecorder();
      SttSession s = fallback.openSession(SttSessionOptions.of("carol"), events);
      sendInFrames(s, new Audio().silence(300).tone(600).silence(600).samples());
      s.finish(WAIT).toCompletableFuture().get(20, TimeUnit.SECONDS);

      assertThat(events.ofType(TranscriptEvent.ProviderSwitched.class))
          .extracting(sw -> sw.from() + ">" + sw.to())
          .containsExactly("deepgram>deepgram", "deepgram>segments");
      List<TranscriptEvent.Result> finals = events.finals();
      assertThat(finals).extracting(TranscriptEvent.Result::text).containsExactly("speech 1");
      assertThat(finals.get(0).startMs()).isCloseTo(300, within(20L));
      assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
      assertThat(server.connections()).hasSize(2);
    }
  }

  @Test
  void switchesWhenThePreferredStaysDownAndBackWhenItReturns() throws Exception {
    for (int i = 0; i < 4; i++) {
      server.enqueue(FakeFault.rejectUpgrade(503));
    }
    deepgram =
        DeepgramSttProvider.builder()
            .apiKey(KEY)
            .baseUrl(server.baseUrl())
            .reconnectPolicy(
                ReconnectPolicy.builder()
                    .initialDelay(Duration.ofMillis(100))
                    .maxDelay(Duration.ofMillis(100))
                    .jitter(0)
                    .maxAttempts(50)
                    .quickFailureLimit(0)
                    .build())
            .build();
    fallback =
        FallbackSttProvider.builder()
            .add(deepgram)
            .add(embedded)
            .switchAfter(Duration.ofMillis(250))
            .probeInterval(Duration.ofMillis(200))
            .build();
    EventRecorder events = new EventRecorder();
    SttSession s = fallback.openSession(SttSessionOptions.of("bob"), events);
    sendInFrames(s, new Audio().silence(300).tone(500).silence(500).samples());

    TranscriptEvent.ProviderSwitched away =
        events.await(TranscriptEvent.ProviderSwitched.class, WAIT);
    assertThat(away.from()).isEqualTo("deepgram");
    assertThat(away.to()).isEqualTo("segments");
    assertThat(away.reason()).contains("down for");
    TranscriptEvent.Result first = events.awaitFinal(WAIT);
    assertThat(first.text()).isEqualTo("speech 1");
    assertThat(first.startMs()).isCloseTo(300, within(20L));

    TranscriptEvent.ProviderSwitched back =
        events.await(TranscriptEvent.ProviderSwitched.class, WAIT);
    assertThat(back.from()).isEqualTo("segments");
    assertThat(back.to()).isEqualTo("deepgram");
    assertThat(back.reason()).isEqualTo("preferred provider is back");

    // the next utterance is recognised by Deepgram, still on the speaker's timeline
    sendInFrames(s, new Audio().silence(200).tone(500).silence(600).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<TranscriptEvent.Result> finals = events.finals();
    assertThat(finals).hasSize(2);
    TranscriptEvent.Result second = finals.get(1);
    assertThat(second.startMs()).isCloseTo(1500, within(20L));
    assertThat(second.endMs()).isCloseTo(2000, within(20L));
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
  }
}
