package dev.audiopipeline.livekit;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.audiopipeline.spi.Secrets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiveKit's signal connection: one binary WebSocket frame per protobuf ({@code SignalRequest} out,
 * {@code SignalResponse} in). OkHttp's reader thread only parses and hands each message to the
 * room's event executor; it never runs room logic. OkHttp answers the server's ping control frames
 * itself. The token travels in the {@code Authorization} header, never in the URL or a log line.
 */
final class SignalClient extends WebSocketListener {
  private static final Logger log = LoggerFactory.getLogger(SignalClient.class);

  /** Receives signal events on the room's event executor. */
  interface Handler {
    void onSignal(SignalResponse response);

    /** The connection ended: closed by the server, or failed. Called at most once. */
    void onSignalLost(String why, @Nullable Throwable cause, @Nullable Integer httpStatus);

    /** The socket is gone (closed or failed), whoever ended it. Called on OkHttp's thread: must not block. */
    void signalTerminated();
  }

  private final String logPrefix;
  private final Executor events;
  private final Handler handler;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile @Nullable WebSocket webSocket;
  private volatile long lastReceivedNanos = System.nanoTime();

  SignalClient(String logPrefix, Executor events, Handler handler) {
    this.logPrefix = logPrefix;
    this.events = events;
    this.handler = handler;
  }

  void connect(OkHttpClient client, HttpUrl url, String token) {
    Request request =
        new Request.Builder().url(url).header("Authorization", "Bearer " + token).build();
    webSocket = client.newWebSocket(request, this);
  }

  /** Queues a request; false if the socket is gone or its send buffer is full. */
  boolean send(SignalRequest request) {
    WebSocket ws = webSocket;
    if (ws == null || ended.get()) {
      return false;
    }
    return ws.send(ByteString.of(request.toByteArray()));
  }

  long lastReceivedNanos() {
    return lastReceivedNanos;
  }

  /** Starts a normal close; queued requests (a leave) are sent first. */
  void close(String reason) {
    ended.set(true);
    WebSocket ws = webSocket;
    if (ws != null) {
      ws.close(1000, reason);
    }
  }

  /** Test hook: drops the socket without marking it ended, so it reads as a network failure. */
  void dropForTest() {
    WebSocket ws = webSocket;
    if (ws != null) {
      ws.cancel();
    }
  }

  /** Drops the connection at once. */
  void cancel() {
    ended.set(true);
    WebSocket ws = webSocket;
    if (ws != null) {
      ws.cancel();
    }
  }

  @Override
  public void onOpen(WebSocket ws, Response response) {
    lastReceivedNanos = System.nanoTime();
    log.debug("{} - signal connection open ({})", logPrefix, response.protocol());
  }

  @Override
  public void onMessage(WebSocket ws, ByteString bytes) {
    lastReceivedNanos = System.nanoTime();
    SignalResponse msg;
    try {
      msg = SignalResponse.parseFrom(bytes.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      log.debug("{} - skipping malformed signal message ({} bytes): {}", logPrefix, bytes.size(),
          Secrets.serverText(e.getMessage()));
      return;
    }
    dispatch(() -> handler.onSignal(msg));
  }

  @Override
  public void onMessage(WebSocket ws, String text) {
    lastReceivedNanos = System.nanoTime();
    log.debug("{} - skipping unexpected text signal frame ({} chars)", logPrefix, text.length());
  }

  /** How a normal close by the server (no LeaveRequest before it) starts its "why". */
  static final String SERVER_CLOSED_NORMALLY = "server closed the signal connection (1000";

  @Override
  public void onClosing(WebSocket ws, int code, String reason) {
    ws.close(1000, null);
    lost("server closed the signal connection (" + code
        + (reason.isEmpty() ? "" : " " + Secrets.serverText(reason)) + ")", null, null);
  }

  @Override
  public void onClosed(WebSocket ws, int code, String reason) {
    handler.signalTerminated();
    lost("signal connection closed (" + code + ")", null, null);
  }

  @Override
  public void onFailure(WebSocket ws, Throwable t, @Nullable Response response) {
    handler.signalTerminated();
    Integer status = response == null ? null : response.code();
    String body = "";
    if (response != null && response.body() != null) {
      try {
        body = response.body().string();
        body = Secrets.serverText(body);
      } catch (java.io.IOException | RuntimeException ignored) {
        body = "";
      }
    }
    String why =
        status == null
            ? "signal connection failed: " + Secrets.serverText(t.toString())
            : "signal handshake refused: HTTP " + status + (body.isBlank() ? "" : " " + body.strip());
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
