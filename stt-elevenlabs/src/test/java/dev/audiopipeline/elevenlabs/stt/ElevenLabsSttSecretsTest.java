package dev.audiopipeline.elevenlabs.stt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.FakeFault;
import dev.audiopipeline.testing.StderrCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ElevenLabs realtime STT: a made-up key is pushed through every path where server text or
 * configuration ends up in a message: a 401 page echoing the request headers, a JSON error body
 * quoting the key, close reasons, error messages, malformed JSON, unknown message types, a key with
 * a zero-width space, a base URL carrying a token. The key must appear in no exception message, no
 * cause in the chain, no {@code toString()} and no log line (slf4j-simple writes to System.err at
 * TRACE for this library, see simplelogger.properties; the test captures it).
 */
class ElevenLabsSttSecretsTest {
  static final String KEY = "sk_test_SECRET_4242_elevenlabs_0123456789ab";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ReconnectPolicy FAST =
      ReconnectPolicy.builder()
          .initialDelay(Duration.ofMillis(10))
          .maxDelay(Duration.ofMillis(50))
          .jitter(0)
          .maxAttempts(3)
          .build();

  private final StderrCapture stderr = new StderrCapture();

  @BeforeEach
  void captureLogs() {
    stderr.start();
  }

  @AfterEach
  void restoreErr() {
    stderr.stop();
  }

  private String logs() {
    return stderr.text();
  }

  /** What the scenario must visibly produce besides keeping the key out. */
  enum Outcome {
    FAILED_AUTH,
    RECONNECTED,
    LOGGED
  }

