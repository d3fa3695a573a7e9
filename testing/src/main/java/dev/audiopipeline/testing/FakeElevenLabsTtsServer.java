package dev.audiopipeline.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.extension.ResponseTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;

/**
 * A protocol-exact fake of ElevenLabs text-to-speech on 127.0.0.1, for tests that must not touch
 * the network.
 *
 * <ul>
 *   <li>HTTP (WireMock): {@code POST /v1/text-to-speech/{voice_id}/stream} returns raw PCM (or
 *       μ-law) in the requested {@code output_format}, streamed in pieces; {@code
 *       /stream/with-timestamps} returns newline-delimited JSON {@code {"audio_base64",
 *       "alignment", "normalized_alignment"}} with times in seconds from the start of the request's
 *       audio.
 *   <li>WebSocket (MockWebServer): {@code /v1/text-to-speech/{voice_id}/stream-input} (single
 *       context: {@code " "} first, text, flush, {@code ""} to end, {@code isFinal}, close 1000)
 *       and {@code /multi-stream-input} (contexts, {@code close_context}, {@code close_socket},
 *       keep-alive {@code ""}, the 5-context cap), audio as base64 with per-chunk alignment ({@code
 *       chars}, {@code charStartTimesMs}, {@code charDurationsMs}, or the legacy {@code chars…}
 *       spellings) and the 1008 inactivity close with the real reason text.
 * </ul>
 *
 * <p>The audio is {@link FakeTtsVoice}: each character lasts {@code charMillis}, so durations and
 * alignment are exact. Every request and WebSocket message is recorded. Faults are scripted with
 * {@link #enqueueHttpFault} and {@link #enqueueWebSocketFault}; each applies to the next request or
 * connection.
 */
public final class FakeElevenLabsTtsServer implements AutoCloseable {
  /** The voice id the fake knows unless {@link Builder#voices} says otherwise. */
  public static final String DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM";

  private static final String TRANSFORMER = "fake-elevenlabs-tts";
  private static final Pattern HTTP_PATH =
      Pattern.compile("/v1/text-to-speech/([^/]+)/stream(/with-timestamps)?");
  private static final Pattern WS_PATH =
      Pattern.compile("/v1/text-to-speech/([^/]+)/(stream-input|multi-stream-input)");
  static final ObjectMapper JSON = new ObjectMapper();

  final String apiKey;
  final FakeTtsVoice voice;
  final Set<String> voices;
  final int httpChunkMillis;
  final long httpChunkDelayNanos;
  final boolean legacyAlignmentKeys;
  final boolean camelCaseContextId;
  final @Nullable Duration inactivityTimeout;
  final int maxContexts;
  final int charsPerMessage;
  final boolean finalInLastAudio;

  private final WireMockServer http;
  private final MockWebServer ws;
  final TrackingServerSocketFactory sockets = new TrackingServerSocketFactory();
  final ScheduledExecutorService timer;

  private final ConcurrentLinkedQueue<HttpFault> httpFaults = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<WebSocketFault> wsFaults = new ConcurrentLinkedQueue<>();
  private final BlockingQueue<RecordedHttpRequest> httpRequests = new LinkedBlockingQueue<>();
  private final List<RecordedHttpRequest> httpRequestLog = new CopyOnWriteArrayList<>();
  private final BlockingQueue<HttpStream> httpStreamEnds = new LinkedBlockingQueue<>();
  final BlockingQueue<RecordedWsMessage> wsMessages = new LinkedBlockingQueue<>();
  final List<RecordedWsMessage> wsMessageLog = new CopyOnWriteArrayList<>();
  private final List<RecordedRequest> wsHandshakes = new CopyOnWriteArrayList<>();
  final BlockingQueue<WsClose> wsCloses = new LinkedBlockingQueue<>();
  private final AtomicInteger wsConnections = new AtomicInteger();
  final List<FakeTtsWebSocketSession> sessions = new CopyOnWriteArrayList<>();

