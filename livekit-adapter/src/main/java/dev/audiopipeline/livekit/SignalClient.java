package dev.audiopipeline.livekit;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import dev.audiopipeline.spi.WebSocketTransport;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiveKit's signal connection: one binary WebSocket frame per protobuf ({@code SignalRequest} out,
 * {@code SignalResponse} in), opened through the project's {@link WebSocketTransport} (OkHttp). The
 * transport's reader thread only parses and hands each message to the room's event executor; it
 * never runs room logic. OkHttp answers the server's ping control frames itself. The token travels
 * in the {@code Authorization} header, never in the URL or a log line.
 */
final class SignalClient implements WebSocketHandler {
  private static final Logger log = LoggerFactory.getLogger(SignalClient.class);

  /** Receives signal events on the room's event executor. */
  interface Handler {
    void onSignal(SignalResponse response);

    /** The connection ended: closed by the server, or failed. Called at most once. */
    void onSignalLost(String why, @Nullable Throwable cause, @Nullable Integer httpStatus);

    /**
     * The socket is gone (closed or failed), whoever ended it. Called on OkHttp's thread: must not
     * block.
     */
    void signalTerminated();
  }

  private final String logPrefix;
  private final Executor events;
  private final Handler handler;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile @Nullable WebSocketConnection connection;
  private volatile long lastReceivedNanos = System.nanoTime();

  SignalClient(String logPrefix, Executor events, Handler handler) {
    this.logPrefix = logPrefix;
    this.events = events;
    this.handler = handler;
  }

  void connect(WebSocketTransport transport, HttpUrl url, String token) {
    // the SPI speaks ws:// and wss://; HttpUrl's text is already encoded
    URI uri =
        URI.create(
            (url.isHttps() ? "wss" : "ws") + url.toString().substring(url.scheme().length()));
    WebSocketRequest request = WebSocketRequest.of(uri, Map.of("Authorization", "Bearer " + token));
    connection = transport.open(request, this);
  }

  /** Queues a request; false if the socket is gone or its send buffer is full. */
  boolean send(SignalRequest request) {
    WebSocketConnection c = connection;
    if (c == null || ended.get()) {
      return false;
    }
    byte[] bytes = request.toByteArray();
    return c.sendBinary(bytes, 0, bytes.length);
  }

  long lastReceivedNanos() {
    return lastReceivedNanos;
  }

  /** Starts a normal close; queued requests (a leave) are sent first. */
  void close(String reason) {
    ended.set(true);
    WebSocketConnection c = connection;
    if (c != null) {
      c.close(1000, reason);
    }
  }

  /** Drops the connection at once. */
  void cancel() {
    ended.set(true);
    WebSocketConnection c = connection;
    if (c != null) {
      c.cancel();
    }
  }

  @Override
  public void onOpen(WebSocketConnection c, Map<String, String> responseHeaders) {
    lastReceivedNanos = System.nanoTime();
    log.debug("{} - signal connection open", logPrefix);
  }

  @Override
  public void onBinary(byte[] bytes) {
    lastReceivedNanos = System.nanoTime();
    SignalResponse msg;
    try {
      msg = SignalResponse.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      log.debug(
          "{} - skipping malformed signal message ({} bytes): {}",
          logPrefix,
          bytes.length,
          Secrets.serverText(e.getMessage()));
      return;
    }
    dispatch(() -> handler.onSignal(msg));
  }

  @Override
  public void onText(String text) {
    lastReceivedNanos = System.nanoTime();
    log.debug("{} - skipping unexpected text signal frame ({} chars)", logPrefix, text.length());
  }

  /** How a normal close by the server (no LeaveRequest before it) starts its "why". */
  static final String SERVER_CLOSED_NORMALLY = "server closed the signal connection (1000";

  /** The server's close frame; the transport has already answered it. */
  @Override
  public void onClosing(int code, String reason) {
    lost(
        "server closed the signal connection ("
            + code
            + (reason.isEmpty() ? "" : " " + Secrets.serverText(reason))
            + ")",
        null,
        null);
  }

  @Override
  public void onClosed(int code, String reason) {
    handler.signalTerminated();
    lost("signal connection closed (" + code + ")", null, null);
  }

  @Override
  public void onFailure(Throwable t, @Nullable HttpFailure response) {
    handler.signalTerminated();
    Integer status = response == null ? null : response.status();
    String body = response == null ? "" : Secrets.serverText(response.body());
    String why =
        status == null
            ? "signal connection failed: " + Secrets.serverText(t.toString())
            : "signal handshake refused: HTTP "
                + status
                + (body.isBlank() ? "" : " " + body.strip());
    lost(why, t, status);
  }

  private void lost(String why, @Nullable Throwable cause, @Nullable Integer status) {
    if (ended.getAndSet(true)) {
      return; // we closed it ourselves, or already reported
    }
    dispatch(() -> handler.onSignalLost(why, cause, status));
  }

  private void dispatch(Runnable r) {
    try {
      events.execute(r);
    } catch (RejectedExecutionException e) {
      log.debug("{} - room closed, dropping signal event", logPrefix);
    }
  }
}
