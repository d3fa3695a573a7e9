package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.QuotaExceededException;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeConnection;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeFault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeepgramSttProviderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "test-key-123";
  private static final ReconnectPolicy FAST =
      ReconnectPolicy.builder()
          .initialDelay(Duration.ofMillis(10))
          .maxDelay(Duration.ofMillis(50))
          .jitter(0)
          .build();

  private FakeDeepgramServer server;
  private DeepgramSttProvider provider;

  @BeforeEach
  void start() {
    server = FakeDeepgramServer.builder().apiKey(KEY).build();
    provider = provider(KEY, Duration.ofSeconds(4));
  }

  private DeepgramSttProvider provider(String key, Duration keepAlive) {
    return DeepgramSttProvider.builder()
        .apiKey(key)
        .baseUrl(server.baseUrl())
        .reconnectPolicy(FAST)
        .keepAliveAfter(keepAlive)
        .build();
  }

  @AfterEach
  void stop() {
    provider.close();
    server.close();
  }

  private static void sendInFrames(SttSession s, short[] audio) {
    for (int i = 0; i < audio.length; i += 320) { // 20 ms frames, like a real source
      s.send(audio, i, Math.min(320, audio.length - i));
    }
  }

  @Test
  void transcribesEachSegmentWithTimesAndEndsGracefully() throws Exception {
    Audio audio = new Audio().silence(300).tone(600).silence(600).tone(500).silence(600);
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("alice"), events);
    sendInFrames(s, audio.samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);

    List<TranscriptEvent.Result> finals = events.finals();
    assertThat(finals)
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1", "speech 2");
    assertThat(finals.get(0).startMs()).isCloseTo(300, within(10L));
    assertThat(finals.get(0).endMs()).isCloseTo(900, within(10L));
    assertThat(finals.get(1).startMs()).isCloseTo(1500, within(10L));
    assertThat(finals.get(1).endMs()).isCloseTo(2000, within(10L));
    assertThat(finals.get(0).words()).extracting(w -> w.text()).containsExactly("speech", "1");
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();

    FakeConnection c = server.connections().get(0);
    assertThat(c.audio()).isEqualTo(audio.bytes());
    assertThat(c.query("model")).isEqualTo("nova-3");
    assertThat(c.query("encoding")).isEqualTo("linear16");
    assertThat(c.query("sample_rate")).isEqualTo("16000");
    assertThat(c.header("authorization")).isEqualTo("Token " + KEY);
    // graceful end: Finalize, then CloseStream, and the server's normal close
    List<String> texts = c.texts();
    assertThat(texts).containsSubsequence("{\"type\":\"Finalize\"}", "{\"type\":\"CloseStream\"}");
    assertThat(c.awaitClosed(WAIT)).isTrue();
    assertThat(server.connections()).hasSize(1);
  }

  @Test
  void reconnectMidUtteranceReplaysAudioAndKeepsTimesContinuous() throws Exception {
    // final for [300, 800) arrives at ~1.1 s; the socket drops at 1.8 s, inside the second tone
    server.enqueue(FakeFault.dropAfterAudio(Duration.ofMillis(1800)));
    Audio audio = new Audio().silence(300).tone(500).silence(600).tone(1000).silence(600);
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("bob"), events);
    short[] all = audio.samples();
    // as a live source would: the first utterance's final arrives before the rest is spoken
    sendInFrames(s, Arrays.copyOfRange(all, 0, 1500 * 16));
    assertThat(events.awaitFinal(WAIT).text()).isEqualTo("speech 1");
    sendInFrames(s, Arrays.copyOfRange(all, 1500 * 16, all.length));

    TranscriptEvent.Reconnecting reconnecting =
        events.await(TranscriptEvent.Reconnecting.class, WAIT);
    assertThat(reconnecting.attempt()).isEqualTo(1);
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);

    List<TranscriptEvent.Result> finals = events.finals();
    assertThat(finals).hasSize(2);
    assertThat(finals.get(0).segmentId()).startsWith("c1-");
    assertThat(finals.get(0).startMs()).isCloseTo(300, within(10L));
    assertThat(finals.get(1).segmentId()).startsWith("c2-");
    assertThat(finals.get(1).startMs()).isCloseTo(1400, within(10L));
    assertThat(finals.get(1).endMs()).isCloseTo(2400, within(10L));

    // the fake received exactly the audio sent: connection 1 a prefix, connection 2 the rest
    // starting at the replay point (the end of the last final), no gap
    byte[] sent = audio.bytes();
    byte[] first = server.connections().get(0).audio();
    byte[] second = server.connections().get(1).audio();
    int replayFrom = sent.length - second.length;
    assertThat(Arrays.copyOfRange(sent, 0, first.length)).isEqualTo(first);
    assertThat(replayFrom).isBetween(0, first.length);
    assertThat(Arrays.copyOfRange(sent, replayFrom, sent.length)).isEqualTo(second);
    assertThat(replayFrom / 32)
        .isCloseTo(1100, within(20)); // replay starts at the last final's end
    assertThat(server.sawAudioFasterThanAllowed()).isFalse();
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
  }

  @Test
  void invalidKeyFailsOnceWithTypedErrorAndNoRetry() throws Exception {
    DeepgramSttProvider bad = provider("wrong-key-456", Duration.ofSeconds(4));
    PrintStream oldErr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    try {
      EventRecorder events = new EventRecorder();
      SttSession s = bad.openSession(SttSessionOptions.of("carol"), events);
      s.send(new Audio().tone(100).samples(), 0, 1600);
      TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
      assertThat(failed.error()).isInstanceOf(AuthenticationException.class);
      AuthenticationException e = (AuthenticationException) failed.error();
      assertThat(e.provider()).isEqualTo("deepgram");
      assertThat(e.httpStatus()).isEqualTo(401);
      assertThat(e.errorType()).isEqualTo("INVALID_AUTH");
      assertThat(e.isRetryable()).isFalse();
      assertThat(s.finish(WAIT).toCompletableFuture()).failsWithin(WAIT);
      assertThat(server.connections()).hasSize(1);
      assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
      assertThat(events.ofType(TranscriptEvent.Failed.class)).hasSize(1);
      assertThat(e.getMessage()).doesNotContain("wrong-key-456");
      assertThat(bad.toString()).doesNotContain("wrong-key-456");
      assertThat(s.toString()).doesNotContain("wrong-key-456");
    } finally {
      System.setErr(oldErr);
      bad.close();
    }
    assertThat(logs.toString(StandardCharsets.UTF_8))
        .doesNotContain("wrong-key-456")
        .contains("deepgram");
  }

  @Test
  void sendAfterAFailureIsDiscardedQuietlyButSendAfterCloseIsRefused() throws Exception {
    DeepgramSttProvider bad = provider("wrong-key-789", Duration.ofSeconds(4));
    try {
      EventRecorder events = new EventRecorder();
      SttSession s = bad.openSession(SttSessionOptions.of("dave"), events);
      s.send(new Audio().tone(100).samples(), 0, 1600);
      events.await(TranscriptEvent.Failed.class, WAIT);
      // the caller's drain thread may still be sending when the failure lands: that audio is
      // discarded, and the caller learns the cause from the Failed event, not from send()
      s.send(new Audio().tone(100).samples(), 0, 1600);
      s.close();
      assertThatThrownBy(() -> s.send(new Audio().tone(100).samples(), 0, 1600))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("send after finish() or close()");
      assertThat(events.ofType(TranscriptEvent.Failed.class)).hasSize(1);
    } finally {
      bad.close();
    }
  }

  @Test
  void outOfCreditIsQuotaError() throws Exception {
    server.enqueue(FakeFault.rejectUpgrade(402));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("dave"), events);
    TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
    assertThat(failed.error()).isInstanceOf(QuotaExceededException.class);
    assertThat(((ProviderException) failed.error()).httpStatus()).isEqualTo(402);
    assertThat(((ProviderException) failed.error()).errorType()).isEqualTo("ASR_PAYMENT_REQUIRED");
    s.close();
    assertThat(server.connections()).hasSize(1);
  }

  @Test
  void rateLimitedUpgradeIsRetried() throws Exception {
    server.enqueue(FakeFault.rejectUpgrade(429));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("erin"), events);
    TranscriptEvent.Reconnecting r = events.await(TranscriptEvent.Reconnecting.class, WAIT);
    assertThat(((ProviderException) r.cause()).httpStatus()).isEqualTo(429);
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    sendInFrames(s, new Audio().tone(400).silence(500).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
  }

  @Test
  void malformedMessageIsSkippedAndSessionGoesOn() throws Exception {
    server.enqueue(
        FakeFault.sendAfterAudio(Duration.ofMillis(200), "{\"type\":\"Results\", oops"),
        FakeFault.sendAfterAudio(Duration.ofMillis(250), "{\"type\":\"Results\",\"start\":\"x\"}"));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("frank"), events);
    sendInFrames(s, new Audio().silence(300).tone(500).silence(500).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
  }

  @Test
  void keepAliveIsSentWhenIdleAndNeverAnEmptyFrame() throws Exception {
    provider.close();
    provider = provider(KEY, Duration.ofSeconds(1));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("gina"), events);
    s.send(new Audio().silence(200).samples(), 0, 3200);
    FakeConnection c = server.awaitConnection(0, WAIT);
    assertThat(c.awaitText(t -> t.equals("{\"type\":\"KeepAlive\"}"), WAIT)).isTrue();
    assertThat(c.audioMs()).isEqualTo(200);
    s.close();
    assertThat(c.awaitClosed(WAIT)).isTrue();
    assertThat(c.closeCode()).isEqualTo(1000); // not 1008 DATA-0000 (empty frame)
  }

  @Test
  void idleCloseWith1011IsRetriedWithItsCode() throws Exception {
    server.close();
    server = FakeDeepgramServer.builder().apiKey(KEY).idleTimeout(Duration.ofMillis(300)).build();
    provider.close();
    provider = provider(KEY, Duration.ofSeconds(4));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("hank"), events);
    s.send(new Audio().silence(100).samples(), 0, 1600);
    TranscriptEvent.Reconnecting r = events.await(TranscriptEvent.Reconnecting.class, WAIT);
    ProviderException e = (ProviderException) r.cause();
    assertThat(e.closeCode()).isEqualTo(1011);
    assertThat(e.errorType()).isEqualTo("NET-0001");
    assertThat(e.isRetryable()).isTrue();
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    s.close();
  }

  @Test
  void finishWithoutAudioCompletes() throws ExecutionException, InterruptedException, Exception {
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("ivy"), events);
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
  }

  @Test
  void threeConnectionsDyingQuicklyTripTheBreaker() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(FakeFault.closeAfterAudio(Duration.ofMillis(50), 1011, "NET-0000"));
    }
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("jill"), events);
    sendInFrames(s, new Audio().tone(1000).samples());
    TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
    ProviderException e = (ProviderException) failed.error();
    assertThat(e.getMessage()).contains("3 connections in a row died within 5000 ms");
    assertThat(e.closeCode()).isEqualTo(1011);
    assertThat(e.isRetryable()).isFalse();
    assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).hasSize(2);
    assertThat(server.connections()).hasSize(3);
    s.close();
  }

  @Test
  void audioBeyondTheReplayBufferIsDroppedCountedAndTheTimelineHolds() throws Exception {
    provider.close();
    provider =
        DeepgramSttProvider.builder()
            .apiKey(KEY)
            .baseUrl(server.baseUrl())
            .replayBuffer(Duration.ofSeconds(1))
            .reconnectPolicy(
                ReconnectPolicy.builder()
                    .initialDelay(Duration.ofMillis(150))
                    .maxDelay(Duration.ofMillis(150))
                    .jitter(0)
                    .build())
            .build();
    server.enqueue(FakeFault.rejectUpgrade(503));
    server.enqueue(FakeFault.rejectUpgrade(503));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("kim"), events);
    // 3 s spoken while the provider is unreachable: only the newest 1 s can be kept
    sendInFrames(s, new Audio().silence(2300).tone(500).silence(200).samples());
    TranscriptEvent.AudioDropped dropped = events.await(TranscriptEvent.AudioDropped.class, WAIT);
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    sendInFrames(s, new Audio().silence(500).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    long droppedMs =
        events.ofType(TranscriptEvent.AudioDropped.class).stream()
            .mapToLong(TranscriptEvent.AudioDropped::droppedMs)
            .sum();
    assertThat(dropped.reason()).contains("replay buffer");
    assertThat(droppedMs).isCloseTo(2000, within(30L));
    TranscriptEvent.Result f = events.finals().get(0);
    assertThat(f.startMs()).isCloseTo(2300, within(10L)); // on the speaker's timeline
    assertThat(server.connections().get(2).audioMs()).isCloseTo(1500, within(30L));
  }

  @Test
  void slowServerStillDeliversEveryFinalAndMetricsAreReported() throws Exception {
    server.enqueue(FakeFault.slowResponses(Duration.ofMillis(300)));
    java.util.concurrent.LinkedBlockingQueue<String> metrics =
        new java.util.concurrent.LinkedBlockingQueue<>();
    dev.audiopipeline.PipelineListener listener =
        new dev.audiopipeline.PipelineListener() {
          @Override
          public void connectStart(String provider, String streamId) {
            metrics.add("connectStart " + provider + " " + streamId);
          }

          @Override
          public void connectEnd(String provider, String streamId, Duration took) {
            metrics.add("connectEnd " + provider + " " + streamId);
          }

          @Override
          public void firstTranscript(String streamId, Duration latency) {
            metrics.add("firstTranscript " + streamId);
          }

          @Override
          public void sessionClosed(String streamId, String reason) {
            metrics.add("sessionClosed " + streamId + " " + reason);
          }
        };
    EventRecorder events = new EventRecorder();
    SttSession s =
        provider.openSession(new SttSessionOptions("lou", "Lou", "en", listener), events);
    sendInFrames(
        s, new Audio().silence(300).tone(500).silence(500).tone(400).silence(500).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1", "speech 2");
    assertThat(metrics)
        .containsExactly(
            "connectStart deepgram lou",
            "connectEnd deepgram lou",
            "firstTranscript lou",
            "sessionClosed lou finished");
  }
}
