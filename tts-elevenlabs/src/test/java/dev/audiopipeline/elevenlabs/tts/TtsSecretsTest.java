package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.HttpFault;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WebSocketFault;
import dev.audiopipeline.testing.StderrCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A made-up key is pushed through every error path of both transports (HTTP streaming and
 * WebSocket): a 401/500 page echoing the request headers, JSON error bodies and error messages
 * quoting the key, an error type that is the key, close reasons holding it, a key with a zero-width
 * space, a base URL carrying a token. The key must appear in no exception message, no cause, no
 * {@code toString()} and no log line (TRACE, captured from System.err).
 */
class TtsSecretsTest {
  static final String KEY = "sk_test_SECRET_4242_tts_0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(10);

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

  static Stream<Arguments> serverPaths() {
    return Stream.of(
        Arguments.of("HTTP 401 page echoing request headers", HttpFault.echoHeaders(401), true),
        Arguments.of("HTTP 500 page echoing request headers", HttpFault.echoHeaders(500), false),
        Arguments.of(
            "HTTP 401 JSON quoting the key",
            HttpFault.status(401, "invalid_api_key", "Invalid API key " + KEY),
            true),
        Arguments.of("HTTP error type that is the key", HttpFault.status(400, KEY, KEY), false),
        Arguments.of(
            "WebSocket 401 page echoing request headers",
            WebSocketFault.rejectHandshakeEchoingHeaders(401),
            true),
        Arguments.of(
            "WebSocket 403 JSON quoting the key",
            WebSocketFault.rejectHandshake(403, "invalid_api_key", "xi-api-key " + KEY),
            true),
        Arguments.of(
            "WebSocket error message and close reason quoting the key",
            WebSocketFault.errorAndClose("invalid_api_key", "bad key " + KEY),
            true),
        Arguments.of(
            "WebSocket error type and close reason that are the key",
            WebSocketFault.errorAndClose(KEY, KEY),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serverPaths")
  void keyNeverLeavesThroughServerText(String name, Object fault, boolean auth) throws Exception {
    Throwable error;
    String shown;
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start();
        ElevenLabsTts tts =
            ElevenLabsTts.builder()
                .apiKey(KEY)
                .baseUrl(fake.httpBaseUrl())
                .webSocketBaseUrl(fake.webSocketBaseUrl())
                .outputFormat(OutputFormat.PCM_16000)
                .maxRetries(0)
                .build()) {
      Recorder r = Recorder.unbounded();
      if (fault instanceof HttpFault h) {
        fake.enqueueHttpFault(h);
        tts.synthesize(TtsRequest.of("Hello there")).subscribe(r);
        error = r.awaitError(WAIT);
        shown = tts.toString();
      } else {
        fake.enqueueWebSocketFault((WebSocketFault) fault);
        TtsStream s = tts.openStream(null);
        s.audio().subscribe(r);
        s.append("Streaming words ");
        s.finish();
        error = r.awaitError(WAIT);
        shown = tts + " " + s;
        s.close();
      }
    }
    assertThat(error).isInstanceOf(ProviderException.class);
    if (auth) {
      assertThat(error).isInstanceOf(AuthenticationException.class);
    }
    assertNoKey(error);
    assertThat(String.valueOf(((ProviderException) error).errorType())).doesNotContain(KEY);
    assertThat(shown).doesNotContain(KEY);
    assertThat(logs()).as("the library logged").contains("elevenlabs").doesNotContain(KEY);
  }

  @Test
  void echoedPageIsShownMaskedAndBounded() throws Exception {
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start();
        ElevenLabsTts tts =
            ElevenLabsTts.builder()
                .apiKey(KEY)
                .baseUrl(fake.httpBaseUrl())
                .outputFormat(OutputFormat.PCM_16000)
                .maxRetries(0)
                .build()) {
      fake.enqueueHttpFault(HttpFault.echoHeaders(401));
      Recorder r = Recorder.unbounded();
      tts.synthesize(TtsRequest.of("Hello")).subscribe(r);
      Throwable e = r.awaitError(WAIT);
      assertThat(e.getMessage()).contains("<h1>401</h1>").doesNotContain(KEY).doesNotContain("\n");
      assertThat(e.getMessage().length()).isLessThan(450);
    }
  }

  @Test
  void keyWithZeroWidthSpaceIsRefusedBeforeOkHttpSeesIt() {
    String pasted = KEY.substring(0, 11) + "\u200b" + KEY.substring(11);
    assertThatThrownBy(() -> ElevenLabsTts.builder().apiKey(pasted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invisible character (U+200B at position 12 of")
        .satisfies(TtsSecretsTest::assertNoKey);
    assertThatThrownBy(() -> ElevenLabsTts.builder().env(Map.of("ELEVENLABS_API_KEY", pasted)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("your ELEVENLABS_API_KEY contains an invisible character")
        .satisfies(TtsSecretsTest::assertNoKey);
    assertThat(logs()).doesNotContain(KEY);
  }

  @Test
  void baseUrlCarryingATokenIsRefusedWithoutEchoingIt() {
    for (String url :
        List.of(
            "https://api.elevenlabs.io/?xi-api-key=" + KEY,
            "https://user:" + KEY + "@api.elevenlabs.io",
            "wss://api.elevenlabs.io/#" + KEY,
            "not a url ?token=" + KEY)) {
      assertThatThrownBy(() -> ElevenLabsTts.builder().baseUrl(url))
          .as(url.replace(KEY, "KEY"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("baseUrl")
          .satisfies(TtsSecretsTest::assertNoKey);
      assertThatThrownBy(() -> ElevenLabsTts.builder().webSocketBaseUrl(url))
          .isInstanceOf(IllegalArgumentException.class)
          .satisfies(TtsSecretsTest::assertNoKey);
    }
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
    }
  }
}
