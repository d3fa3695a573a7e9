package dev.audiopipeline.deepgram;

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
import dev.audiopipeline.testing.FakeDeepgramServer;
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
 * A made-up key is pushed through every path where server text or configuration ends up in a
 * message: a 401 page echoing the request headers, a JSON error body quoting the key, close
 * reasons, error messages, malformed JSON, unknown message types, a key with a zero-width space, a
 * base URL carrying a token. The key must appear in no exception message, no cause in the chain, no
 * {@code toString()} and no log line (slf4j-simple writes to System.err at TRACE for this library,
 * see simplelogger.properties; the test captures it).
 */
class DeepgramSecretsTest {
  static final String KEY = "sk_test_SECRET_4242_deepgram_0123456789abcdef";
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
                "{\"err_code\":\"INVALID_AUTH\",\"err_msg\":"
                    + "\"Invalid credentials: Token "
                    + KEY
                    + "\",\"request_id\":\""
                    + KEY
                    + "\"}"),
            Outcome.FAILED_AUTH),
        Arguments.of(
            "close reason with the key",
            FakeFault.closeAfterAudio(a, 1011, "NET-0000 key " + KEY),
            Outcome.RECONNECTED),
        Arguments.of(
            "close right after the upgrade with the key",
            FakeFault.errorOnOpen("x", "Token " + KEY),
            Outcome.RECONNECTED),
        Arguments.of(
            "Error message quoting the key",
            FakeFault.sendAfterAudio(
                a,
                "{\"type\":\"Error\",\"description\":\"bad key "
                    + KEY
                    + "\",\"variant\":\""
                    + KEY
                    + "\"}"),
            Outcome.RECONNECTED),
        Arguments.of(
            "malformed JSON holding the key",
            FakeFault.sendAfterAudio(a, "{\"type\": " + KEY + "}"),
            Outcome.LOGGED),
        Arguments.of(
            "unknown message type holding the key",
            FakeFault.sendAfterAudio(a, "{\"type\":\"" + KEY + "\"}"),
            Outcome.LOGGED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serverPaths")
  void keyNeverLeavesThroughServerText(String name, FakeFault fault, Outcome outcome)
      throws Exception {
    List<Object> shown = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey(KEY).build();
        DeepgramSttProvider provider =
            DeepgramSttProvider.builder()
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
      assertThat(server.connections().get(0).header("authorization"))
          .as("the fake saw the real key, so it had it to echo")
          .isEqualTo("Token " + KEY);
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
    assertThat(logs).as("the library logged").contains("deepgram");
    if (outcome == Outcome.LOGGED) {
      assertThat(logs).as("the server text was logged, masked").contains("***");
    }
    assertThat(logs).doesNotContain(KEY);
  }

  @Test
  void keyWithZeroWidthSpaceIsRefusedUpFrontWithoutPrintingIt() {
    String pasted = KEY.substring(0, 11) + "\u200b" + KEY.substring(11);
    assertThatThrownBy(() -> DeepgramSttProvider.builder().apiKey(pasted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invisible character (U+200B at position 12 of")
        .hasMessageContaining("paste it again")
        .satisfies(DeepgramSecretsTest::assertNoKey);
    assertThatThrownBy(() -> DeepgramSttProvider.fromEnv(Map.of("DEEPGRAM_API_KEY", pasted)::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("your DEEPGRAM_API_KEY contains an invisible character")
        .satisfies(DeepgramSecretsTest::assertNoKey);
    assertThat(logs()).doesNotContain(KEY);
  }

  @Test
  void keyWithSurroundingWhitespaceIsTrimmed() {
    try (DeepgramSttProvider p =
        DeepgramSttProvider.fromEnv(
            Map.of("DEEPGRAM_API_KEY", " " + KEY + "\n", "DEEPGRAM_BASE_URL", "ws://127.0.0.1:9")
                ::get)) {
      assertThat(p.request("en").headers()).containsEntry("Authorization", "Token " + KEY);
      assertThat(p.toString()).doesNotContain(KEY).contains("apiKey=***");
    }
  }

  @Test
  void baseUrlCarryingATokenIsRefusedWithoutEchoingIt() {
    for (String url :
        List.of(
            "wss://api.deepgram.com/?token=" + KEY,
            "wss://user:" + KEY + "@api.deepgram.com",
            "https://api.deepgram.com/?token=" + KEY,
            "wss://bad host/?token=" + KEY)) {
      assertThatThrownBy(
              () -> DeepgramSttProvider.builder().apiKey("another-key-1234").baseUrl(url).build())
          .as(url.replace(KEY, "KEY"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("baseUrl")
          .satisfies(DeepgramSecretsTest::assertNoKey);
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
      for (Throwable s : c.getSuppressed()) {
        assertThat(s.toString()).doesNotContain(KEY);
      }
    }
  }
}