  private FakeElevenLabsTtsServer(Builder b) throws IOException {
    this.apiKey = b.apiKey;
    this.voice = new FakeTtsVoice(b.charMillis);
    this.voices = Set.copyOf(b.voices);
    this.httpChunkMillis = b.httpChunkMillis;
    this.httpChunkDelayNanos = b.httpChunkDelay.toNanos();
    this.legacyAlignmentKeys = b.legacyAlignmentKeys;
    this.camelCaseContextId = b.camelCaseContextId;
    this.inactivityTimeout = b.inactivityTimeout;
    this.maxContexts = b.maxContexts;
    this.charsPerMessage = b.charsPerMessage;
    this.finalInLastAudio = b.finalInLastAudio;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fake-elevenlabs-tts-timer");
              t.setDaemon(true);
              return t;
            });
    this.http =
        new WireMockServer(
            options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .disableRequestJournal()
                // audio is not gzipped by the service; Jetty gzip would also hold back streamed
                // bytes
                .gzipDisabled(true)
                .containerThreads(16)
                .jettyStopTimeout(1_000L)
                .notifier(new ConsoleNotifier(false))
                .extensions(new Transformer()));
    this.ws = new MockWebServer();
    this.ws.setServerSocketFactory(sockets);
    this.ws.setDispatcher(new WsDispatcher());
    try {
      http.start();
      http.stubFor(
          post(urlPathMatching(HTTP_PATH.pattern()))
              .willReturn(aResponse().withStatus(200).withTransformers(TRANSFORMER)));
      ws.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** A builder with defaults: key {@code test-key-123}, 50 ms per character. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a fake with the defaults. */
  public static FakeElevenLabsTtsServer start() {
    return builder().start();
  }

  /** Base URL of the HTTP endpoints, e.g. {@code http://127.0.0.1:40123}. */
  public String httpBaseUrl() {
    return "http://127.0.0.1:" + http.port();
  }

  /** Base URL of the WebSocket endpoints, e.g. {@code ws://127.0.0.1:40124}. */
  public String webSocketBaseUrl() {
    return "ws://127.0.0.1:" + ws.getPort();
  }

  /** The API key the fake accepts. */
  public String apiKey() {
    return apiKey;
  }

  /** The fake's voice (how long each character lasts). */
  public FakeTtsVoice voice() {
    return voice;
  }

  /** Scripts a fault for the next HTTP request (faults queue up, one per request). */
  public void enqueueHttpFault(HttpFault fault) {
    httpFaults.add(Objects.requireNonNull(fault, "fault == null"));
  }

  /** Scripts a fault for the next WebSocket connection (one per connection). */
  public void enqueueWebSocketFault(WebSocketFault fault) {
    wsFaults.add(Objects.requireNonNull(fault, "fault == null"));
  }

  /** Every HTTP request so far, in arrival order. */
  public List<RecordedHttpRequest> httpRequests() {
    return List.copyOf(httpRequestLog);
  }

  /** Waits for the next HTTP request. */
  public RecordedHttpRequest takeHttpRequest(Duration timeout) {
    return poll(httpRequests, timeout, "HTTP request");
  }

  /** Waits until the next streamed HTTP response body ends (completely, or aborted by a peer). */
  public HttpStream awaitHttpStreamEnd(Duration timeout) {
    return poll(httpStreamEnds, timeout, "end of an HTTP response body");
  }

  /**
   * The end of the next streamed HTTP body if it comes within {@code timeout}, else null (for "the
   * transfer is still held back" checks).
   */
  public @Nullable HttpStream pollHttpStreamEnd(Duration timeout) {
    try {
      return httpStreamEnds.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Every WebSocket text message received so far. */
  public List<RecordedWsMessage> webSocketMessages() {
    return List.copyOf(wsMessageLog);
  }

  /** Waits for the next WebSocket text message the fake receives. */
  public RecordedWsMessage takeWebSocketMessage(Duration timeout) {
    return poll(wsMessages, timeout, "WebSocket message");
  }

  /** Waits for a received message matching {@code filter}, skipping others. */
  public RecordedWsMessage takeWebSocketMessage(
      Duration timeout, java.util.function.Predicate<RecordedWsMessage> filter) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      RecordedWsMessage m =
          poll(wsMessages, Duration.ofNanos(Math.max(0, left)), "WebSocket message");
      if (filter.test(m)) {
        return m;
      }
    }
  }

  /** Waits for a WebSocket connection to close, with the code the fake sent or received. */
  public WsClose awaitWebSocketClose(Duration timeout) {
    return poll(wsCloses, timeout, "WebSocket close");
  }

  /** The WebSocket upgrade requests so far (headers and URL with query). */
  public List<RecordedRequest> webSocketHandshakes() {
    return List.copyOf(wsHandshakes);
  }

  /** WebSocket connections accepted so far. */
  public int webSocketConnectionCount() {
    return wsConnections.get();
  }

  /** Contexts open right now, over all multi-stream connections. */
  public int openContextCount() {
    int n = 0;
    for (FakeTtsWebSocketSession s : sessions) {
      n += s.openContexts();
    }
    return n;
  }

  @Override
  public void close() {
    for (FakeTtsWebSocketSession s : sessions) {
      s.cancel();
    }
    try {
      ws.close();
    } catch (RuntimeException ignored) {
      // best effort: the fake is going away
    }
    if (http.isRunning()) {
      http.stop();
    }
    timer.shutdownNow();
    try {
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static <T> T poll(BlockingQueue<T> queue, Duration timeout, String what) {
    try {
      T t = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (t == null) {
        throw new AssertionError(
            "timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      return t;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    }
  }

  static int sampleRateOf(String outputFormat) {
    Matcher m = Pattern.compile("(pcm|ulaw|alaw)_(\\d+)").matcher(outputFormat);
    if (!m.matches()) {
      return -1;
    }
    return Integer.parseInt(m.group(2));
  }

  /** Audio bytes for {@code text} in {@code outputFormat} ({@code pcm_*} or {@code ulaw_8000}). */
  byte[] render(String text, String outputFormat) {
    int rate = sampleRateOf(outputFormat);
    return outputFormat.startsWith("ulaw") ? voice.ulaw(text, rate) : voice.pcm(text, rate);
  }

  static String detail(String status, String message) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("detail").put("status", status).put("message", message);
    return root.toString();
  }

  // ---------------------------------------------------------------- HTTP

  private final class Transformer implements ResponseTransformerV2 {
    @Override
    public String getName() {
      return TRANSFORMER;
    }

    @Override
    public boolean applyGlobally() {
      return false;
    }

    @Override
    public Response transform(Response response, ServeEvent serveEvent) {
      LoggedRequest req = serveEvent.getRequest();
      RecordedHttpRequest recorded = RecordedHttpRequest.of(req);
      httpRequestLog.add(recorded);
      httpRequests.add(recorded);
      try {
        return respond(recorded);
      } catch (RuntimeException e) {
        return Response.response()
            .status(500)
            .body(detail("internal_error", "fake failed: " + e))
            .build();
      }
    }

    private Response respond(RecordedHttpRequest req) {
      HttpHeaders common =
          new HttpHeaders(
              new HttpHeader("request-id", "fake-" + req.sequence()),
              new HttpHeader("x-trace-id", "trace-" + req.sequence()),
              new HttpHeader("current-concurrent-requests", "1"),
              new HttpHeader("maximum-concurrent-requests", "4"));
      if (!apiKey.equals(req.header("xi-api-key"))) {
        return json(401, common, detail("invalid_api_key", "Invalid API key"));
      }
      HttpFault fault = httpFaults.poll();
      long initialDelayMs = 0;
      long dropAfter = -1;
      if (fault != null) {
        switch (fault.kind) {
          case STATUS:
            HttpHeaders h = common;
            if (fault.retryAfterMillis >= 0) {
              h = h.plus(new HttpHeader("retry-after", retryAfterValue(fault.retryAfterMillis)));
            }
            return json(fault.status, h, detail(fault.errorStatus, fault.message));
          case SLOW_FIRST_BYTE:
            initialDelayMs = fault.delay.toMillis();
            break;
          case DROP_AFTER_BYTES:
            dropAfter = fault.bytes;
            break;
          case MALFORMED_CHUNK:
            return Response.response().fault(Fault.MALFORMED_RESPONSE_CHUNK).build();
          case ECHO_HEADERS:
            return Response.response()
                .status(fault.status)
                .headers(common.plus(new HttpHeader("Content-Type", "text/html; charset=utf-8")))
                .body(HeaderEcho.page(fault.status, req.headers))
                .build();
          default:
            throw new IllegalStateException(fault.kind.name());
        }
      }
      if (!voices.contains(req.voiceId())) {
        return json(
            400,
            common,
            detail(
                "voice_not_found",
                "A voice with the voice_id " + req.voiceId() + " was not found."));
      }
      JsonNode body = req.json();
      String text = body.path("text").asText("");
      if (text.isEmpty()) {
        return json(
            422,
            common,
            "{\"detail\":[{\"loc\":[\"body\",\"text\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}");
      }
      String format = req.query().getOrDefault("output_format", "mp3_44100_128");
      int rate = sampleRateOf(format);
      if (rate <= 0 || format.startsWith("alaw")) {
        return json(
            400,
            common,
            detail("invalid_output_format", "The fake speaks pcm_* and ulaw_8000 only: " + format));
      }
      HttpHeaders headers =
          common.plus(new HttpHeader("character-cost", Integer.toString(text.length())));
      byte[] bodyBytes;
      int chunkBytes;
      if (req.withTimestamps()) {
        bodyBytes = timestampsBody(text, format, rate);
        chunkBytes = 4096;
        headers = headers.plus(new HttpHeader("Content-Type", "application/json"));
      } else {
        bodyBytes = render(text, format);
        int bytesPerSample = format.startsWith("ulaw") ? 1 : 2;
        chunkBytes = Math.max(bytesPerSample, rate * bytesPerSample * httpChunkMillis / 1000);
        headers =
            headers.plus(
                new HttpHeader(
                    "Content-Type", format.startsWith("ulaw") ? "audio/basic" : "audio/pcm"));
      }
      HttpStream stream = new HttpStream(req, bodyBytes.length);
      PacedInputStream in =
          new PacedInputStream(bodyBytes, chunkBytes, httpChunkDelayNanos, dropAfter, stream);
      return Response.response()
          .status(200)
          .headers(headers)
          .body(in::once)
          .incrementInitialDelay(initialDelayMs)
          .build();
    }

    private byte[] timestampsBody(String text, String format, int rate) {
      List<String> chars = FakeTtsVoice.characters(text);
      StringBuilder sb = new StringBuilder();
      int per = Math.max(1, charsPerMessage);
      for (int start = 0; start < chars.size(); start += per) {
        int end = Math.min(chars.size(), start + per);
        String piece = String.join("", chars.subList(start, end));
        ObjectNode line = JSON.createObjectNode();
        line.put("audio_base64", Base64.getEncoder().encodeToString(render(piece, format)));
        ObjectNode alignment = line.putObject("alignment");
        ArrayNode cs = alignment.putArray("characters");
        ArrayNode st = alignment.putArray("character_start_times_seconds");
        ArrayNode en = alignment.putArray("character_end_times_seconds");
        for (int i = start; i < end; i++) {
          cs.add(chars.get(i));
          st.add(i * voice.charMillis() / 1000.0);
          en.add((i + 1) * voice.charMillis() / 1000.0);
        }
        line.set("normalized_alignment", alignment.deepCopy());
        sb.append(line).append('\n');
      }
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Response json(int status, HttpHeaders headers, String body) {
      return Response.response()
          .status(status)
          .headers(headers.plus(new HttpHeader("Content-Type", "application/json")))
          .body(body)
          .build();
    }
  }

  /** Serves a body in pieces with a pause between them, and records how far it got. */
  private final class PacedInputStream extends InputStream {
    private final byte[] data;
    private final int chunk;
    private final long delayNanos;
    private final long dropAfter;
    private final HttpStream stream;
    private int pos;
    private boolean handedOut;
    private boolean first = true;
    private boolean closed;

    PacedInputStream(byte[] data, int chunk, long delayNanos, long dropAfter, HttpStream stream) {
      this.data = data;
      this.chunk = chunk;
      this.delayNanos = delayNanos;
      this.dropAfter = dropAfter;
      this.stream = stream;
    }

    /**
     * WireMock reads the whole body once for its serve-event log before it sends the response; that
     * read gets an empty stream so the real one is paced out to the socket, once.
     */
    synchronized InputStream once() {
      boolean forLog =
          StackWalker.getInstance()
              .walk(f -> f.anyMatch(x -> x.getClassName().endsWith("LoggedResponse")));
      if (forLog || handedOut) {
        return new ByteArrayInputStream(new byte[0]);
      }
      handedOut = true;
      return this;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= data.length) {
        finish(false);
        return -1;
      }
      if (dropAfter >= 0 && pos >= dropAfter) {
        finish(true);
        cutConnection();
        throw new IOException("fake: connection dropped mid-stream after " + pos + " bytes");
      }
      if (!first) {
        // Jetty holds up to 32 KiB before sending; the service streams each piece as generated
        flushResponse();
        if (delayNanos > 0) {
          LockSupport.parkNanos(delayNanos);
        }
      }
      first = false;
      int n = Math.min(len, Math.min(chunk, data.length - pos));
      if (dropAfter >= 0) {
        n = (int) Math.min(n, Math.max(1, dropAfter - pos));
      }
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      stream.served.set(pos);
      return n;
    }

    @Override
    public void close() {
      finish(pos < data.length);
    }

    /** Sends what Jetty has buffered of this response so far (runs on the serving thread). */
    private void flushResponse() {
      try {
        Class<?> c = Class.forName("wiremock.org.eclipse.jetty.server.HttpConnection");
        Object conn = c.getMethod("getCurrentConnection").invoke(null);
        if (conn != null) {
          Object channel = c.getMethod("getHttpChannel").invoke(conn);
          Object response = channel.getClass().getMethod("getResponse").invoke(channel);
          response.getClass().getMethod("flushBuffer").invoke(response);
        }
      } catch (ReflectiveOperationException | LinkageError e) {
        // an unknown WireMock build: pieces then leave in Jetty-sized blocks, still correct
      }
    }

    /**
     * WireMock ends a body whose stream throws as if it were complete; a real mid-stream drop needs
     * the socket closed under it. This runs on the Jetty thread serving the request, where Jetty
     * (shaded inside wiremock-standalone) keeps the current connection.
     */
    private void cutConnection() {
      try {
        Class<?> c = Class.forName("wiremock.org.eclipse.jetty.server.HttpConnection");
        Object conn = c.getMethod("getCurrentConnection").invoke(null);
        if (conn != null) {
          // send what the response buffer holds, then FIN, then close: the peer reads the audio
          // so far and then a chunked body that ends without its terminator
          Object channel = c.getMethod("getHttpChannel").invoke(conn);
          Object response = channel.getClass().getMethod("getResponse").invoke(channel);
          response.getClass().getMethod("flushBuffer").invoke(response);
          Object endPoint = c.getMethod("getEndPoint").invoke(conn);
          Class<?> ep = Class.forName("wiremock.org.eclipse.jetty.io.EndPoint");
          ep.getMethod("shutdownOutput").invoke(endPoint);
          ep.getMethod("close").invoke(endPoint);
        }
      } catch (ReflectiveOperationException | LinkageError e) {
        throw new IllegalStateException("fake: cannot cut the connection with this WireMock", e);
      }
    }

    private synchronized void finish(boolean aborted) {
      if (closed) {
        return;
      }
      closed = true;
      stream.aborted = aborted;
      httpStreamEnds.add(stream);
    }
  }

  /** How a streamed HTTP response body went. */
  public static final class HttpStream {
    private final RecordedHttpRequest request;
    private final long totalBytes;
    final AtomicLong served = new AtomicLong();
    volatile boolean aborted;

    HttpStream(RecordedHttpRequest request, long totalBytes) {
      this.request = request;
      this.totalBytes = totalBytes;
    }

    public RecordedHttpRequest request() {
      return request;
    }

    /** Bytes the full body would have had. */
    public long totalBytes() {
      return totalBytes;
    }

    /** Bytes handed to the HTTP server for sending before the body ended. */
    public long bytesServed() {
      return served.get();
    }

    /** Whether the body ended before its last byte (the peer went away, or a scripted drop). */
    public boolean aborted() {
      return aborted;
    }
  }

  /** {@code retry-after} in seconds: whole when the delay is, else with three decimals. */
  private static String retryAfterValue(long millis) {
    return millis % 1000 == 0
        ? Long.toString(millis / 1000)
        : java.math.BigDecimal.valueOf(millis, 3).toPlainString();
  }

  /** A recorded HTTP request. Header names are lower case. */
  public static final class RecordedHttpRequest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private final int sequence;
    private final String method;
    private final String path;
    private final Map<String, String> query;
    private final Map<String, String> headers;
    private final String body;

    RecordedHttpRequest(
        String method,
        String path,
        Map<String, String> query,
        Map<String, String> headers,
        String body) {
      this.sequence = SEQUENCE.incrementAndGet();
      this.method = method;
      this.path = path;
      this.query = query;
      this.headers = headers;
      this.body = body;
    }

    static RecordedHttpRequest of(LoggedRequest req) {
      String url = req.getUrl();
      int q = url.indexOf('?');
      String path = q < 0 ? url : url.substring(0, q);
      Map<String, String> query = new LinkedHashMap<>();
      if (q >= 0) {
        for (String pair : url.substring(q + 1).split("&")) {
          int eq = pair.indexOf('=');
          String k = eq < 0 ? pair : pair.substring(0, eq);
          String v = eq < 0 ? "" : pair.substring(eq + 1);
          query.put(
              java.net.URLDecoder.decode(k, StandardCharsets.UTF_8),
              java.net.URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (HttpHeader h : req.getHeaders().all()) {
        headers.put(h.key().toLowerCase(Locale.ROOT), h.firstValue());
      }
      return new RecordedHttpRequest(
          req.getMethod().getName(),
          path,
          Collections.unmodifiableMap(query),
          Collections.unmodifiableMap(headers),
          req.getBodyAsString());
    }

    int sequence() {
      return sequence;
    }

    public String method() {
      return method;
    }

    public String path() {
      return path;
    }

    /** The voice id from the path. */
    public String voiceId() {
      Matcher m = HTTP_PATH.matcher(path);
      return m.matches() ? m.group(1) : "";
    }

    /** Whether this was {@code /stream/with-timestamps}. */
    public boolean withTimestamps() {
      return path.endsWith("/with-timestamps");
    }

    public Map<String, String> query() {
      return query;
    }

    public @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public Map<String, String> headers() {
      return headers;
    }

    public String body() {
      return body;
    }

    /** The JSON body. */
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return method + " " + path + " " + query;
    }
  }

  /** A scripted HTTP fault. */
  public static final class HttpFault {
    enum Kind {
      STATUS,
      SLOW_FIRST_BYTE,
      DROP_AFTER_BYTES,
      MALFORMED_CHUNK,
      ECHO_HEADERS
    }

    final Kind kind;
    final int status;
    final String errorStatus;
    final String message;
    final long retryAfterMillis;
    final Duration delay;
    final long bytes;

    private HttpFault(
        Kind kind,
        int status,
        String errorStatus,
        String message,
        long retryAfterMillis,
        Duration delay,
        long bytes) {
      this.kind = kind;
      this.status = status;
      this.errorStatus = errorStatus;
      this.message = message;
      this.retryAfterMillis = retryAfterMillis;
      this.delay = delay;
      this.bytes = bytes;
    }

    /** An error response {@code {"detail":{"status":errorStatus,"message":message}}}. */
    public static HttpFault status(int status, String errorStatus, String message) {
      return new HttpFault(Kind.STATUS, status, errorStatus, message, -1, Duration.ZERO, 0);
    }

    /** 401 {@code invalid_api_key} even with the right key. */
    public static HttpFault unauthorized() {
      return status(401, "invalid_api_key", "Invalid API key");
    }

    /** 401 {@code quota_exceeded}, as the real service sends it. */
    public static HttpFault quotaExceeded() {
      return status(
          401,
          "quota_exceeded",
          "This request exceeds your quota of 10000. You have 12 credits remaining, while 45"
              + " credits are required for this request.");
    }

    /**
     * 429 {@code too_many_concurrent_requests} with a {@code retry-after} header: whole seconds as
     * the service sends them, or, for a duration below a whole second (to keep tests quick), a
     * decimal number of seconds such as {@code 0.25}.
     */
    public static HttpFault rateLimited(Duration retryAfter) {
      return new HttpFault(
          Kind.STATUS,
          429,
          "too_many_concurrent_requests",
          "Too many concurrent requests. Your current subscription is associated with a maximum"
              + " of 4 concurrent requests.",
          retryAfter.toMillis(),
          Duration.ZERO,
          0);
    }

    /** Headers and body start only after {@code delay}. */
    public static HttpFault slowFirstByte(Duration delay) {
      return new HttpFault(Kind.SLOW_FIRST_BYTE, 200, "", "", -1, delay, 0);
    }

    /** 200, then the connection breaks after {@code bytes} of the body. */
    public static HttpFault dropAfterBytes(long bytes) {
      return new HttpFault(Kind.DROP_AFTER_BYTES, 200, "", "", -1, Duration.ZERO, bytes);
    }

    /**
     * This status with an HTML page listing every request header and its value (the key included),
     * as a misconfigured proxy answers.
     */
    public static HttpFault echoHeaders(int status) {
      return new HttpFault(Kind.ECHO_HEADERS, status, "", "", -1, Duration.ZERO, 0);
    }

    /** 200 with a chunked body that is garbage, then the socket closes. */
    public static HttpFault malformedChunk() {
      return new HttpFault(Kind.MALFORMED_CHUNK, 200, "", "", -1, Duration.ZERO, 0);
    }
  }

  /** A scripted WebSocket fault, for the next connection. */
  public static final class WebSocketFault {
    enum Kind {
      REJECT_HANDSHAKE,
      DROP_AFTER_AUDIO,
      ERROR_AND_CLOSE,
      INACTIVITY,
      IGNORE_CLOSE_CONTEXT,
      REJECT_ECHOING_HEADERS
    }

    final Kind kind;
    final int status;
    final int count;
    final String error;
    final String message;
    final Duration timeout;

    private WebSocketFault(
        Kind kind, int status, int count, String error, String message, Duration timeout) {
      this.kind = kind;
      this.status = status;
      this.count = count;
      this.error = error;
      this.message = message;
      this.timeout = timeout;
    }

    /** The upgrade is refused with this HTTP status and an ElevenLabs error body. */
    public static WebSocketFault rejectHandshake(int status, String errorStatus, String message) {
      return new WebSocketFault(
          Kind.REJECT_HANDSHAKE, status, 0, errorStatus, message, Duration.ZERO);
    }

    /**
     * The upgrade is refused with this status and an HTML page listing every request header and its
     * value (the key included), as a misconfigured proxy answers.
     */
    public static WebSocketFault rejectHandshakeEchoingHeaders(int status) {
      return new WebSocketFault(Kind.REJECT_ECHOING_HEADERS, status, 0, "", "", Duration.ZERO);
    }

    /** The TCP connection is cut (no close frame) after {@code n} audio messages. */
    public static WebSocketFault dropAfterAudioMessages(int n) {
      return new WebSocketFault(Kind.DROP_AFTER_AUDIO, 0, n, "", "", Duration.ZERO);
    }

    /**
     * On the first text message: an error JSON {@code {message, error, code:1008}}, then close
     * 1008.
     */
    public static WebSocketFault errorAndClose(String error, String message) {
      return new WebSocketFault(Kind.ERROR_AND_CLOSE, 0, 0, error, message, Duration.ZERO);
    }

    /** The quota error the service reports on a socket. */
    public static WebSocketFault quotaExceeded() {
      return errorAndClose(
          "quota_exceeded",
          "This request exceeds your quota of 10000. You have 0 credits remaining.");
    }

    /**
     * The connection never answers {@code close_context} (no {@code isFinal}) and never times the
     * context out: a service that went silent.
     */
    public static WebSocketFault ignoreCloseContext() {
      return new WebSocketFault(Kind.IGNORE_CLOSE_CONTEXT, 0, 0, "", "", Duration.ZERO);
    }

    /** This connection's inactivity timer fires after {@code timeout} (reason text unchanged). */
    public static WebSocketFault inactivityTimeout(Duration timeout) {
      return new WebSocketFault(Kind.INACTIVITY, 0, 0, "", "", timeout);
    }
  }

  /** One WebSocket text message the fake received. */
  public record RecordedWsMessage(int connection, boolean multi, String text) {
    /** The message as JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The message's context id ({@code context_id} or {@code contextId}), or null. */
    public @Nullable String contextId() {
      JsonNode j = json();
      JsonNode id = j.has("context_id") ? j.get("context_id") : j.get("contextId");
      return id == null || id.isNull() ? null : id.asText();
    }
  }

  /** A closed WebSocket connection: who closed it, with which code and reason. */
  public record WsClose(int connection, boolean byServer, int code, String reason) {}

  // ---------------------------------------------------------------- WebSocket

  private final class WsDispatcher extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getUrl().encodedPath();
      Matcher m = WS_PATH.matcher(path);
      if (!m.matches() || !"websocket".equalsIgnoreCase(request.getHeaders().get("Upgrade"))) {
        return new MockResponse.Builder()
            .code(404)
            .body(detail("not_found", "no such endpoint: " + path))
            .build();
      }
      wsHandshakes.add(request);
      WebSocketFault fault = wsFaults.poll();
      if (fault != null && fault.kind == WebSocketFault.Kind.REJECT_HANDSHAKE) {
        return new MockResponse.Builder()
            .code(fault.status)
            .addHeader("Content-Type", "application/json")
            .body(detail(fault.error, fault.message))
            .build();
      }
      if (fault != null && fault.kind == WebSocketFault.Kind.REJECT_ECHOING_HEADERS) {
        Map<String, String> echoed = new LinkedHashMap<>();
        for (String n : request.getHeaders().names()) {
          echoed.put(n, request.getHeaders().get(n));
        }
        return HeaderEcho.response(fault.status, HeaderEcho.page(fault.status, echoed));
      }
      String voiceId = m.group(1);
      if (!voices.contains(voiceId)) {
        return new MockResponse.Builder()
            .code(400)
            .addHeader("Content-Type", "application/json")
            .body(
                detail(
                    "voice_not_found", "A voice with the voice_id " + voiceId + " was not found."))
            .build();
      }
      int index = wsConnections.incrementAndGet();
      FakeTtsWebSocketSession session =
          new FakeTtsWebSocketSession(
              FakeElevenLabsTtsServer.this,
              index,
              "multi-stream-input".equals(m.group(2)),
              request,
              fault,
              request.getConnectionIndex());
      sessions.add(session);
      return new MockResponse.Builder().webSocketUpgrade(session).build();
    }
  }

  /** Options of the fake. */
  public static final class Builder {
    private String apiKey = "test-key-123";
    private int charMillis = 50;
    private List<String> voices = new ArrayList<>(List.of(DEFAULT_VOICE));
    private int httpChunkMillis = 100;
    private Duration httpChunkDelay = Duration.ofMillis(2);
    private boolean legacyAlignmentKeys;
    private boolean camelCaseContextId;
    private @Nullable Duration inactivityTimeout;
    private int maxContexts = 5;
    private int charsPerMessage = 20;
    private boolean finalInLastAudio;

    private Builder() {}

    /** The only key accepted ({@code xi-api-key} header, or in the first WebSocket message). */
    public Builder apiKey(String apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey == null");
      return this;
    }

    /** Milliseconds of audio per character (default 50). */
    public Builder charMillis(int charMillis) {
      this.charMillis = charMillis;
      return this;
    }

    /**
     * The voice ids that exist (default {@link #DEFAULT_VOICE}); others get {@code
     * voice_not_found}.
     */
    public Builder voices(String... voices) {
      this.voices = new ArrayList<>(List.of(voices));
      return this;
    }

    /** Audio per piece of a streamed HTTP body (default 100 ms). */
    public Builder httpChunkMillis(int millis) {
      this.httpChunkMillis = millis;
      return this;
    }

    /** Pause between pieces of a streamed HTTP body (default 2 ms). */
    public Builder httpChunkDelay(Duration delay) {
      this.httpChunkDelay = Objects.requireNonNull(delay, "delay == null");
      return this;
    }

    /** Send the 2025 spelling {@code charsStartTimesMs}/{@code charsDurationsMs}. */
    public Builder legacyAlignmentKeys(boolean legacy) {
      this.legacyAlignmentKeys = legacy;
      return this;
    }

    /** Send {@code contextId} instead of the current {@code context_id}. */
    public Builder camelCaseContextId(boolean camel) {
      this.camelCaseContextId = camel;
      return this;
    }

    /**
     * Fire the inactivity close after this long instead of the {@code inactivity_timeout} query
     * value (the close reason still names the query value, as the service does).
     */
    public Builder inactivityTimeout(Duration timeout) {
      this.inactivityTimeout = timeout;
      return this;
    }

    /** Contexts per multi-stream connection (default 5, as the service). */
    public Builder maxContexts(int max) {
      this.maxContexts = max;
      return this;
    }

    /** Characters per audio message (default 20). */
    public Builder charsPerMessage(int chars) {
      this.charsPerMessage = chars;
      return this;
    }

    /**
     * Multi-stream: hold back each context's last audio message and send it with {@code "isFinal":
     * true} when the context is closed (audio and isFinal in one message, as the service sometimes
     * does).
     */
    public Builder finalInLastAudio(boolean merged) {
      this.finalInLastAudio = merged;
      return this;
    }

    /** Starts the fake on 127.0.0.1 (two ephemeral ports: HTTP and WebSocket). */
    public FakeElevenLabsTtsServer start() {
      try {
        return new FakeElevenLabsTtsServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the fake ElevenLabs TTS server", e);
      }
    }
  }
}
