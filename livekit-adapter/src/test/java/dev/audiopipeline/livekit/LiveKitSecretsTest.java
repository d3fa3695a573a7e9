package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.testing.StderrCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LiveKit token and API secret reach no exception, cause, {@code toString()} or log line:
 * malformed {@code LIVEKIT_URL}s carrying {@code access_token}, a token with a zero-width space,
 * and a signal endpoint on 127.0.0.1 (a MockWebServer, not a LiveKit server: these paths end before
 * any WebRTC) that refuses the upgrade with a page echoing the request headers, or closes with the
 * token in the reason.
 */
class LiveKitSecretsTest {
  /** Made up, three dot-separated parts as the builder requires; not JWT-shaped on purpose. */
  static final String TOKEN = "lk_test_SECRET_4242.cGF5bG9hZF9TRUNSRVQ.c2lnX1NFQ1JFVF80MjQy";

  static final String API_SECRET = "lk_api_SECRET_4242_0123456789abcdef";
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

  @ParameterizedTest
  @ValueSource(
      strings = {
        "wss://my.livekit.example?access_token=" + TOKEN,
        "wss://my.livekit.example/?token=" + TOKEN + "&room=r",
        "my.livekit.example/rtc?access_token=" + TOKEN,
        "wss://user:" + TOKEN + "@my.livekit.example",
        "wss://my livekit example/?access_token=" + TOKEN,
        "wss://my.livekit.example/#" + TOKEN
      })
  void malformedUrlIsRefusedWithoutEchoingTheToken(String url) {
    assertThatThrownBy(() -> LiveKitRoomSource.builder().url(url).token(TOKEN).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("url")
        .satisfies(LiveKitSecretsTest::assertNoSecret);
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.fromEnv(
                        Map.of(
                            "LIVEKIT_URL",
                            url,
                            "LIVEKIT_API_KEY",
                            "APIdevkey",
                            "LIVEKIT_API_SECRET",
                            API_SECRET,
                            "LIVEKIT_ROOM",
                            "r"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(LiveKitSecretsTest::assertNoSecret);
  }

  @Test
  void tokenOrSecretWithZeroWidthSpaceIsRefusedNamingTheVariableNotTheValue() {
    String pasted = TOKEN.substring(0, 7) + "\u200b" + TOKEN.substring(7);
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.fromEnv(
                    Map.of("LIVEKIT_URL", "ws://127.0.0.1:7880", "LIVEKIT_TOKEN", pasted)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "your LIVEKIT_TOKEN contains an invisible character (U+200B at" + " position 8 of")
        .satisfies(LiveKitSecretsTest::assertNoSecret);
    assertThatThrownBy(() -> LiveKitRoomSource.builder().token(pasted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("U+200B")
        .satisfies(LiveKitSecretsTest::assertNoSecret);
    String secret = API_SECRET.replace("_0123", "\u200b_0123");
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.fromEnv(
                    Map.of(
                        "LIVEKIT_URL",
                        "ws://127.0.0.1:7880",
                        "LIVEKIT_API_KEY",
                        "APIdevkey",
                        "LIVEKIT_API_SECRET",
                        secret)))
        .hasMessageStartingWith("your LIVEKIT_API_SECRET contains an invisible character")
        .satisfies(LiveKitSecretsTest::assertNoSecret);
    assertThat(
            LiveKitRoomSource.builder()
                .url("ws://127.0.0.1:7880")
                .token(" " + TOKEN + "\n")
                .build()
                .toString())
        .doesNotContain(TOKEN)
        .contains("127.0.0.1");
  }

  /** What the fake signal endpoint does with the upgrade. */
  enum Answer {
    PAGE_401,
    PAGE_500,
    CLOSE_WITH_TOKEN
  }

  @ParameterizedTest
  @EnumSource(Answer.class)
  void signalFailuresCarryNoToken(Answer answer) throws Exception {
    AtomicReference<String> seenAuthorization = new AtomicReference<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              seenAuthorization.set(request.getHeaders().get("Authorization"));
              if (answer == Answer.CLOSE_WITH_TOKEN) {
                return new MockResponse.Builder()
                    .webSocketUpgrade(
                        new WebSocketListener() {
                          @Override
                          public void onOpen(WebSocket ws, Response response) {
                            ws.close(1008, "bad token " + TOKEN);
                          }
                        })
                    .build();
              }
              StringBuilder page = new StringBuilder("<html><body><h1>denied</h1><pre>\n");
              for (String n : request.getHeaders().names()) {
                page.append(n).append(": ").append(request.getHeaders().get(n)).append('\n');
              }
              return new MockResponse.Builder()
                  .code(answer == Answer.PAGE_401 ? 401 : 500)
                  .addHeader("Content-Type", "text/html")
                  .body(page + "</pre></body></html>")
                  .build();
            }
          });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      for (boolean minted : List.of(false, true)) {
        LiveKitRoomSource.Builder b =
            LiveKitRoomSource.builder()
                .url("ws://127.0.0.1:" + server.getPort())
                .room("secrets-room")
                .joinTimeout(Duration.ofSeconds(5))
                .closeTimeout(Duration.ofSeconds(1));
        if (minted) {
          b.apiKey("APIdevkey").apiSecret(API_SECRET);
        } else {
          b.token(TOKEN);
        }
        LiveKitRoomSource source = b.build();
        RecordingListener listener = new RecordingListener();
        try {
          source.start(listener);
          Throwable error = failure(source.joined().toCompletableFuture());
          assertThat(error).isInstanceOf(AudioPipelineException.class);
          if (answer == Answer.PAGE_401) {
            assertThat(error)
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("HTTP 401");
          }
          String sent = seenAuthorization.get();
          assertThat(sent).as("the endpoint saw the token").startsWith("Bearer ");
          String jwt = sent.substring("Bearer ".length());
          assertNoSecret(error, jwt);
          RecordingListener.Signal failed = listener.await("failed", WAIT);
          assertThat(failed).isNotNull();
          assertNoSecret(failed.error(), jwt);
          assertThat(source.toString()).doesNotContain(jwt).doesNotContain(API_SECRET);
        } finally {
          source.close();
        }
        String logs = logs();
        assertThat(logs)
            .doesNotContain(TOKEN)
            .doesNotContain(API_SECRET)
            .doesNotContain(seenAuthorization.get().substring("Bearer ".length()));
      }
    }
  }

  private static Throwable failure(CompletableFuture<Void> f) throws Exception {
    try {
      f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("joined without a LiveKit server");
  }

  static void assertNoSecret(Throwable t) {
    assertNoSecret(t, TOKEN);
  }

  /** No message, toString() or printed stack trace anywhere in the chain holds a secret. */
  static void assertNoSecret(Throwable t, String token) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    String printed = w.toString();
    for (String s : List.of(token, TOKEN, API_SECRET)) {
      assertThat(printed).doesNotContain(s);
      int depth = 0;
      for (Throwable c = t; c != null && depth < 20; c = c.getCause(), depth++) {
        assertThat(String.valueOf(c.getMessage())).doesNotContain(s);
        assertThat(c.toString()).doesNotContain(s);
      }
    }
  }
}
