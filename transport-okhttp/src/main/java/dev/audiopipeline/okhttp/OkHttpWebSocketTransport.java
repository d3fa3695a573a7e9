package dev.audiopipeline.okhttp;

import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import dev.audiopipeline.spi.WebSocketTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Dispatcher;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * Core's {@link WebSocketTransport} on OkHttp: the thin glue every WebSocket provider module
 * shares. Callbacks only forward to the {@link WebSocketHandler}; they never block.
 *
 * <p>A streaming provider builds its transport with {@link #forStreaming}, which owns a dispatcher
 * sized for long-lived sockets, and {@link #close() closes} it with the provider.
 */
public final class OkHttpWebSocketTransport implements WebSocketTransport, AutoCloseable {
  /** Default WebSocket ping interval of {@link #streamingClient}: 15 s. */
  public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(15);

  /** Connect and upgrade-response timeouts of a client {@link #streamingClient} makes: 10 s. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** Concurrent WebSockets a {@link #forStreaming} transport supports: 4096. */
  public static final int MAX_SOCKETS = 4096;

  private final OkHttpClient client;
  private final @Nullable Dispatcher ownDispatcher;
  private final boolean ownsPool;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * The client a streaming provider opens its sockets with.
   *
   * <ul>
   *   <li>{@code base} (the caller's client, never modified nor shut down) or, when {@code null}, a
   *       new one with 10 s connect and read timeouts. The read timeout bounds the wait for the
   *       upgrade response; OkHttp does not apply it to an upgraded WebSocket, which may be idle.
   *   <li>WebSocket pings every {@code pingInterval} ({@link Duration#ZERO} disables them) unless
   *       {@code base} sets an interval of its own: a peer that does not answer a ping before the
   *       next one is due fails the socket (a dead TCP connection is noticed within two intervals
   *       instead of never).
   *   <li>The given {@code dispatcher} (a provider's own: one slot per open WebSocket).
   * </ul>
   */
  public static OkHttpClient streamingClient(
      @Nullable OkHttpClient base, Dispatcher dispatcher, Duration pingInterval) {
    if (pingInterval.isNegative()) {
      throw new IllegalArgumentException("pingInterval " + pingInterval + " is negative");
    }
    OkHttpClient.Builder b =
        base != null
            ? base.newBuilder()
            : new OkHttpClient.Builder()
                .connectTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (base == null || base.pingIntervalMillis() == 0) {
      b.pingInterval(pingInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return b.dispatcher(dispatcher).build();
  }

  /**
   * @param client the client to open sockets with; not closed by this transport
   */
  public OkHttpWebSocketTransport(OkHttpClient client) {
    this(client, null, false);
  }

  private OkHttpWebSocketTransport(
      OkHttpClient client, @Nullable Dispatcher ownDispatcher, boolean ownsPool) {
    this.client = client;
    this.ownDispatcher = ownDispatcher;
    this.ownsPool = ownsPool;
  }

  /**
   * The transport of a streaming provider, which owns what it creates here; {@link #close()} it
   * with the provider (after its sessions).
   *
   * <p>OkHttp runs each WebSocket's reader loop inside its call, so an open socket holds one
   * dispatcher slot for its whole life: the default limits (64 calls, 5 per host) would cap a
   * provider at 64 concurrent sessions. This transport's own dispatcher allows {@value
   * #MAX_SOCKETS}, on named daemon threads {@code audio-pipeline-<name>-ws-<n>} that end when idle
   * for 60 s. The client is {@link #streamingClient streamingClient(base, dispatcher,
   * pingInterval)}: a caller's {@code base} is used through {@code newBuilder()} (sharing its
   * connection pool and settings) and never shut down.
   *
   * @param name the provider's name, e.g. {@code "deepgram"}, for the thread names
   * @throws IllegalArgumentException if {@code pingInterval} is negative
   */
  public static OkHttpWebSocketTransport forStreaming(
      String name, @Nullable OkHttpClient base, Duration pingInterval) {
    Objects.requireNonNull(name, "name == null");
    Objects.requireNonNull(pingInterval, "pingInterval == null");
    Dispatcher dispatcher =
        new Dispatcher(
            new ThreadPoolExecutor(
                0,
                Integer.MAX_VALUE,
                60,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                new NamedThreadFactory(name + "-ws")));
    dispatcher.setMaxRequests(MAX_SOCKETS);
    dispatcher.setMaxRequestsPerHost(MAX_SOCKETS);
    try {
      return new OkHttpWebSocketTransport(
          streamingClient(base, dispatcher, pingInterval), dispatcher, base == null);
    } catch (RuntimeException e) {
      dispatcher.executorService().shutdown();
      throw e;
    }
  }

  /**
   * Releases what {@link #forStreaming} created: its dispatcher takes no new calls and its idle
   * threads end (sockets still open finish their close handshake), and the connection pool of a
   * client it made itself is evicted. A caller's client is never shut down. Nothing to do for a
   * transport made with the constructor. Idempotent.
   */
  @Override
  public void close() {
    if (ownDispatcher == null || !closed.compareAndSet(false, true)) {
      return;
    }
    ownDispatcher.executorService().shutdown();
    if (ownsPool) {
      client.connectionPool().evictAll();
    }
  }

  @Override
  public WebSocketConnection open(WebSocketRequest request, WebSocketHandler handler) {
    Request.Builder rb = new Request.Builder().url(request.uri().toString());
    request.headers().forEach(rb::header);
    if (!request.subprotocols().isEmpty()) {
      rb.header("Sec-WebSocket-Protocol", String.join(", ", request.subprotocols()));
    }
    Connection c = new Connection(handler);
    c.shown = request.redactedUri(); // toString(): no query, no header values (tokens)
    c.ws = client.newWebSocket(rb.build(), c);
    return c;
  }

  private static Map<String, String> lower(Headers h) {
    Map<String, String> m = new HashMap<>();
    for (String name : h.names()) {
      m.put(name.toLowerCase(Locale.ROOT), h.get(name));
    }
    return m;
  }

  private static final class Connection extends WebSocketListener implements WebSocketConnection {
    private final WebSocketHandler handler;
    volatile @Nullable WebSocket ws;

    /** The request as {@link WebSocketRequest#redactedUri()} shows it. */
    volatile String shown = "";

    Connection(WebSocketHandler handler) {
      this.handler = handler;
    }

    private WebSocket ws() {
      WebSocket w = ws;
      if (w == null) {
        throw new IllegalStateException("not started");
      }
      return w;
    }

    @Override
    public boolean sendText(String text) {
      return ws().send(text);
    }

    @Override
    public boolean sendBinary(byte[] data, int offset, int length) {
      return ws().send(ByteString.of(data, offset, length));
    }

    @Override
    public long queueSize() {
      return ws().queueSize();
    }

    @Override
    public boolean close(int code, String reason) {
      return ws().close(code, reason);
    }

    @Override
    public void cancel() {
      ws().cancel();
    }

    /** Scheme, host, port and path of the request: never its query or headers (tokens). */
    @Override
    public String toString() {
      return "OkHttpWebSocketConnection{" + shown + "}";
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      handler.onOpen(this, lower(response.headers()));
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      handler.onText(text);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      handler.onBinary(bytes.toByteArray());
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      webSocket.close(1000, null); // answer the peer's close frame
      handler.onClosing(code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      handler.onClosed(code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, @Nullable Response response) {
      WebSocketHandler.HttpFailure failure = null;
      if (response != null && response.code() != 101) {
        String body = "";
        try {
          body = response.peekBody(4096).string();
        } catch (IOException | RuntimeException e) {
          body = "";
        }
        failure =
            new WebSocketHandler.HttpFailure(response.code(), body, lower(response.headers()));
      }
      if (response != null) {
        response.close();
      }
      handler.onFailure(t, failure);
    }
  }
}
