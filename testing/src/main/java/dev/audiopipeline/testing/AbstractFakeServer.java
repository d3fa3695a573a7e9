package dev.audiopipeline.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * The part both fake STT servers share: a MockWebServer on 127.0.0.1 whose dispatcher upgrades
 * WebSockets, per-connection fault scripts, recording, delayed sends, and a named timer thread.
 */
abstract class AbstractFakeServer implements AutoCloseable {
  private static final AtomicInteger SERVERS = new AtomicInteger();

  final ObjectMapper mapper = new ObjectMapper();
  final ScheduledExecutorService timer;
  final int sampleRate;
  final long maxRecordedBytes;
  private final MockWebServer server = new MockWebServer();
  private final ArrayDeque<List<FakeFault>> scripts = new ArrayDeque<>();
  private final List<FakeConnection> connections = new ArrayList<>();
  private final List<FakeSession> sessions = new ArrayList<>();
  private volatile FakeAudioListener audioListener = (c, pcm, off, len, t) -> {};

  AbstractFakeServer(String name, int sampleRate, long maxRecordedBytes) {
    this.sampleRate = sampleRate;
    this.maxRecordedBytes = maxRecordedBytes;
    String threadName = "fake-" + name + "-" + SERVERS.incrementAndGet() + "-timer";
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread th = new Thread(r, threadName);
              th.setDaemon(true);
              return th;
            });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return handle(request);
          }
        });
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start fake " + name + " server", e);
    }
  }

  /** {@code ws://127.0.0.1:<port>}: give it to the provider's {@code baseUrl}. */
  public String baseUrl() {
    return "ws://127.0.0.1:" + server.getPort();
  }

  public int port() {
    return server.getPort();
  }

  /** Observes every audio payload received (load and latency harnesses). */
  public void audioListener(FakeAudioListener listener) {
    this.audioListener = java.util.Objects.requireNonNull(listener, "listener == null");
  }

  /** Scripts faults for the next connection not yet scripted (one call per connection). */
  public synchronized void enqueue(FakeFault... faults) {
    scripts.add(List.of(faults));
  }

  /** All connection attempts so far (refused upgrades included), in order. */
  public synchronized List<FakeConnection> connections() {
    return List.copyOf(connections);
  }

  /** PCM audio bytes received over all connections so far (replays count again). */
  public synchronized long totalAudioBytes() {
    long n = 0;
    for (FakeConnection c : connections) {
      n += c.audioBytes();
    }
    return n;
  }

  /** Waits for connection {@code index} (0-based) to be attempted. */
  public FakeConnection awaitConnection(int index, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (connections.size() <= index) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "connection "
                  + index
                  + " not made within "
                  + timeout
                  + " ("
                  + connections.size()
                  + " so far)");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return connections.get(index);
    }
  }

  /**
   * An absence check: waits out {@code window} for connection {@code index} (0-based) and says
   * whether it was <em>not</em> made, e.g. that a client did not retry. Returns false as soon as it
   * is made.
   */
  public boolean noConnectionWithin(int index, Duration window) throws InterruptedException {
    long deadline = System.nanoTime() + window.toNanos();
    synchronized (this) {
      while (connections.size() <= index) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return false;
    }
  }

  /** Stops the server, drops every connection and stops the timer thread. */
  @Override
  public void close() {
    List<FakeSession> open;
    synchronized (this) {
      open = new ArrayList<>(sessions);
    }
    for (FakeSession s : open) {
      s.drop();
    }
    timer.shutdownNow();
    server.close();
  }

  private MockResponse handle(RecordedRequest request) {
    HttpUrl url = request.getUrl();
    Map<String, List<String>> query = new LinkedHashMap<>();
    for (String n : url.queryParameterNames()) {
      List<String> vals = new ArrayList<>();
      for (String v : url.queryParameterValues(n)) {
        vals.add(v == null ? "" : v);
      }
      query.put(n, vals);
    }
    Map<String, String> headers = new HashMap<>();
    for (String n : request.getHeaders().names()) {
      headers.put(n.toLowerCase(Locale.ROOT), request.getHeaders().get(n));
    }
    List<FakeFault> faults;
    FakeConnection conn;
    synchronized (this) {
      List<FakeFault> f = scripts.poll();
      faults = f == null ? List.of() : f;
      conn =
          new FakeConnection(
              connections.size(),
              request.getTarget(),
              query,
              headers,
              sampleRate,
              maxRecordedBytes);
      connections.add(conn);
      notifyAll();
    }
    for (FakeFault f : faults) {
      if (f.kind == FakeFault.Kind.REJECT_UPGRADE) {
        conn.recordGone();
        return reject(f.status, conn);
      }
      if (f.kind == FakeFault.Kind.REJECT_ECHOING_HEADERS
          || f.kind == FakeFault.Kind.REJECT_WITH_BODY) {
        conn.recordGone();
        return HeaderEcho.response(
            f.status,
            f.kind == FakeFault.Kind.REJECT_WITH_BODY
                ? f.text
                : HeaderEcho.page(f.status, headers));
      }
    }
    MockResponse refused = authenticate(conn);
    if (refused != null) {
      conn.recordGone();
      return refused;
    }
    refused = validate(conn);
    if (refused != null) {
      conn.recordGone();
      return refused;
    }
    FakeSession s = newSession(conn, faults);
    synchronized (this) {
      sessions.add(s);
    }
    MockResponse.Builder b = new MockResponse.Builder();
    upgradeHeaders().forEach(b::addHeader);
    return b.webSocketUpgrade(s).build();
  }

  synchronized void forget(FakeSession s) {
    sessions.remove(s);
  }

  /** The provider's refusal for this status. */
  abstract MockResponse reject(int status, FakeConnection conn);

  /** {@code null} when the credentials are fine, else the refusal. */
  abstract @Nullable MockResponse authenticate(FakeConnection conn);

  /** {@code null} when the query is fine, else the refusal. */
  @Nullable MockResponse validate(FakeConnection conn) {
    return null;
  }

  Map<String, String> upgradeHeaders() {
    return Map.of();
  }

  abstract FakeSession newSession(FakeConnection conn, List<FakeFault> faults);

  /** Thrown out of a listener callback to drop the socket abruptly. */
  static final class DroppedByScript extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DroppedByScript() {
      super("connection dropped by a scripted fault", null, false, false);
    }
  }

  /** One accepted WebSocket. Callbacks arrive on MockWebServer's reader thread for the socket. */
  abstract class FakeSession extends WebSocketListener {
    final FakeConnection conn;
    final List<FakeFault> faults;
    final long delayMs;

    /** Scripted {@link FakeFault#silent()}: takes audio, never answers. */
    final boolean silent;

    final long openedNanos = System.nanoTime();
    private final boolean[] fired;
    @Nullable WebSocket ws;
    volatile boolean done;
    long lastClientFrameNanos = System.nanoTime();
    long audioBytes;
    private @Nullable ScheduledFuture<?> tick;

    FakeSession(FakeConnection conn, List<FakeFault> faults) {
      this.conn = conn;
      this.faults = faults;
      this.fired = new boolean[faults.size()];
      long d = 0;
      for (FakeFault f : faults) {
        if (f.kind == FakeFault.Kind.SLOW_RESPONSES) {
          d = f.delayMs;
        }
      }
      this.delayMs = d;
      this.silent = faults.stream().anyMatch(f -> f.kind == FakeFault.Kind.SILENT);
    }

    @Override
    public final void onOpen(WebSocket webSocket, Response response) {
      synchronized (this) {
        ws = webSocket;
        tick = timer.scheduleAtFixedRate(this::safeTick, 100, 100, TimeUnit.MILLISECONDS);
        for (FakeFault f : faults) {
          if (f.kind == FakeFault.Kind.ERROR_ON_OPEN) {
            errorOnOpen(f);
            return;
          }
        }
        opened();
      }
    }

    private void safeTick() {
      synchronized (this) {
        if (!done && !silent) {
          tick(System.nanoTime());
        }
      }
    }

    @Override
    public final void onMessage(WebSocket webSocket, String text) {
      synchronized (this) {
        lastClientFrameNanos = System.nanoTime();
        conn.recordText(text);
        if (!done) {
          text(text);
        }
      }
    }

    @Override
    public final void onMessage(WebSocket webSocket, ByteString bytes) {
      synchronized (this) {
        lastClientFrameNanos = System.nanoTime();
        if (!done) {
          binary(bytes.toByteArray());
        }
      }
    }

    @Override
    public final void onClosing(WebSocket webSocket, int code, String reason) {
      conn.recordClose(code, reason);
      webSocket.close(1000, null);
      finished();
    }

    @Override
    public final void onClosed(WebSocket webSocket, int code, String reason) {
      conn.recordClose(code, reason);
      finished();
    }

    @Override
    public final void onFailure(WebSocket webSocket, Throwable t, @Nullable Response response) {
      conn.recordGone();
      finished();
    }

    private void finished() {
      synchronized (this) {
        done = true;
        if (tick != null) {
          tick.cancel(false);
        }
      }
      forget(this);
    }

    /**
     * Records received audio and fires audio-triggered faults. Returns false if the socket died.
     */
    boolean audio(byte[] pcm, int off, int len) {
      try {
        audioListener.onAudio(conn, pcm, off, len, System.nanoTime());
      } catch (RuntimeException e) {
        // an observer must not break the server
      }
      conn.recordAudio(pcm, off, len);
      audioBytes += len;
      long ms = audioBytes / 2 * 1000 / sampleRate;
      for (int i = 0; i < faults.size(); i++) {
        FakeFault f = faults.get(i);
        if (fired[i] || f.afterAudioMs <= 0 || ms < f.afterAudioMs) {
          continue;
        }
        switch (f.kind) {
          case DROP_AFTER_AUDIO -> {
            fired[i] = true;
            done = true;
            conn.recordGone();
            // an exception out of a listener callback makes OkHttp fail the socket: the TCP
            // connection closes without a close frame, as a real mid-stream drop does
            throw new DroppedByScript();
          }
          case CLOSE_AFTER_AUDIO -> {
            fired[i] = true;
            close(f.closeCode, f.text);
            return false;
          }
          case SEND_AFTER_AUDIO -> {
            fired[i] = true;
            send(f.text);
          }
          default -> {}
        }
      }
      return true;
    }

    long audioMs() {
      return audioBytes / 2 * 1000 / sampleRate;
    }

    /** Sends a text frame now, or after the scripted delay. */
    void send(String text) {
      WebSocket w = ws;
      if (w == null || done) {
        return;
      }
      conn.recordSent(text);
      if (delayMs > 0) {
        timer.schedule(() -> w.send(text), delayMs, TimeUnit.MILLISECONDS);
      } else {
        w.send(text);
      }
    }

    /** Sends after {@code ms} (plus the scripted delay). */
    void sendLater(String text, long ms) {
      WebSocket w = ws;
      if (w == null || done) {
        return;
      }
      conn.recordSent(text);
      timer.schedule(() -> w.send(text), ms + delayMs, TimeUnit.MILLISECONDS);
    }

    void close(int code, String reason) {
      WebSocket w = ws;
      done = true;
      if (w != null) {
        if (delayMs > 0) {
          timer.schedule(() -> w.close(code, reason), delayMs, TimeUnit.MILLISECONDS);
        } else {
          w.close(code, reason);
        }
      }
    }

    /** Ends the connection from outside a callback (server shutdown). */
    void drop() {
      WebSocket w = ws;
      done = true;
      if (w != null) {
        w.close(1001, "server shutting down");
      }
      conn.recordGone();
    }

    abstract void opened();

    abstract void errorOnOpen(FakeFault f);

    abstract void text(String text);

    abstract void binary(byte[] data);

    abstract void tick(long nowNanos);
  }
}