  static Stream<Arguments> serverPaths() {
    Duration a = Duration.ofMillis(200);
    return Stream.of(
        Arguments.of(
            "401 page echoing request headers",
            FakeFault.rejectUpgradeEchoingHeaders(401),
            Outcome.FAILED_AUTH),
        Arguments.of(
            "503 page echoing request headers",
            FakeFault.rejectUpgradeEchoingHeaders(503),
            Outcome.RECONNECTED),
        Arguments.of(
            "401 JSON body quoting the key",
            FakeFault.rejectUpgradeWithBody(
                401,
                "{\"detail\":{\"status\":\"invalid_api_key\","
                    + "\"message\":\"Invalid API key: "
                    + KEY
                    + "\"}}"),
            Outcome.FAILED_AUTH),
        Arguments.of(
            "auth_error message quoting the key",
            FakeFault.errorOnOpen("auth_error", "Invalid API key " + KEY),
            Outcome.FAILED_AUTH),
        Arguments.of(
            "retryable error message quoting the key",
            FakeFault.errorOnOpen("transcriber_error", "failed for xi-api-key " + KEY),
            Outcome.RECONNECTED),
        Arguments.of(
            "error type and close reason that are the key",
            FakeFault.errorOnOpen(KEY, "boom"),
            Outcome.RECONNECTED),
        Arguments.of(
            "close reason with the key",
            FakeFault.closeAfterAudio(a, 1011, "internal " + KEY),
            Outcome.RECONNECTED),
        Arguments.of(
            "malformed JSON holding the key",
            FakeFault.sendAfterAudio(a, "{\"message_type\": " + KEY + "}"),
            Outcome.LOGGED),
        Arguments.of(
            "unknown message type holding the key",
            FakeFault.sendAfterAudio(a, "{\"message_type\":\"" + KEY + "\"}"),
            Outcome.LOGGED),
        Arguments.of(
            "commit_throttled quoting the key",
            FakeFault.sendAfterAudio(
                a, "{\"message_type\":\"commit_throttled\",\"error\":\"" + KEY + "\"}"),
            Outcome.LOGGED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serverPaths")
  void keyNeverLeavesThroughServerText(String name, FakeFault fault, Outcome outcome)
      throws Exception {
    List<Object> shown = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    try (FakeElevenLabsSttServer server = FakeElevenLabsSttServer.builder().apiKey(KEY).build();
        ElevenLabsSttProvider provider =
            ElevenLabsSttProvider.builder()
                .apiKey(KEY)
                .baseUrl(server.baseUrl())
                .reconnectPolicy(FAST)
                .build()) {
      server.enqueue(fault);
      EventRecorder events = new EventRecorder();
      SttSession s = provider.openSession(SttSessionOptions.of("alice"), events);
      short[] audio = new Audio().tone(600).silence(600).samples();
      for (int i = 0; i < audio.length; i += 320) {
        s.send(audio, i, Math.min(320, audio.length - i));
      }
      switch (outcome) {
        case FAILED_AUTH ->
            assertThat(events.await(TranscriptEvent.Failed.class, WAIT).error())
                .isInstanceOf(AuthenticationException.class);
        case RECONNECTED -> events.await(TranscriptEvent.Reconnected.class, WAIT);
        case LOGGED -> {}
      }
      s.finish(WAIT).toCompletableFuture().handle((v, e) -> e).get(15, TimeUnit.SECONDS);
      shown.add(provider);
      shown.add(s);
      for (TranscriptEvent e : events.all()) {
        shown.add(e);
        if (e instanceof TranscriptEvent.Failed f) {
          errors.add(f.error());
        } else if (e instanceof TranscriptEvent.Reconnecting r) {
          errors.add(r.cause());
        }
      }
      assertThat(server.connections().get(0).header("xi-api-key"))
          .as("the fake saw the real key, so it had it to echo")
          .isEqualTo(KEY);
    }
    if (outcome != Outcome.LOGGED) {
      assertThat(errors).as("errors reported").isNotEmpty();
    }
    for (Throwable e : errors) {
      assertNoKey(e);
      if (e instanceof ProviderException p) {
        assertThat(String.valueOf(p.errorType())).doesNotContain(KEY);
      }
    }
    for (Object o : shown) {
      assertThat(o.toString()).doesNotContain(KEY);
    }
    String logs = logs();
    assertThat(logs).as("the library logged").contains("elevenlabs");
    if (outcome == Outcome.LOGGED) {
      assertThat(logs).as("the server text was logged, masked").contains("***");
    }
    assertThat(logs).doesNotContain(KEY);
  }

  @Test
  void keyWithZeroWidthSpaceIsRefusedUpFrontWithoutPrintingIt() {
    String pasted = KEY.substring(0, 11) + "\u200b" + KEY.substring(11);
    assertThatThrownBy(() -> ElevenLabsSttProvider.builder().apiKey(pasted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invisible character (U+200B at position 12 of")
        .hasMessageContaining("paste it again")
        .satisfies(ElevenLabsSttSecretsTest::assertNoKey);
    assertThatThrownBy(
            () -> ElevenLabsSttProvider.fromEnv(Map.of("ELEVENLABS_API_KEY", pasted)::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("your ELEVENLABS_API_KEY contains an invisible character")
        .satisfies(ElevenLabsSttSecretsTest::assertNoKey);
    assertThat(logs()).doesNotContain(KEY);
  }

  @Test
  void keyWithSurroundingWhitespaceIsTrimmed() {
    try (ElevenLabsSttProvider p =
        ElevenLabsSttProvider.fromEnv(
            Map.of(
                    "ELEVENLABS_API_KEY",
                    " " + KEY + "\n",
                    "ELEVENLABS_BASE_URL",
                    "ws://127.0.0.1:9")
                ::get)) {
      assertThat(p.request("en").headers()).containsEntry("xi-api-key", KEY);
      assertThat(p.toString()).doesNotContain(KEY).contains("apiKey=***");
    }
  }

  @Test
  void baseUrlCarryingATokenIsRefusedWithoutEchoingIt() {
    for (String url :
        List.of(
            "wss://api.elevenlabs.io/?token=" + KEY,
            "wss://user:" + KEY + "@api.elevenlabs.io",
            "https://api.elevenlabs.io/?token=" + KEY,
            "wss://bad host/?token=" + KEY)) {
      assertThatThrownBy(
              () -> ElevenLabsSttProvider.builder().apiKey("another-key-1234").baseUrl(url).build())
          .as(url.replace(KEY, "KEY"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("baseUrl")
          .satisfies(ElevenLabsSttSecretsTest::assertNoKey);
    }
  }

  /**
   * Defence in depth below the builder's check: OkHttp's own "Unexpected char ... in xi-api-key
   * value: KEY" (thrown when the request is built) reaches the session's error through the cause
   * chain; the chain is sanitised, OkHttp's words kept.
   */
  @Test
  void okHttpsOwnMessageWithTheKeyIsSanitisedInTheCauseChain() throws Exception {
    String pasted = KEY.substring(0, 11) + "\u200b" + KEY.substring(11);
    dev.audiopipeline.spi.Secrets.register(pasted);
    dev.audiopipeline.spi.WebSocketRequest request =
        dev.audiopipeline.spi.WebSocketRequest.of(
            java.net.URI.create("ws://127.0.0.1:9/v1/speech-to-text/realtime"),
            Map.of("xi-api-key", pasted));
    okhttp3.OkHttpClient client = new okhttp3.OkHttpClient();
    try (dev.audiopipeline.spi.StreamingSessions sessions =
        dev.audiopipeline.spi.StreamingSessions.create(
            ElevenLabsSttProvider.NAME,
            dev.audiopipeline.audio.AudioFormat.mono(16_000),
            new dev.audiopipeline.okhttp.OkHttpWebSocketTransport(client),
            1)) {
      EventRecorder events = new EventRecorder();
      SttSession s =
          sessions.open(
              SttSessionOptions.of("alice"),
              events,
              (o, config) ->
                  config
                      .reconnectPolicy(FAST.toBuilder().maxAttempts(0).build())
                      .codecFactory(
                          () ->
                              new ElevenLabsSttCodec(
                                  request,
                                  new com.fasterxml.jackson.databind.ObjectMapper(),
                                  16_000,
                                  true,
                                  true,
                                  Duration.ofSeconds(5),
                                  "en")));
      Throwable error = events.await(TranscriptEvent.Failed.class, WAIT).error();
      StringWriter w = new StringWriter();
      error.printStackTrace(new PrintWriter(w));
      assertThat(w.toString())
          .as("OkHttp's words survive")
          .contains("Unexpected char")
          .doesNotContain(pasted)
          .doesNotContain(KEY.substring(11));
      assertNoKey(error);
      s.close();
    } finally {
      client.dispatcher().executorService().shutdown();
    }
    assertThat(logs()).doesNotContain(pasted).doesNotContain(KEY.substring(11));
  }

  /** No message, toString() or printed stack trace anywhere in the chain holds the key. */
  static void assertNoKey(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    assertThat(w.toString()).doesNotContain(KEY);
    int depth = 0;
    for (Throwable c = t; c != null && depth < 20; c = c.getCause(), depth++) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain(KEY);
      assertThat(c.toString()).doesNotContain(KEY);
      for (Throwable s : c.getSuppressed()) {
        assertThat(s.toString()).doesNotContain(KEY);
      }
    }
  }
}
