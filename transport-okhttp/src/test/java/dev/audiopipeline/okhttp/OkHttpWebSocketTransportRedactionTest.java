package dev.audiopipeline.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A token in the request URL's query (LiveKit's browser SDKs send {@code access_token} there) or in
 * the {@code Authorization} header never shows in the connection's {@code toString()}, in the error
 * a failed open reports, nor in a refused upgrade's {@code HttpFailure.toString()}, even when the
 * server's refusal page echoes the whole request. Servers are raw sockets on 127.0.0.1.
 */
class OkHttpWebSocketTransportRedactionTest {
  /** Made up. */
  private static final String TOKEN = "made-up-join-token-0123456789abcdef";

  private final OkHttpClient client =
      new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(5))
          .readTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stopClient() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static WebSocketRequest request(int port) {
    return WebSocketRequest.of(
        URI.create("ws://127.0.0.1:" + port + "/rtc?protocol=17&access_token=" + TOKEN),
        Map.of("Authorization", "Bearer " + TOKEN));
  }

  /** Records the outcome of one open. */
  private static final class Outcome implements WebSocketHandler {
    final CompletableFuture<Throwable> error = new CompletableFuture<>();
    volatile @Nullable HttpFailure failure;

    @Override
    public void onOpen(WebSocketConnection connection, Map<String, String> responseHeaders) {
      error.completeExceptionally(new AssertionError("opened"));
    }

    @Override
    public void onText(String text) {}

    @Override
    public void onBinary(byte[] data) {}

    @Override
    public void onClosing(int code, String reason) {}

    @Override
    public void onClosed(int code, String reason) {}

    @Override
    public void onFailure(Throwable e, @Nullable HttpFailure response) {
      failure = response;
      error.complete(e);
    }
  }

  @Test
  void aRefusedUpgradeEchoingTheRequestShowsNoToken() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> refuseEchoing(server));
      Outcome outcome = new Outcome();
      WebSocketConnection c =
          new OkHttpWebSocketTransport(client).open(request(server.getLocalPort()), outcome);
      assertThat(c.toString())
          .contains("127.0.0.1")
          .contains("/rtc")
          .doesNotContain(TOKEN)
          .doesNotContain("access_token");
      Throwable error = outcome.error.get(10, TimeUnit.SECONDS);
      assertThat(seen.get(10, TimeUnit.SECONDS)).as("the server got the token").contains(TOKEN);
      assertNoToken(error);
      assertThat(outcome.failure).isNotNull();
      assertThat(outcome.failure.status()).isEqualTo(401);
      assertThat(outcome.failure.body()).as("the raw body is the server's echo").contains(TOKEN);
      assertThat(outcome.failure.toString()).contains("401").doesNotContain(TOKEN);
      assertThat(c.toString()).doesNotContain(TOKEN);
    }
  }

  @Test
  void aFailedConnectShowsNoToken() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there now
    }
    Outcome outcome = new Outcome();
    WebSocketConnection c = new OkHttpWebSocketTransport(client).open(request(port), outcome);
    Throwable error = outcome.error.get(10, TimeUnit.SECONDS);
    assertThat(outcome.failure).isNull();
    assertNoToken(error);
    assertThat(c.toString())
        .isEqualTo("OkHttpWebSocketConnection{ws://127.0.0.1:" + port + "/rtc}");
  }

  private static void assertNoToken(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    assertThat(w.toString()).doesNotContain(TOKEN);
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(c.toString()).doesNotContain(TOKEN);
    }
  }

  /** Reads one request head and answers 401 with a page that echoes it; returns the head. */
  private static String refuseEchoing(ServerSocket server) {
    try (Socket s = server.accept()) {
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        head.write(b);
        String h = head.toString(StandardCharsets.ISO_8859_1);
        if (h.endsWith("\r\n\r\n")) {
          break;
        }
      }
      String request = head.toString(StandardCharsets.ISO_8859_1);
      byte[] body = ("denied:\n" + request).getBytes(StandardCharsets.ISO_8859_1);
      OutputStream out = s.getOutputStream();
      out.write(
          ("HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return request;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
