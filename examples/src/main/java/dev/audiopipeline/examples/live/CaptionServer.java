package dev.audiopipeline.examples.live;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.io.TranscriptWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The live caption page ({@code --serve PORT}): the JDK's built-in HTTP server on 127.0.0.1 (by
 * default) serves one page, a Server-Sent Events stream of the {@link LiveModel} ({@code /events}:
 * a snapshot, then every line, speaker and status change, and the levels ten times a second), and
 * the finals so far as {@code /transcript.jsonl}, {@code .srt} and {@code .vtt}. No web framework.
 *
 * <p><b>A slow or closed browser never slows the pipeline.</b> Model changes are turned into event
 * frames on the thread that made them and offered to each browser's bounded {@link ClientQueue}
 * ({@value #QUEUE_CAPACITY} events; oldest partials and levels dropped first, finals never — a
 * browser that falls that far behind on finals is cut off; its stream closes when it reads again,
 * and its page reconnects and gets every final in the snapshot). Each browser's stream is written
 * by its own server thread, which is the only one a stalled socket can block: a browser that stops
 * reading but keeps its connection open is cut off from the events at once (nothing more is queued
 * for it) and holds that one thread until its connection dies. At most {@value #MAX_CLIENTS}
 * streams at once, those included (more get 503), so the page and the downloads always have threads
 * left.
 *
 * <p>Threads: {@code caption-server-N} (the HTTP server's, at most {@value #MAX_CLIENTS} + 8),
 * {@code caption-server-levels}; all stop on {@link #close()}.
 */
public final class CaptionServer implements AutoCloseable {
  static final int QUEUE_CAPACITY = 256;
  static final int MAX_CLIENTS = 16;
  static final long KEEPALIVE_MS = 15_000;

  private final LiveModel model;
  private final Supplier<List<Transcript>> finals;
  private final String title;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final ScheduledExecutorService levels;
  private final List<ClientQueue> clients = new CopyOnWriteArrayList<>();
  private final LiveModel.Listener listener;
  private final AtomicInteger disconnectedForOverflow = new AtomicInteger();
  private final AtomicInteger streamsServed = new AtomicInteger();
  private final long startNanos = System.nanoTime();

  private CaptionServer(
      LiveModel model, Supplier<List<Transcript>> finals, String title, InetSocketAddress address)
      throws IOException {
    this.model = model;
    this.finals = finals;
    this.title = title;
    AtomicInteger n = new AtomicInteger();
    ThreadFactory named =
        r -> {
          Thread t = new Thread(r, "caption-server-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.pool =
        new ThreadPoolExecutor(
            MAX_CLIENTS + 8,
            MAX_CLIENTS + 8,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(256),
            named);
    pool.allowCoreThreadTimeOut(true);
    this.server = HttpServer.create(address, 64);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    this.levels =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "caption-server-levels");
              t.setDaemon(true);
              return t;
            });
    this.listener =
        new LiveModel.Listener() {
          @Override
          public void line(LiveModel.Line line) {
            broadcast(
                frame("line", lineJson(line)),
                line.isFinal() ? ClientQueue.Kind.FINAL : ClientQueue.Kind.PARTIAL);
          }

          @Override
          public void speaker(LiveModel.Speaker speaker) {
            broadcast(frame("speaker", speakerJson(speaker)), ClientQueue.Kind.OTHER);
          }

          @Override
          public void status(LiveModel.Status status) {
            broadcast(frame("status", statusJson(status)), ClientQueue.Kind.OTHER);
          }
        };
    model.addListener(listener);
    server.start();
    levels.scheduleAtFixedRate(this::sendLevels, 100, 100, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts serving {@code model} on {@code host:port} (port 0: any free port).
   *
   * @param finals the finals so far, for the downloads
   * @throws IOException if the address cannot be bound (say, the port is taken)
   */
  public static CaptionServer start(
      LiveModel model, Supplier<List<Transcript>> finals, String title, String host, int port)
      throws IOException {
    return new CaptionServer(
        model, finals, title, new InetSocketAddress(InetAddress.getByName(host), port));
  }

  /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + a.getPort() + "/";
  }

  /** Browsers connected now. */
  public int clients() {
    return clients.size();
  }

  /** Browsers cut off because their queue filled with finals. */
  public int disconnectedForOverflow() {
    return disconnectedForOverflow.get();
  }

  // ------------------------------------------------------------------ requests

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        send(ex, 405, "text/plain", "only GET\n");
        return;
      }
      switch (path) {
        case "/", "/index.html" -> send(ex, 200, "text/html; charset=utf-8", page());
        case "/events" -> events(ex);
        case "/transcript.jsonl" -> download(ex, "jsonl", "application/x-ndjson");
        case "/transcript.srt" -> download(ex, "srt", "application/x-subrip");
        case "/transcript.vtt" -> download(ex, "vtt", "text/vtt");
        default -> send(ex, 404, "text/plain", "not found: / (the page), /events, /transcript.*\n");
      }
    } finally {
      ex.close();
    }
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, "HEAD".equals(ex.getRequestMethod()) ? -1 : b.length);
    if (!"HEAD".equals(ex.getRequestMethod())) {
      ex.getResponseBody().write(b);
    }
  }

  private String page() throws IOException {
    try (InputStream in =
        Objects.requireNonNull(
            CaptionServer.class.getResourceAsStream("page.html"), "page.html resource")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("{{TITLE}}", html(title));
    }
  }

  private void download(HttpExchange ex, String ext, String type) throws IOException {
    List<Transcript> ordered = new ArrayList<>(finals.get());
    ordered.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
    StringWriter sw = new StringWriter();
    try (TranscriptWriter w =
        switch (ext) {
          case "jsonl" -> TranscriptWriter.jsonl(sw);
          case "srt" -> TranscriptWriter.srt(sw);
          default -> TranscriptWriter.webVtt(sw);
        }) {
      for (Transcript t : ordered) {
        w.write(t);
      }
    }
    ex.getResponseHeaders()
        .set("Content-Disposition", "attachment; filename=\"transcript." + ext + "\"");
    send(ex, 200, type + "; charset=utf-8", sw.toString());
  }

  private void events(HttpExchange ex) throws IOException {
    if (clients.size() >= MAX_CLIENTS) {
      send(ex, 503, "text/plain", "too many live pages open (" + MAX_CLIENTS + ")\n");
      return;
    }
    ClientQueue q = new ClientQueue(QUEUE_CAPACITY, disconnectedForOverflow::incrementAndGet);
    streamsServed.incrementAndGet();
    clients.add(q); // before the snapshot: nothing after it is missed (repeats are harmless)
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      StringBuilder snapshot = new StringBuilder("retry: 1000\n\n");
      for (LiveModel.Speaker s : model.speakers()) {
        snapshot.append(frame("speaker", speakerJson(s)));
      }
      for (LiveModel.Line l : model.lines(LiveModel.MAX_LINES)) {
        snapshot.append(frame("line", lineJson(l)));
      }
      snapshot.append(frame("status", statusJson(model.status())));
      out.write(snapshot.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (!q.closed()) {
        String f = q.poll(KEEPALIVE_MS);
        if (f == null) {
          if (q.overflowed()) {
            return;
          }
          if (q.closed()) {
            return;
          }
          f = ": keepalive\n\n";
        }
        out.write(f.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // the browser went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      q.close();
      clients.remove(q);
    }
  }

  // ------------------------------------------------------------------ events

  private void broadcast(String frame, ClientQueue.Kind kind) {
    for (ClientQueue q : clients) {
      q.offer(frame, kind);
    }
  }

  private void sendLevels() {
    if (clients.isEmpty()) {
      return; // idle: nobody watching, no work
    }
    StringBuilder b = new StringBuilder("[");
    for (LiveModel.Speaker s : model.speakers()) {
      LevelMeter.Reading r = s.meter().read(0);
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(
          String.format(
              Locale.ROOT,
              "{\"label\":%s,\"rms\":%.1f,\"peak\":%.1f,\"hold\":%.1f}",
              json(s.label()),
              r.rmsDb(),
              r.peakDb(),
              r.holdDb()));
    }
    broadcast(frame("levels", b.append(']').toString()), ClientQueue.Kind.OTHER);
  }

  static String frame(String event, String json) {
    return "event: " + event + "\ndata: " + json + "\n\n";
  }

  static String lineJson(LiveModel.Line l) {
    return "{\"key\":"
        + json(l.key())
        + ",\"speaker\":"
        + json(l.speaker())
        + ",\"text\":"
        + json(l.text())
        + ",\"final\":"
        + l.isFinal()
        + ",\"startMs\":"
        + l.startMs()
        + ",\"endMs\":"
        + l.endMs()
        + ",\"sentMs\":"
        + l.updatedEpochMs()
        + "}";
  }

  static String speakerJson(LiveModel.Speaker s) {
    return "{\"label\":"
        + json(s.label())
        + ",\"colour\":"
        + s.colour()
        + ",\"talkMs\":"
        + s.talkMs()
        + ",\"finals\":"
        + s.finals()
        + "}";
  }

  static String statusJson(LiveModel.Status s) {
    return "{\"connection\":"
        + json(s.connection())
        + ",\"reconnects\":"
        + s.reconnects()
        + ",\"providerReconnects\":"
        + s.providerReconnects()
        + ",\"done\":"
        + s.done()
        + ",\"note\":"
        + (s.note() == null ? "null" : json(s.note()))
        + "}";
  }

  /** A JSON string literal; safe inside an SSE data line (no raw line breaks). */
  static String json(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<' -> b.append("\\u003c");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static String html(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /**
   * One line for the end: how many browsers were served and the CPU the server's own threads used
   * (the event frames are made on the pipeline's threads and are not counted).
   */
  public String summary() {
    double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    return String.format(
        Locale.ROOT,
        "page: %d event streams served, CPU %.2f %% of a core over %.0f s",
        streamsServed.get(),
        ThreadCpu.nanos("caption-server") / 1e9 / seconds * 100,
        seconds);
  }

  /** Stops serving: every stream ends, the threads stop. */
  @Override
  public void close() {
    model.removeListener(listener);
    levels.shutdownNow();
    for (ClientQueue q : clients) {
      q.close();
    }
    server.stop(0);
    pool.shutdownNow();
  }
}
