package dev.audiopipeline.elevenlabs.stt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeConnection;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.FakeFault;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The issue #9 faults against the fake ElevenLabs server: nothing lost, nothing leaked, no hang.
 */
class ElevenLabsSttFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String KEY = "test-key-fault-789";
  private static final ReconnectPolicy FAST =
      ReconnectPolicy.builder()
          .initialDelay(Duration.ofMillis(10))
          .maxDelay(Duration.ofMillis(50))
          .jitter(0)
          .build();

  private FakeElevenLabsSttServer server;
  private ElevenLabsSttProvider provider;

  private void start(
      UnaryOperator<FakeElevenLabsSttServer.Builder> fake,
      UnaryOperator<ElevenLabsSttProvider.Builder> client) {
    server = fake.apply(FakeElevenLabsSttServer.builder().apiKey(KEY)).build();
    provider =
        client
            .apply(
                ElevenLabsSttProvider.builder()
                    .apiKey(KEY)
                    .baseUrl(server.baseUrl())
                    .vadSilenceThresholdSecs(0.5)
                    .reconnectPolicy(FAST))
            .build();
  }

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static void sendInFrames(SttSession s, short[] audio) {
    for (int i = 0; i < audio.length; i += 320) {
      s.send(audio, i, Math.min(320, audio.length - i));
    }
  }

  @Test
  void aSlowFinalAtTheEndIsWaitedForNotDroppedAfterAQuietMoment() throws Exception {
    // every server message comes 700 ms late: more than the old 400 ms of "quiet = drained"
    start(f -> f, c -> c);
    server.enqueue(FakeFault.slowResponses(Duration.ofMillis(700)));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("slow-end"), events);
    // speech, then less silence than the VAD needs: only the end commit finalizes it
    sendInFrames(s, new Audio().silence(300).tone(600).silence(200).samples());
    s.finish(WAIT).toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
  }

  @Test
  void sessionStartedThenNothingEndsWithATypedErrorNotAnEmptySuccess() throws Exception {
    start(f -> f, c -> c.responseTimeout(Duration.ofSeconds(2)));
    server.enqueue(FakeFault.silent());
    server.enqueue(FakeFault.silent());
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("mute"), events);
    long t0 = System.nanoTime();
    CompletableFuture<Void> feeding =
        CompletableFuture.runAsync(
            () -> {
              short[] frame = new Audio().tone(20).samples();
              try {
                for (int i = 0; i < 500; i++) {
                  s.send(frame, 0, frame.length);
                  Thread.sleep(20); // paces a live source: 20 ms of audio every 20 ms
                }
              } catch (IllegalStateException | InterruptedException e) {
                // the session ended
              }
            });
    TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    ProviderException e = (ProviderException) failed.error();
    assertThat(e.errorType()).isEqualTo("no_response");
    assertThat(e.isRetryable()).isFalse();
    assertThat(server.connections()).hasSize(2);
    assertThat(server.connections().get(0).sentByServer()).hasSize(1); // session_started only
    s.close();
    feeding.get(15, TimeUnit.SECONDS);
  }

  @Test
  void finishAgainstASilentServerFailsWithinTheDeadline() throws Exception {
    start(f -> f, c -> c);
    server.enqueue(FakeFault.silent());
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("quiet-end"), events);
    sendInFrames(s, new Audio().silence(300).tone(1200).silence(300).samples());
    CompletableFuture<Void> done = s.finish(Duration.ofMillis(1500)).toCompletableFuture();
    assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("finals did not come within 1500 ms");
    ProviderException e =
        (ProviderException) events.await(TranscriptEvent.Failed.class, WAIT).error();
    assertThat(e.errorType()).isEqualTo("finish_timeout");
    // the end commit was sent and never answered
    assertThat(server.connections().get(0).countTexts(t -> t.contains("\"commit\":true")))
        .isEqualTo(1);
  }

  @Test
  void closeCodesThatMeanABadKeyAreAuthenticationErrorsNotRetried() throws Exception {
    int[] codes = {1008, 4001, 4003};
    String[] reasons = {"Invalid API key", "unauthorized", ""};
    for (int i = 0; i < codes.length; i++) {
      stop();
      start(f -> f, c -> c);
      server.enqueue(FakeFault.closeAfterAudio(Duration.ofMillis(200), codes[i], reasons[i]));
      EventRecorder events = new EventRecorder();
      SttSession s = provider.openSession(SttSessionOptions.of("auth-" + codes[i]), events);
      sendInFrames(s, new Audio().tone(600).samples());
      TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
      assertThat(failed.error()).isInstanceOf(AuthenticationException.class);
      ProviderException e = (ProviderException) failed.error();
      assertThat(e.closeCode()).isEqualTo(codes[i]);
      String msg = e.getMessage();
      assertThat(msg.indexOf("(close code " + codes[i] + ")"))
          .isEqualTo(msg.lastIndexOf("(close code " + codes[i] + ")"))
          .isPositive();
      assertThat(msg).doesNotContain(KEY);
      assertThat(server.noConnectionWithin(1, Duration.ofMillis(300))).as("no retry").isTrue();
      s.close();
    }
  }

  @Test
  void fileSourceThroughACutDeliversEveryByteWithoutDrops() throws Exception {
    start(
        f -> f,
        c ->
            c.replayBuffer(Duration.ofSeconds(2))
                .reconnectPolicy(
                    ReconnectPolicy.builder()
                        .initialDelay(Duration.ofSeconds(1))
                        .maxDelay(Duration.ofSeconds(1))
                        .jitter(0)
                        .build()));
    server.enqueue(FakeFault.dropAfterAudio(Duration.ofSeconds(2)));
    Audio audio = new Audio().silence(300);
    for (int i = 0; i < 5; i++) {
      audio.tone(500).silence(700);
    }
    AtomicLong dropped = new AtomicLong();
    PipelineListener metrics =
        new PipelineListener() {
          @Override
          public void audioDropped(String streamId, long samples, String where) {
            dropped.addAndGet(samples);
          }
        };
    EventRecorder events = new EventRecorder();
    SttSession s =
        provider.openSession(new SttSessionOptions("file", "file", null, metrics, true), events);
    sendInFrames(s, audio.samples());
    s.finish(WAIT).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(events.ofType(TranscriptEvent.AudioDropped.class)).isEmpty();
    assertThat(dropped.get()).isZero();
    List<FakeConnection> conns = server.connections();
    assertThat(conns).hasSize(2);
    byte[] all = audio.bytes();
    byte[] first = conns.get(0).audio();
    byte[] second = conns.get(1).audio();
    assertThat(first).isEqualTo(Arrays.copyOf(all, first.length));
    assertThat(second).isEqualTo(Arrays.copyOfRange(all, all.length - second.length, all.length));
    assertThat((long) first.length + second.length).isGreaterThanOrEqualTo(all.length);
    assertThat(events.finals()).hasSizeGreaterThanOrEqualTo(4);
  }

  @Test
  void hostileMessagesAreSkippedAndCannotMoveResultsOffTheTimeline() throws Exception {
    start(f -> f, c -> c);
    server.enqueue(
        FakeFault.sendAfterAudio(Duration.ofMillis(100), "\u001b[2J garbage"),
        FakeFault.sendAfterAudio(Duration.ofMillis(150), "{\"message_type\":42}"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(200),
            "{\"message_type\":\"partial_transcript\",\"text\":{\"not\":\"text\"}}"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(250),
            "{\"message_type\":\"partial_transcript\",\"text\":\"\\u001b[31mred\"}"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(300),
            "{\"message_type\":\"committed_transcript_with_timestamps\",\"text\":\"far\","
                + "\"words\":[{\"text\":\"far\",\"start\":1e308,\"end\":-1e308,"
                + "\"type\":\"word\",\"logprob\":\"NaN\"}]}"));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("hostile"), events);
    sendInFrames(s, new Audio().silence(300).tone(600).silence(800).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    assertThat(events.finals()).extracting(TranscriptEvent.Result::text).contains("speech 1");
    for (TranscriptEvent.Result r : events.ofType(TranscriptEvent.Result.class)) {
      assertThat(r.startMs()).isBetween(0L, 1700L);
      assertThat(r.endMs()).isBetween(r.startMs(), 1700L);
    }
  }

  @Test
  void interleavedTwinsOfTwoCommitsGiveOneFinalEach() throws Exception {
    // a VAD commit answered just before ours: plain 1, plain 2, timed 1, timed 2
    start(f -> f, c -> c);
    String plain = "{\"message_type\":\"committed_transcript\",\"text\":\"%s\"}";
    String timed =
        "{\"message_type\":\"committed_transcript_with_timestamps\",\"text\":\"%s\","
            + "\"language_code\":null,\"words\":[{\"text\":\"%s\",\"start\":%s,\"end\":%s,"
            + "\"type\":\"word\",\"logprob\":-0.1}]}";
    Duration at = Duration.ofMillis(400);
    server.enqueue(
        FakeFault.sendAfterAudio(at, String.format(plain, "alpha")),
        FakeFault.sendAfterAudio(at, String.format(plain, "beta")),
        FakeFault.sendAfterAudio(at, String.format(timed, "alpha", "alpha", "0.1", "0.2")),
        FakeFault.sendAfterAudio(at, String.format(timed, "beta", "beta", "0.25", "0.35")));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("twins"), events);
    sendInFrames(s, new Audio().silence(1200).samples()); // silence: the fake commits nothing
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("alpha", "beta");
    assertThat(events.finals().get(1).words()).extracting(w -> w.startMs()).containsExactly(250L);
  }

  @Test
  void badBaseUrlFailsAtOnceNamingTheOptionOrVariable() {
    assertThatThrownBy(
            () ->
                ElevenLabsSttProvider.builder()
                    .apiKey("k")
                    .baseUrl("wss://api.elevenlabs.io\t")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("baseUrl")
        .hasMessageContaining("whitespace");
    assertThatThrownBy(() -> ElevenLabsSttProvider.builder().apiKey("k").baseUrl("wss://").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("baseUrl");
    assertThatThrownBy(
            () ->
                ElevenLabsSttProvider.fromEnv(
                    Map.of("ELEVENLABS_API_KEY", KEY, "ELEVENLABS_BASE_URL", "ws://eleven labs")
                        ::get))
        .isInstanceOf(AudioPipelineException.class)
        .hasMessageContaining("ELEVENLABS_BASE_URL")
        .hasMessageContaining("whitespace")
        .hasMessageNotContaining(KEY);
  }

  @Test
  void theSharedBaseUrlOfTextToSpeechServesTheRecogniserAndItsOwnVariableWins() {
    // one ELEVENLABS_BASE_URL for both: text-to-speech needs https://, so the recogniser reads
    // it as wss://; ELEVENLABS_STT_BASE_URL, when set, is the recogniser's own
    ElevenLabsSttProvider shared =
        ElevenLabsSttProvider.fromEnv(
            Map.of("ELEVENLABS_API_KEY", KEY, "ELEVENLABS_BASE_URL", "https://127.0.0.1:9")::get);
    ElevenLabsSttProvider own =
        ElevenLabsSttProvider.fromEnv(
            Map.of(
                    "ELEVENLABS_API_KEY",
                    KEY,
                    "ELEVENLABS_BASE_URL",
                    "https://127.0.0.1:9",
                    "ELEVENLABS_STT_BASE_URL",
                    "ws://127.0.0.1:7")
                ::get);
    try {
      assertThat(shared.toString()).contains("wss://127.0.0.1:9");
      assertThat(own.toString()).contains("ws://127.0.0.1:7").doesNotContain(":9");
    } finally {
      shared.close();
      own.close();
    }
    assertThatThrownBy(
            () ->
                ElevenLabsSttProvider.fromEnv(
                    Map.of("ELEVENLABS_API_KEY", KEY, "ELEVENLABS_STT_BASE_URL", "ftp://127.0.0.1")
                        ::get))
        .isInstanceOf(AudioPipelineException.class)
        .hasMessageContaining("ELEVENLABS_STT_BASE_URL")
        .hasMessageContaining("ws://");
  }
}
