package dev.audiopipeline.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.ProtocolException;
import dev.audiopipeline.ProviderException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The redaction rule: registered secrets, credential-shaped values, bounded server text. */
class SecretsTest {
  /** Made up; registered below like a provider registers its key. */
  static final String KEY = "sk_test_SECRET_4242_core_abcdef";

  static {
    Secrets.register(KEY);
  }

  @Test
  void registeredSecretIsMaskedWhereverItAppears() {
    assertThat(Secrets.redact("<pre>X-Whatever: " + KEY + "</pre>"))
        .isEqualTo("<pre>X-Whatever: ***</pre>");
    assertThat(Secrets.redact("glued" + KEY + "glued")).isEqualTo("glued***glued");
    assertThat(Secrets.redact("no secret here")).isEqualTo("no secret here");
    assertThat(Secrets.redact(null)).isNull();
  }

  @Test
  void registrationIgnoresShortValuesAndWhitespace() {
    Secrets.register("  short ");
    assertThat(Secrets.redact("a short word")).isEqualTo("a short word");
    Secrets.register("\tregistered-with-tab-99\n");
    assertThat(Secrets.redact("x registered-with-tab-99 y")).isEqualTo("x *** y");
  }

  static Stream<Arguments> credentialShaped() {
    return Stream.of(
        Arguments.of("Authorization: Token 0123456789abcdef0123", "Authorization: Token ***"),
        Arguments.of("authorization: Bearer abc.def.ghi", "authorization: Bearer ***"),
        Arguments.of("xi-api-key: unknownkey1234", "xi-api-key: ***"),
        Arguments.of(
            "{\"xi-api-key\":\"unknownkey1234\",\"a\":1}", "{\"xi-api-key\":\"***\",\"a\":1}"),
        Arguments.of("wss://h/rtc?access_token=abc123&x=1", "wss://h/rtc?access_token=***&x=1"),
        Arguments.of("GET /listen?token=abc123 HTTP/1.1", "GET /listen?token=*** HTTP/1.1"),
        Arguments.of("api_key=abc123; next", "api_key=***; next"),
        Arguments.of("LIVEKIT_API_SECRET=s3cr3tvalue", "LIVEKIT_API_SECRET=***"),
        Arguments.of("sent Bearer abcdefgh12345 twice", "sent Bearer *** twice"),
        Arguments.of("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJl end", "jwt *** end"),
        Arguments.of("wss://user:pa55@host.example/rtc", "wss://***@host.example/rtc"),
        Arguments.of(
            "Unexpected char 0x200b at 6 in xi-api-key value: abc\u200bdef",
            "Unexpected char 0x200b at 6 in xi-api-key value: ***"));
  }

  @ParameterizedTest
  @MethodSource("credentialShaped")
  void credentialShapedValuesAreMaskedWithoutRegistration(String in, String expected) {
    assertThat(Secrets.redact(in)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "token verification failed",
        "server closed the connection: NET-0001 (no audio received)",
        "keyterm=hello&max_tokens=5",
        "Invalid API key",
        "voice 21m00Tcm4TlvDq8ikWAM not found",
        "ws://127.0.0.1:8080/v1/listen"
      })
  void ordinaryProseSurvives(String text) {
    assertThat(Secrets.redact(text)).isEqualTo(text);
  }

  @Test
  void serverTextIsRedactedFlattenedAndBounded() {
    String body = "line1\nline2\r\u0000 " + KEY + " " + "x".repeat(1000);
    String t = Secrets.serverText(body);
    assertThat(t).startsWith("line1 line2   *** x").doesNotContain(KEY).doesNotContain("\n");
    assertThat(t).hasSize(Secrets.MAX_SERVER_TEXT + 1).endsWith("…");
    assertThat(Secrets.serverText(null)).isEmpty();
  }

  @Test
  void redactionHappensBeforeTruncationSoNoPartialSecretSurvives() {
    String body = "x".repeat(Secrets.MAX_SERVER_TEXT - 5) + KEY;
    assertThat(Secrets.serverText(body)).doesNotContain(KEY.substring(0, 5));
  }

  @Test
  void safeUrlShowsSchemeHostPortPathOnly() {
    assertThat(Secrets.safeUrl("wss://u:p@host.example:7880/rtc?access_token=abc#frag"))
        .isEqualTo("wss://host.example:7880/rtc");
    assertThat(Secrets.safeUrl("host.example/rtc?access_token=abc"))
        .isEqualTo("host.example/rtc?***");
    assertThat(Secrets.safeUrl("wss://bad host/?token=abc")).isEqualTo("wss://bad host/?***");
    assertThat(Secrets.safeUrl(null)).isEqualTo("null");
  }

