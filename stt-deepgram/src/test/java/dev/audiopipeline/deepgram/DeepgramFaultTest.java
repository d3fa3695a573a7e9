package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.ProviderException;
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
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The issue #9 faults against the fake Deepgram server: nothing lost, nothing leaked, no hang. */
class DeepgramFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String KEY = "test-key-fault-456";

  private FakeDeepgramServer server;
  private DeepgramSttProvider provider;

  @BeforeEach
  void start() {
    server = FakeDeepgramServer.builder().apiKey(KEY).build();
  }

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
    server.close();
  }

  private DeepgramSttProvider.Builder builder() {
    return DeepgramSttProvider.builder()
        .apiKey(KEY)
        .baseUrl(server.baseUrl())
        .reconnectPolicy(
            ReconnectPolicy.builder()
                .initialDelay(Duration.ofMillis(10))
                .maxDelay(Duration.ofMillis(50))
                .jitter(0)
                .build());
  }

  private static void sendInFrames(SttSession s, short[] audio) {
    for (int i = 0; i < audio.length; i += 320) { // 20 ms frames, like a source
      s.send(audio, i, Math.min(320, audio.length - i));
    }
  }

  private static Audio speech(int seconds) {
    Audio a = new Audio().silence(300);
    for (int i = 0; i < seconds; i++) {
      a.tone(500).silence(500);
    }
    return a;
  }

  @Test
  void fileSourceThroughACutDeliversEveryByteWithoutDrops() throws Exception {
    // the socket drops after 2 s of audio; the reconnect takes ~1 s, longer than the 2 s replay
    // buffer lasts at file speed: a file must be slowed down, not dropped
    provider =
        builder()
            .replayBuffer(Duration.ofSeconds(2))
            .reconnectPolicy(
                ReconnectPolicy.builder()
                    .initialDelay(Duration.ofSeconds(1))
                    .maxDelay(Duration.ofSeconds(1))
                    .jitter(0)
                    .build())
            .build();
    server.enqueue(FakeFault.dropAfterAudio(Duration.ofSeconds(2)));
    Audio audio = speech(5);
    AtomicLong droppedSamples = new AtomicLong();
    PipelineListener metrics =
        new PipelineListener() {
          @Override
          public void audioDropped(String streamId, long samples, String where) {
            droppedSamples.addAndGet(samples);
          }
        };
    EventRecorder events = new EventRecorder();
    SttSession s =
        provider.openSession(new SttSessionOptions("file", "file", null, metrics, true), events);
    sendInFrames(s, audio.samples()); // as fast as it goes: send waits when it must
    s.finish(WAIT).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(events.ofType(TranscriptEvent.AudioDropped.class)).isEmpty();
    assertThat(droppedSamples.get()).isZero();
    events.await(TranscriptEvent.Reconnected.class, WAIT);
    List<FakeConnection> conns = server.connections();
    assertThat(conns).hasSize(2);
    byte[] all = audio.bytes();
    byte[] first = conns.get(0).audio();
    byte[] second = conns.get(1).audio();
    // the first connection got a prefix, the second a suffix that starts no later than where
    // the first stopped: every byte reached the server
    assertThat(first).isEqualTo(Arrays.copyOf(all, first.length));
    assertThat(second).isEqualTo(Arrays.copyOfRange(all, all.length - second.length, all.length));
    assertThat((long) first.length + second.length).isGreaterThanOrEqualTo(all.length);
    assertThat(server.sawAudioFasterThanAllowed()).isFalse(); // paced at 1.25x, not flooded
    assertThat(events.finals()).isNotEmpty();
  }

  @Test
  void aWaitingSendWakesOnCloseAndOnInterrupt() throws Exception {
    // the provider is unreachable for a while: a file's send waits once the 1 s buffer is full
    provider =
        builder()
            .replayBuffer(Duration.ofSeconds(1))
            .reconnectPolicy(
                ReconnectPolicy.builder()
                    .initialDelay(Duration.ofSeconds(30))
                    .maxDelay(Duration.ofSeconds(30))
                    .jitter(0)
                    .build())
            .build();
    for (int round = 0; round < 2; round++) {
      server.enqueue(FakeFault.rejectUpgrade(503));
      EventRecorder events = new EventRecorder();
      SttSession s =
          provider.openSession(
              new SttSessionOptions("wait-" + round, "w", null, PipelineListener.NONE, true),
              events);
      short[] audio = speech(3).samples();
      java.util.concurrent.CountDownLatch returned = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.atomic.AtomicBoolean interruptKept =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread feeder =
          new Thread(
              () -> {
                try {
                  sendInFrames(s, audio);
                } catch (IllegalStateException closed) {
                  // sent after close(): refused, as documented
                }
                interruptKept.set(Thread.currentThread().isInterrupted());
                returned.countDown();
              },
              "test-feeder-" + round);
      feeder.start();
      events.await(TranscriptEvent.Reconnecting.class, WAIT);
      assertThat(returned.await(300, TimeUnit.MILLISECONDS)).as("send waits, not drops").isFalse();
      assertThat(events.ofType(TranscriptEvent.AudioDropped.class)).isEmpty();
      if (round == 0) {
        s.close();
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
      } else {
        feeder.interrupt();
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(interruptKept.get()).isTrue();
        // the rest went the live way: dropped beyond the buffer, counted and reported at the end
        s.close();
        assertThat(events.ofType(TranscriptEvent.AudioDropped.class)).hasSize(1);
      }
      feeder.join(5000);
    }
  }

  @Test
  void liveOutageLongerThanTheReplayBufferIsReportedOncePerGapWithItsTotal() throws Exception {
    provider =
        builder()
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
    AtomicInteger droppedCalls = new AtomicInteger();
    AtomicLong droppedSamples = new AtomicLong();
    PipelineListener metrics =
        new PipelineListener() {
          @Override
          public void audioDropped(String streamId, long samples, String where) {
            droppedCalls.incrementAndGet();
            droppedSamples.addAndGet(samples);
          }
        };
    EventRecorder events = new EventRecorder();
    PrintStream err = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(log, err), true, StandardCharsets.UTF_8));
    try {
      SttSession s =
          provider.openSession(new SttSessionOptions("gap-live", "live", null, metrics), events);
      // 3 s spoken (150 frames) while the provider is unreachable: only the newest 1 s is kept
      sendInFrames(s, new Audio().silence(2300).tone(500).silence(200).samples());
      events.await(TranscriptEvent.Reconnected.class, WAIT);
      sendInFrames(s, new Audio().silence(500).samples());
      s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      System.setErr(err);
    }
    List<TranscriptEvent.AudioDropped> dropped = events.ofType(TranscriptEvent.AudioDropped.class);
    assertThat(dropped).hasSize(1);
    assertThat(dropped.get(0).droppedMs()).isCloseTo(2000, within(30L));
    assertThat(dropped.get(0).reason()).contains("replay buffer").contains("while disconnected");
    assertThat(droppedCalls.get()).isEqualTo(1);
    assertThat(droppedSamples.get()).isCloseTo(32_000L, within(480L));
    List<String> lines =
        log.toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("[gap-live]") && l.contains("dropped"))
            .toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0))
        .containsPattern("dropped (19|20)\\d\\d ms of audio")
        .contains("lost in total");
  }

  @Test
  void serverThatReadsAudioAndNeverAnswersEndsWithATypedError() throws Exception {
    provider = builder().responseTimeout(Duration.ofSeconds(2)).build();
    server.enqueue(FakeFault.silent());
    server.enqueue(FakeFault.silent());
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("mute"), events);
    long t0 = System.nanoTime();
    // a live source keeps sending; the session notices nobody answers
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
    assertThat(e.getMessage()).contains("no answer");
    assertThat(server.connections()).hasSize(2); // replaced once, then given up
    assertThat(server.connections().get(0).audioMs()).isGreaterThan(0);
    // the probe half-way was a Finalize
    assertThat(server.connections().get(0).texts()).contains(DeepgramCodec.FINALIZE);
    assertThat(s.finish(WAIT).toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
    s.close();
    feeding.get(15, TimeUnit.SECONDS);
  }

  @Test
  void aShortUnansweredTailIsNotTakenForADeadServer() throws Exception {
    // a speaker who said a word and went quiet (muted): no answer to 300 ms is not an outage
    provider = builder().responseTimeout(Duration.ofMillis(500)).build();
    server.enqueue(FakeFault.silent());
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("muted"), events);
    sendInFrames(s, new Audio().tone(300).samples());
    assertThat(server.awaitConnection(0, WAIT).awaitAudioMs(300, WAIT)).isTrue();
    // four response timeouts pass without a reconnect
    assertThat(events.noneWithin(TranscriptEvent.Reconnecting.class, Duration.ofSeconds(2)))
        .isTrue();
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    assertThat(server.connections()).hasSize(1);
    s.close();
  }

  @Test
  void finishWithoutTheServersEndFailsWithinTheDeadlineInsteadOfSucceedingEmpty() throws Exception {
    provider = builder().build();
    server.enqueue(FakeFault.silent());
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("quiet-end"), events);
    sendInFrames(s, speech(2).samples());
    CompletableFuture<Void> done = s.finish(Duration.ofMillis(1500)).toCompletableFuture();
    assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("finals did not come within 1500 ms");
    ProviderException e =
        (ProviderException) events.await(TranscriptEvent.Failed.class, WAIT).error();
    assertThat(e.errorType()).isEqualTo("finish_timeout");
    assertThat(server.connections().get(0).texts()).contains(DeepgramCodec.CLOSE_STREAM);
  }

  @Test
  void closeWithInvalidCredentialsIsAnAuthenticationErrorNotRetried() throws Exception {
    for (int code : new int[] {1008, 4001}) {
      server.close();
      server = FakeDeepgramServer.builder().apiKey(KEY).build();
      if (provider != null) {
        provider.close();
      }
      provider = builder().build();
      server.enqueue(
          FakeFault.closeAfterAudio(Duration.ofMillis(200), code, "Invalid credentials"));
      EventRecorder events = new EventRecorder();
      SttSession s = provider.openSession(SttSessionOptions.of("auth-" + code), events);
      sendInFrames(s, speech(1).samples());
      TranscriptEvent.Failed failed = events.await(TranscriptEvent.Failed.class, WAIT);
      assertThat(failed.error()).isInstanceOf(AuthenticationException.class);
      ProviderException e = (ProviderException) failed.error();
      assertThat(e.closeCode()).isEqualTo(code);
      assertThat(e.isRetryable()).isFalse();
      assertThat(occurrences(e.getMessage(), "(close code " + code + ")")).isEqualTo(1);
      assertThat(e.getMessage()).contains("Invalid credentials").doesNotContain(KEY);
      assertThat(server.noConnectionWithin(1, Duration.ofMillis(300))).as("no retry").isTrue();
      assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
      s.close();
    }
  }

  @Test
  void givingUpNamesTheLastErrorsCodeOnce() throws Exception {
    provider = builder().build();
    for (int i = 0; i < 3; i++) {
      server.enqueue(FakeFault.closeAfterAudio(Duration.ofMillis(50), 1011, "NET-0000"));
    }
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("giveup"), events);
    sendInFrames(s, new Audio().tone(1000).samples());
    ProviderException e =
        (ProviderException) events.await(TranscriptEvent.Failed.class, WAIT).error();
    assertThat(e.getMessage()).startsWith("deepgram: 3 connections in a row died");
    assertThat(e.getMessage()).contains("last error: server closed the connection: NET-0000");
    assertThat(occurrences(e.getMessage(), "(close code 1011)")).isEqualTo(1);
    assertThat(occurrences(e.getMessage(), "[NET-0000]")).isEqualTo(1);
    assertThat(occurrences(e.getMessage(), "deepgram:")).isEqualTo(1);
    s.close();
  }

  @Test
  void hostileMessagesAreSkippedAndCannotMoveResultsOffTheTimeline() throws Exception {
    provider = builder().build();
    server.enqueue(
        FakeFault.sendAfterAudio(Duration.ofMillis(100), "garbage \u0000 not json {"),
        FakeFault.sendAfterAudio(Duration.ofMillis(150), "[1,2,3]"),
        FakeFault.sendAfterAudio(Duration.ofMillis(200), "{\"type\":{\"nested\":true}}"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(250),
            "{\"type\":\"Results\",\"start\":1e308,"
                + "\"duration\":1e308,\"is_final\":false,\"channel\":{\"alternatives\":[{"
                + "\"transcript\":\"\\u001b[31mhuge\",\"words\":[{\"word\":\"huge\","
                + "\"start\":1e300,\"end\":1e301}]}]}}"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(300),
            "{\"type\":\"Results\",\"start\":-7,"
                + "\"duration\":-1e20,\"is_final\":false,\"channel\":{\"alternatives\":[{"
                + "\"transcript\":\"negative\"}]}}"),
        FakeFault.sendAfterAudio(
            Duration.ofMillis(350),
            "{\"type\":\"Results\",\"start\":\"soon\",\"is_final\":\"yes\"}"));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("hostile"), events);
    sendInFrames(s, new Audio().silence(300).tone(500).silence(600).samples());
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
    for (TranscriptEvent.Result r : events.ofType(TranscriptEvent.Result.class)) {
      assertThat(r.startMs()).isBetween(0L, 1400L);
      assertThat(r.endMs()).isBetween(r.startMs(), 1400L);
      r.words().forEach(w -> assertThat(w.endMs()).isBetween(0L, 1400L));
    }
    // negative times are malformed, not clampable: the result is refused where it is parsed
    // (TranscriptEvent.Result), logged and skipped, like the other hostile messages
    assertThat(events.ofType(TranscriptEvent.Result.class))
        .extracting(TranscriptEvent.Result::text)
        .doesNotContain("negative", "huge");
  }

  @Test
  void badBaseUrlFailsAtOnceNamingTheOptionOrVariable() {
    assertThatThrownBy(
            () ->
                DeepgramSttProvider.builder().apiKey("k").baseUrl("ws://api deepgram.com").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("baseUrl")
        .hasMessageContaining("whitespace")
        .hasMessageContaining("accepted: a ws:// or wss:// URL");
    assertThatThrownBy(
            () -> DeepgramSttProvider.builder().apiKey("k").baseUrl("https://x.io").build())
        .hasMessageContaining("must start with ws:// or wss://");
    assertThatThrownBy(
            () ->
                DeepgramSttProvider.builder()
                    .apiKey("k")
                    .baseUrl("wss://x.io/?token=secret-value")
                    .build())
        .hasMessageContaining("query")
        .hasMessageNotContaining("secret-value");
    assertThatThrownBy(
            () ->
                DeepgramSttProvider.builder()
                    .apiKey("k")
                    .responseTimeout(Duration.ofMillis(100))
                    .build())
        .hasMessageContaining("responseTimeout 100 ms: accepted 500 ms..10 min");
    assertThatThrownBy(
            () ->
                DeepgramSttProvider.builder()
                    .apiKey("k")
                    .pingInterval(Duration.ofSeconds(-1))
                    .build())
        .hasMessageContaining("pingInterval");
    assertThatThrownBy(
            () ->
                DeepgramSttProvider.fromEnv(
                    Map.of(
                            "DEEPGRAM_API_KEY",
                            KEY,
                            "DEEPGRAM_BASE_URL",
                            "wss://api.deepgram.com /v1")
                        ::get))
        .isInstanceOf(AudioPipelineException.class)
        .hasMessageContaining("DEEPGRAM_BASE_URL")
        .hasMessageContaining("whitespace")
        .hasMessageNotContaining(KEY);
  }

  @Test
  void refusedUpgradesEndInATypedErrorOnTheCallbackAndTheStages() throws Exception {
    provider = builder().build();
    server.enqueue(FakeFault.rejectUpgrade(403));
    EventRecorder events = new EventRecorder();
    dev.audiopipeline.internal.runtime.StreamingSttSession s =
        (dev.audiopipeline.internal.runtime.StreamingSttSession)
            provider.openSession(SttSessionOptions.of("forbidden"), events);
    ProviderException e =
        (ProviderException) events.await(TranscriptEvent.Failed.class, WAIT).error();
    assertThat(e).isInstanceOf(AuthenticationException.class);
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(occurrences(e.getMessage(), "(HTTP 403)")).isEqualTo(1);
    assertThat(s.closed().toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
    assertThatThrownBy(() -> s.finish(WAIT).toCompletableFuture().get(5, TimeUnit.SECONDS))
        .cause()
        .isSameAs(e);
    assertThat(server.connections()).hasSize(1);

    // a server error on every attempt: retried, then given up promptly with the last status
    for (int i = 0; i < 4; i++) {
      server.enqueue(FakeFault.rejectUpgrade(500));
    }
    EventRecorder events2 = new EventRecorder();
    SttSession s2 = provider.openSession(SttSessionOptions.of("server-error"), events2);
    ProviderException e2 =
        (ProviderException) events2.await(TranscriptEvent.Failed.class, WAIT).error();
    assertThat(e2.httpStatus()).isEqualTo(500);
    assertThat(e2.isRetryable()).isFalse();
    assertThat(e2.getMessage()).contains("could not open a first connection in 4 attempts");
    assertThat(occurrences(e2.getMessage(), "(HTTP 500)")).isEqualTo(1);
    assertThat(events2.ofType(TranscriptEvent.Reconnecting.class)).hasSize(3);
    assertThat(server.connections()).hasSize(5);
    s2.close();
  }

  @Test
  void nothingListeningFailsPromptlyWithATypedError() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = ss.getLocalPort();
    }
    provider =
        DeepgramSttProvider.builder()
            .apiKey(KEY)
            .baseUrl("ws://127.0.0.1:" + port)
            .build(); // default reconnect policy
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("refused"), events);
    CompletableFuture<Void> done = s.finish(Duration.ofSeconds(30)).toCompletableFuture();
    ProviderException e =
        (ProviderException) events.await(TranscriptEvent.Failed.class, WAIT).error();
    assertThat(e.getMessage())
        .contains("could not open a first connection in 4 attempts")
        .contains("connection failed");
    assertThat(e.getCause()).isInstanceOf(ConnectionException.class);
    assertThat(done).failsWithin(Duration.ofSeconds(5));
  }

  @Test
  void aPeerThatStopsAnsweringPingsIsNoticedAndReplaced() throws Exception {
    try (HalfDeadServer dead = new HalfDeadServer()) {
      provider =
          DeepgramSttProvider.builder()
              .apiKey(KEY)
              .baseUrl(dead.baseUrl())
              .pingInterval(Duration.ofMillis(300))
              .reconnectPolicy(
                  ReconnectPolicy.builder()
                      .initialDelay(Duration.ofMillis(10))
                      .maxDelay(Duration.ofMillis(10))
                      .jitter(0)
                      .build())
              .build();
      EventRecorder events = new EventRecorder();
      SttSession s = provider.openSession(SttSessionOptions.of("half-dead"), events);
      TranscriptEvent.Reconnecting r = events.await(TranscriptEvent.Reconnecting.class, WAIT);
      assertThat(r.cause()).isInstanceOf(ConnectionException.class);
      assertThat(r.cause().getMessage()).contains("ping");
      s.close();
    }
  }

  @Test
  void anIdleSocketOutlivesTheClientsReadTimeout() throws Exception {
    // OkHttp's read timeout bounds the upgrade only: a WebSocket may stay quiet for longer
    OkHttpClient client =
        new OkHttpClient.Builder().readTimeout(300, TimeUnit.MILLISECONDS).build();
    provider = builder().okHttpClient(client).build();
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("idle"), events);
    s.send(new short[1600], 0, 1600);
    FakeConnection c = server.awaitConnection(0, WAIT);
    assertThat(c.awaitAudioMs(100, WAIT)).isTrue();
    assertThat(events.noneWithin(TranscriptEvent.Reconnecting.class, Duration.ofMillis(1500)))
        .isTrue();
    assertThat(server.connections()).hasSize(1);
    s.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static int occurrences(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  /** Copies everything to two streams (a log capture that still shows the log). */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int x) throws java.io.IOException {
      a.write(x);
      b.write(x);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }

  /**
   * Accepts WebSocket upgrades on 127.0.0.1 and then never reads or writes again: a peer whose TCP
   * connection is alive but whose application is gone (no pongs, no close).
   */
  private static final class HalfDeadServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    private final List<Socket> accepted = new ArrayList<>();
    private final Thread acceptor;

    HalfDeadServer() throws java.io.IOException {
      acceptor = new Thread(this::acceptLoop, "test-half-dead-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String baseUrl() {
      return "ws://127.0.0.1:" + socket.getLocalPort();
    }

    private void acceptLoop() {
      try {
        while (!socket.isClosed()) {
          Socket s = socket.accept();
          synchronized (accepted) {
            accepted.add(s);
          }
          upgrade(s);
        }
      } catch (Exception e) {
        // closed
      }
    }

    private static void upgrade(Socket s) throws Exception {
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        head.append((char) b);
      }
      Matcher m = Pattern.compile("(?im)^sec-websocket-key:\\s*(\\S+)").matcher(head);
      if (!m.find()) {
        return;
      }
      byte[] sha =
          MessageDigest.getInstance("SHA-1")
              .digest(
                  (m.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                      .getBytes(StandardCharsets.US_ASCII));
      String response =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              + "Connection: Upgrade\r\nSec-WebSocket-Accept: "
              + Base64.getEncoder().encodeToString(sha)
              + "\r\n\r\n";
      s.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      // and never again: no pong, no close
    }

    @Override
    public void close() throws Exception {
      socket.close();
      synchronized (accepted) {
        for (Socket s : accepted) {
          s.close();
        }
      }
      acceptor.join(2000);
    }
  }
}
