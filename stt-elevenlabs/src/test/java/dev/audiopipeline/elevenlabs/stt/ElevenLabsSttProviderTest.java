package dev.audiopipeline.elevenlabs.stt;

import static org.assertj.core.api.Assertions.assertThat;
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
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.FakeFault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ElevenLabsSttProviderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "test-key-123";
  private static final String COMMIT =
      "{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"\",\"commit\":true,\"sample_rate\":16000}";
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
    server =
        fake.apply(
                FakeElevenLabsSttServer.builder()
                    .apiKey(KEY)
                    .partialAfter(Duration.ofMillis(200))
                    .partialEvery(Duration.ofMillis(200)))
            .build();
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
  void serverVadCommitsGiveExactlyOneFinalEachWithWordTimes() throws Exception {
    start(f -> f, c -> c);
    Audio audio = new Audio().silence(300).tone(600).silence(800).tone(500).silence(800);
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
    assertThat(finals.get(1).startMs()).isCloseTo(1700, within(10L));
    assertThat(finals.get(1).endMs()).isCloseTo(2200, within(10L));
    assertThat(finals.get(0).words()).extracting(w -> w.text()).containsExactly("speech", "1");
    assertThat(finals.get(0).confidence()).isNotNull();
    assertThat(events.ofType(TranscriptEvent.Result.class)).anyMatch(r -> !r.isFinal());

    FakeConnection c = server.connections().get(0);
    assertThat(c.awaitClosed(WAIT)).isTrue();
    assertThat(c.audio()).isEqualTo(audio.bytes());
    assertThat(c.query("model_id")).isEqualTo("scribe_v2_realtime");
    assertThat(c.query("audio_format")).isEqualTo("pcm_16000");
    assertThat(c.query("commit_strategy")).isEqualTo("vad");
    assertThat(c.query("include_timestamps")).isEqualTo("true");
    assertThat(c.header("xi-api-key")).isEqualTo(KEY);
    assertThat(c.texts()).allMatch(t -> t.startsWith("{\"message_type\":\"input_audio_chunk\""));
  }

  @Test
  void timedTwinFirstStillGivesOneFinalPerCommit() throws Exception {
    start(f -> f.timedFirst(true), c -> c);
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("bob"), events);
    sendInFrames(
        s, new Audio().silence(200).tone(400).silence(700).tone(400).silence(700).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1", "speech 2");
  }

  @Test
  void plainCommitsWithoutTimestampsAreTheFinals() throws Exception {
    start(f -> f, c -> c.includeTimestamps(false));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("bob2"), events);
    sendInFrames(s, new Audio().silence(200).tone(400).silence(700).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
    assertThat(events.finals().get(0).words()).isEmpty();
  }

  @Test
  void manualCommitOnFlushOnlyWithEnoughAudioAndGracefulFinish() throws Exception {
    start(f -> f, c -> c.commitStrategy("manual"));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("carol"), events);
    sendInFrames(s, new Audio().silence(200).tone(600).silence(200).samples());
    s.flush();
    assertThat(events.awaitFinal(WAIT).text()).isEqualTo("speech 1");
    FakeConnection c = server.connections().get(0);
    assertThat(c.countTexts(COMMIT::equals)).isEqualTo(1);
    // 100 ms more: not enough for a commit (the server would throttle and close)
    sendInFrames(s, new Audio().silence(100).samples());
    s.flush();
    sendInFrames(s, new Audio().tone(500).silence(100).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1", "speech 2");
    assertThat(c.countTexts(COMMIT::equals)).isEqualTo(2);
    assertThat(c.awaitClosed(WAIT)).isTrue();
    assertThat(c.closeCode()).isEqualTo(1000);
    assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
  }

  @Test
  void rejectedUpgradeIsOneAuthenticationErrorWithoutRetryOrKeyLeak() throws Exception {
    start(f -> f.apiKey("the-right-key"), c -> c);
    PrintStream oldErr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    try {
      EventRecorder events = new EventRecorder();
      SttSession s = provider.openSession(SttSessionOptions.of("dave"), events);
      s.send(new Audio().tone(100).samples(), 0, 1600);
      TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
      AuthenticationException e = (AuthenticationException) failed.error();
      assertThat(e.httpStatus()).isEqualTo(401);
      assertThat(e.errorType()).isEqualTo("invalid_api_key");
      assertThat(e.provider()).isEqualTo("elevenlabs");
      assertThat(s.finish(WAIT).toCompletableFuture()).failsWithin(WAIT);
      assertThat(server.connections()).hasSize(1);
      assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
      assertThat(e.getMessage()).doesNotContain(KEY);
      assertThat(provider.toString()).doesNotContain(KEY);
    } finally {
      System.setErr(oldErr);
    }
    assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain(KEY).contains("elevenlabs");
  }

  @Test
  void authErrorMessageIsFatal() throws Exception {
    start(
        f ->
            f.apiKey("the-right-key")
                .authFailure(FakeElevenLabsSttServer.AuthFailure.AUTH_ERROR_MESSAGE),
        c -> c);
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("erin"), events);
    TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
    assertThat(failed.error()).isInstanceOf(AuthenticationException.class);
    assertThat(((ProviderException) failed.error()).errorType()).isEqualTo("auth_error");
    s.close();
    assertThat(server.connections()).hasSize(1);
    assertThat(events.ofType(TranscriptEvent.Failed.class)).hasSize(1);
  }

  @Test
  void quotaExceededIsTypedAndNotRetried() throws Exception {
    start(f -> f, c -> c);
    server.enqueue(
        FakeFault.sendAfterAudio(
            Duration.ofMillis(100),
            "{\"message_type\":\"quota_exceeded\",\"error\":\"You have exceeded your quota.\"}"));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("frank"), events);
    sendInFrames(s, new Audio().tone(300).samples());
    TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
    assertThat(failed.error()).isInstanceOf(QuotaExceededException.class);
    assertThat(failed.error().getMessage()).contains("You have exceeded your quota.");
    s.close();
    assertThat(server.connections()).hasSize(1);
  }

  @Test
  void reconnectMidUtteranceReplaysFromLastFinalWithContinuousTimes() throws Exception {
    start(f -> f, c -> c);
    server.enqueue(FakeFault.dropAfterAudio(Duration.ofMillis(1800)));
    Audio audio = new Audio().silence(300).tone(500).silence(600).tone(1000).silence(800);
    short[] all = audio.samples();
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("gina"), events);
    sendInFrames(s, Arrays.copyOfRange(all, 0, 1500 * 16));
    assertThat(events.awaitFinal(WAIT).text()).isEqualTo("speech 1");
    sendInFrames(s, Arrays.copyOfRange(all, 1500 * 16, all.length));
    events.await(TranscriptEvent.Reconnecting.class, WAIT);
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);

    List<TranscriptEvent.Result> finals = events.finals();
    assertThat(finals).hasSize(2);
    assertThat(finals.get(0).startMs()).isCloseTo(300, within(10L));
    assertThat(finals.get(1).segmentId()).startsWith("c2-");
    assertThat(finals.get(1).startMs()).isCloseTo(1400, within(10L));
    assertThat(finals.get(1).endMs()).isCloseTo(2400, within(10L));

    byte[] sent = audio.bytes();
    assertThat(server.connections().get(1).awaitClosed(WAIT)).isTrue(); // all frames processed
    byte[] first = server.connections().get(0).audio();
    byte[] second = server.connections().get(1).audio();
    int replayFrom = sent.length - second.length;
    assertThat(Arrays.copyOfRange(sent, 0, first.length)).isEqualTo(first);
    assertThat(replayFrom).isBetween(0, first.length);
    assertThat(Arrays.copyOfRange(sent, replayFrom, sent.length)).isEqualTo(second);
    assertThat(replayFrom / 32).isCloseTo(800, within(20)); // end of the last final's words
  }

  @Test
  void malformedJsonIsSkipped() throws Exception {
    start(f -> f, c -> c);
    server.enqueue(
        FakeFault.sendAfterAudio(Duration.ofMillis(200), "{\"message_type\": oops"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(250), "{\"message_type\":\"committed_transcript\"}"),
        FakeFault.sendAfterAudio(Duration.ofMillis(300), "[1,2,3]"));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("hank"), events);
    sendInFrames(s, new Audio().silence(300).tone(500).silence(700).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
  }

  @Test
  void keepAliveSilenceWhenIdleDoesNotShiftTimes() throws Exception {
    start(f -> f, c -> c.keepAliveAfter(Duration.ofSeconds(1)));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("ivy"), events);
    sendInFrames(s, new Audio().silence(200).samples());
    FakeConnection c = server.awaitConnection(0, WAIT);
    // 200 ms of audio, then 100 ms of keep-alive silence after 1 s idle
    assertThat(c.awaitAudioMs(300, WAIT)).isTrue();
    sendInFrames(s, new Audio().tone(500).silence(700).samples());
    TranscriptEvent.Result f = events.awaitFinal(WAIT);
    // the provider saw the tone at 300 ms; on the speaker's timeline it starts at 200 ms
    assertThat(f.startMs()).isCloseTo(200, within(10L));
    assertThat(f.endMs()).isCloseTo(700, within(10L));
    s.close();
  }

  @Test
  void idleNormalCloseFromServerReconnects() throws Exception {
    start(f -> f.idleClose(Duration.ofMillis(300)), c -> c);
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("jack"), events);
    sendInFrames(s, new Audio().silence(100).samples());
    TranscriptEvent.Reconnecting r = events.await(TranscriptEvent.Reconnecting.class, WAIT);
    assertThat(((ProviderException) r.cause()).closeCode()).isEqualTo(1000);
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    s.close();
  }

  @Test
  void missingGreetingTimesOutAndTheNextConnectionIsUsed() throws Exception {
    start(f -> f, c -> c.readyTimeout(Duration.ofMillis(400)));
    server.enqueue(
        FakeFault.slowResponses(Duration.ofSeconds(3))); // session_started comes too late
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("kay"), events);
    sendInFrames(s, new Audio().silence(200).tone(400).silence(700).samples());
    TranscriptEvent.Reconnecting r = events.await(TranscriptEvent.Reconnecting.class, WAIT);
    assertThat(r.cause().getMessage()).contains("not ready within 400 ms (no greeting");
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
    assertThat(server.connections().get(1).awaitClosed(WAIT)).isTrue();
    assertThat(server.connections().get(1).audio()).hasSize(1300 * 32);
  }

  @Test
  void sessionTimeLimitReconnectsAndKeepsTheTimeline() throws Exception {
    start(f -> f, c -> c);
    server.enqueue(
        FakeFault.sendAfterAudio(
            Duration.ofMillis(1200),
            "{\"message_type\":\"session_time_limit_exceeded\",\"error\":\"Session time limit\"}"));
    Audio audio = new Audio().silence(300).tone(400).silence(700).tone(500).silence(700);
    short[] all = audio.samples();
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("lee"), events);
    sendInFrames(s, java.util.Arrays.copyOfRange(all, 0, 1300 * 16));
    TranscriptEvent.Reconnecting r = events.await(TranscriptEvent.Reconnecting.class, WAIT);
    assertThat(((ProviderException) r.cause()).errorType())
        .isEqualTo("session_time_limit_exceeded");
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    sendInFrames(s, java.util.Arrays.copyOfRange(all, 1300 * 16, all.length));
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<TranscriptEvent.Result> finals = events.finals();
    assertThat(finals)
        .extracting(TranscriptEvent.Result::startMs)
        .satisfiesExactly(
            a -> assertThat(a).isCloseTo(300L, within(10L)),
            b -> assertThat(b).isCloseTo(1400L, within(10L)));
  }
}