  @Test
  void credentialWithZeroWidthSpaceIsRefusedNamingCharacterAndPositionNotValue() {
    String pasted = "sk_test_SEC\u200bRET_4242_zw";
    assertThatThrownBy(() -> Secrets.checkCredential("DEEPGRAM_API_KEY", pasted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "your DEEPGRAM_API_KEY contains an invisible character (U+200B at position 12"
                + " of 23); paste it again: keys and tokens are printable ASCII only")
        .hasMessageNotContaining("sk_test")
        .hasMessageNotContaining("RET_4242");
  }

  @Test
  void credentialChecksTrimAndRefuseInnerSpacesAndTypographicCharacters() {
    assertThat(Secrets.checkCredential("apiKey", "  abcdef123456\n")).isEqualTo("abcdef123456");
    assertThatThrownBy(() -> Secrets.checkCredential("apiKey", "abc def123456"))
        .hasMessageContaining("a space or line break (U+0020 at position 4 of 13)");
    assertThatThrownBy(() -> Secrets.checkCredential("apiKey", "\u201cabcdef123456\u201d"))
        .hasMessageContaining("not printable ASCII (U+201C at position 1 of 14)");
    assertThatThrownBy(() -> Secrets.checkCredential("apiKey", "\ufeffabcdef123456"))
        .hasMessageContaining("invisible character (U+FEFF at position 1");
    assertThatThrownBy(() -> Secrets.checkCredential("apiKey", "   "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("apiKey is empty: give the key or token itself");
    assertThatThrownBy(() -> Secrets.checkCredential("apiKey", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("apiKey == null");
  }

  @Test
  void refusedCredentialIsStillRegisteredSoItCannotLeakElsewhere() {
    String pasted = "zw_key_\u200b_unique_777";
    assertThatThrownBy(() -> Secrets.checkCredential("apiKey", pasted));
    assertThat(Secrets.redact("value: [" + pasted + "]")).doesNotContain(pasted);
  }

  @Test
  void sanitizeKeepsCleanThrowablesAsTheyAre() {
    IOException clean = new IOException("connection reset");
    assertThat(Secrets.sanitize(clean)).isSameAs(clean);
    assertThat(Secrets.sanitize((Throwable) null)).isNull();
  }

  @Test
  void sanitizeReplacesTheChainKeepingKindClassNameAndStackTrace() {
    IllegalArgumentException okhttp =
        new IllegalArgumentException("Unexpected char 0x200b in xi-api-key value: " + KEY);
    IOException io = new IOException("cannot open: " + KEY, okhttp);
    io.addSuppressed(new IllegalStateException("also " + KEY));
    IOException s = Secrets.sanitize(io);
    assertThat(s).isNotSameAs(io).isInstanceOf(IOException.class);
    assertThat(s.getStackTrace()).isEqualTo(io.getStackTrace());
    assertThat(s.toString()).startsWith("java.io.IOException (message redacted): cannot open: ***");
    assertThat(s.getCause()).isInstanceOf(RuntimeException.class);
    assertThat(s.getCause().toString())
        .startsWith("java.lang.IllegalArgumentException (message redacted): ");
    assertThat(s.getSuppressed()).hasSize(1);
    assertNoSecret(s);
  }

  @Test
  void sanitizeSurvivesCausalCycles() {
    RuntimeException a = new RuntimeException("a " + KEY);
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);
    Throwable s = Secrets.sanitize(b);
    assertThat(s.getCause().getCause()).isSameAs(s);
    assertThat(s.getCause().getMessage()).isEqualTo("a ***");
  }

  @Test
  void everyExceptionTypeRedactsMessageTypeAndCauseChain() {
    IllegalArgumentException okhttp =
        new IllegalArgumentException("Unexpected char 0x200b at 6 in xi-api-key value: " + KEY);
    List<AudioPipelineException> all = new ArrayList<>();
    all.add(new AudioPipelineException("failed: " + KEY, okhttp));
    all.add(new ConnectionException("cannot open: " + KEY, new IOException(KEY, okhttp)));
    all.add(new ProtocolException("bad json near '" + KEY + "'", okhttp));
    all.add(
        new ProviderException(
            "deepgram",
            "page: Authorization: Token " + KEY,
            401,
            ProviderException.NONE,
            "type " + KEY,
            false,
            okhttp));
    all.add(
        new AuthenticationException(
            "elevenlabs",
            "<pre>xi-api-key: " + KEY + "</pre>",
            401,
            ProviderException.NONE,
            KEY,
            null));
    all.add(
        new dev.audiopipeline.QuotaExceededException(
            "elevenlabs", "quota for " + KEY, ProviderException.NONE, 1008, null, okhttp));
    AudioPipelineException late = new AudioPipelineException("late cause");
    late.initCause(okhttp);
    all.add(late);
    for (AudioPipelineException e : all) {
      assertNoSecret(e);
      if (e instanceof ProviderException p) {
        assertThat(String.valueOf(p.errorType())).doesNotContain(KEY);
      }
    }
    ConnectionException ce = (ConnectionException) all.get(1);
    assertThat(ce.getCause()).isInstanceOf(IOException.class);
  }

  @Test
  void refusedUpgradeShowsNeitherEchoedKeyNorHeaderValues() {
    WebSocketHandler.HttpFailure f =
        new WebSocketHandler.HttpFailure(
            401,
            "<pre>authorization: Token " + KEY + "</pre>",
            java.util.Map.of("x-echo-key", KEY));
    assertThat(f.toString()).doesNotContain(KEY).contains("status=401").contains("x-echo-key");
    assertThat(f.body()).contains(KEY); // the codec still gets what the server said
  }

  @Test
  void exceptionMessagesAreBounded() {
    AudioPipelineException e = new AudioPipelineException("x".repeat(10_000));
    assertThat(e.getMessage().length()).isLessThanOrEqualTo(2001);
  }

  /** No message, toString() or printed stack trace anywhere in the chain holds the key. */
  static void assertNoSecret(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    assertThat(w.toString()).doesNotContain(KEY);
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain(KEY);
      assertThat(c.toString()).doesNotContain(KEY);
      if (c.getCause() == c) {
        break;
      }
    }
  }
}
