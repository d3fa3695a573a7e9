package dev.audiopipeline.deepgram;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.okhttp.OkHttpWebSocketTransport;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.StreamingConfig;
import dev.audiopipeline.internal.runtime.StreamingSttSession;
import dev.audiopipeline.spi.WebSocketRequest;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Deepgram live streaming ({@code /v1/listen}) as an {@link SttProvider}. Thread-safe; share one
 * instance; {@link #close()} it at the end (it owns a scheduler and, unless you gave one, an
 * OkHttp client).
 *
 * <pre>{@code
 * try (SttProvider dg = DeepgramSttProvider.fromEnv()) { ... }
 * SttProvider dg = DeepgramSttProvider.builder().apiKey(key).model("nova-3").language("en").build();
 * }</pre>
 */
public final class DeepgramSttProvider implements SttProvider {
  /** The provider name used in transcripts, events and errors. */
  public static final String NAME = "deepgram";

  private final Builder b;
  /** Concurrent sessions (open WebSockets) one provider instance supports. */
  static final int MAX_SOCKETS = 4096;

  private final OkHttpClient client;
  private final Dispatcher dispatcher;
  private final boolean ownsPool;
  private final OkHttpWebSocketTransport transport;
  private final ScheduledExecutorService scheduler;
  private final ObjectMapper mapper = new ObjectMapper();
  private final AudioFormat format;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.Set<SttSession> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private DeepgramSttProvider(Builder b) {
    this.b = b;
    this.format = AudioFormat.mono(b.sampleRate);
    // OkHttp runs each WebSocket's reader loop inside its call, so an open socket holds one
    // dispatcher slot for its whole life: the default limits (64 calls, 5 per host) would cap a
    // provider at 64 concurrent sessions. Our own dispatcher lifts that; a caller's client is
    // used through newBuilder() (sharing its connection pool and settings) with this dispatcher.
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    this.dispatcher = new Dispatcher(new java.util.concurrent.ThreadPoolExecutor(0,
        Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "audio-pipeline-" + NAME + "-ws-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }));
    dispatcher.setMaxRequests(MAX_SOCKETS);
    dispatcher.setMaxRequestsPerHost(MAX_SOCKETS);
    this.ownsPool = b.client == null;
    this.client = OkHttpWebSocketTransport.streamingClient(b.client, dispatcher, b.pingInterval);
    this.transport = new OkHttpWebSocketTransport(client);
    this.scheduler = StreamingSttSession.newScheduler(NAME, b.schedulerThreads);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads {@code DEEPGRAM_API_KEY} (required), {@code DEEPGRAM_MODEL}, {@code DEEPGRAM_LANGUAGE} and
   * {@code DEEPGRAM_BASE_URL} from the environment.
   *
   * @throws IllegalStateException when DEEPGRAM_API_KEY is not set
   */
  public static DeepgramSttProvider fromEnv() {
    return fromEnv(System::getenv);
  }

  /** Like {@link #fromEnv()}, reading variables through {@code env} (tests, config systems). */
  public static DeepgramSttProvider fromEnv(Function<String, @Nullable String> env) {
    String key = env.apply("DEEPGRAM_API_KEY");
    if (key == null || key.isBlank()) {
      throw new IllegalStateException(
          "DEEPGRAM_API_KEY is not set: export your Deepgram API key, or use builder().apiKey(...)");
    }
    Builder bb = builder().apiKey(Secrets.checkCredential("DEEPGRAM_API_KEY", key));
    String v = env.apply("DEEPGRAM_MODEL");
    if (v != null && !v.isBlank()) {
      bb.model(v);
    }
    v = env.apply("DEEPGRAM_LANGUAGE");
    if (v != null && !v.isBlank()) {
      bb.language(v);
    }
    v = env.apply("DEEPGRAM_BASE_URL");
    if (v != null && !v.isBlank()) {
      try {
        WebSocketRequest.checkBaseUrl("DEEPGRAM_BASE_URL", v);
      } catch (IllegalArgumentException e) {
        // configuration, not a programming error: the typed error a caller handles like others
        throw new AudioPipelineException(NAME + ": " + e.getMessage(), e);
      }
      bb.baseUrl(v);
    }
    return bb.build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public AudioFormat inputFormat() {
    return format;
  }

  @Override
  public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(listener, "listener == null");
    if (closed.get()) {
      throw new IllegalStateException("deepgram provider is closed");
    }
    String language = options.language() != null ? options.language() : b.language;
    WebSocketRequest request = request(language);
    StreamingConfig.Builder cb = StreamingConfig.builder(NAME, format)
        .chunk(b.chunk)
        .replayBuffer(b.replayBuffer)
        .reconnectPolicy(b.reconnectPolicy)
        .readyTimeout(b.readyTimeout)
        .responseTimeout(b.responseTimeout)
        .transport(transport)
        .scheduler(scheduler)
        .codecFactory(() -> new DeepgramCodec(request, mapper, b.keepAliveAfter, language));
    StreamingSttSession session = StreamingSttSession.open(cb.build(), options, listener);
    track(session);
    return session;
  }

  WebSocketRequest request(@Nullable String language) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    put(q, "model", b.model);
    if (language != null) {
      put(q, "language", language);
    }
    put(q, "encoding", "linear16");
    put(q, "sample_rate", Integer.toString(b.sampleRate));
    put(q, "channels", "1");
    put(q, "interim_results", Boolean.toString(b.interimResults));
    put(q, "punctuate", Boolean.toString(b.punctuate));
    put(q, "smart_format", Boolean.toString(b.smartFormat));
    put(q, "endpointing", b.endpointingMs == null ? "false" : Integer.toString(b.endpointingMs));
    if (b.utteranceEndMs != null) {
      put(q, "utterance_end_ms", Integer.toString(b.utteranceEndMs));
    }
    if (b.vadEvents) {
      put(q, "vad_events", "true");
    }
    for (String k : b.keyterms) {
      put(q, "keyterm", k);
    }
    b.extraParams.forEach((k, v) -> put(q, k, v));
    StringBuilder url = new StringBuilder(b.baseUrl).append("/v1/listen?");
    boolean first = true;
    for (Map.Entry<String, List<String>> e : q.entrySet()) {
      for (String v : e.getValue()) {
        if (!first) {
          url.append('&');
        }
        first = false;
        url.append(enc(e.getKey())).append('=').append(enc(v));
      }
    }
    Map<String, String> headers = Map.of("Authorization", "Token " + b.apiKey);
    return WebSocketRequest.of(URI.create(url.toString()), headers);
  }

  private static void put(Map<String, List<String>> q, String k, String v) {
    q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void track(StreamingSttSession session) {
    sessions.add(session);
    session.closed().whenComplete((v, e) -> sessions.remove(session));
    if (closed.get()) {
      session.close(); // raced with close()
    }
  }

  /** Closes the sessions still open, then stops the provider's threads. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (SttSession s : List.copyOf(sessions)) {
      s.close();
    }
    scheduler.shutdownNow();
    dispatcher.executorService().shutdown(); // ours in every case: idle threads end
    if (ownsPool) {
      client.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "DeepgramSttProvider{baseUrl=" + Secrets.safeUrl(b.baseUrl) + ", model=" + b.model
        + ", apiKey=" + Secrets.MASK + "}";
  }

  /** Builder; {@link #build()} validates. */
  public static final class Builder {
    private @Nullable String apiKey;
    private String baseUrl = "wss://api.deepgram.com";
    private String model = "nova-3";
    private @Nullable String language = "en";
    private int sampleRate = 16_000;
    private boolean interimResults = true;
    private boolean punctuate = true;
    private boolean smartFormat = false;
    private @Nullable Integer endpointingMs = 300;
    private @Nullable Integer utteranceEndMs;
    private boolean vadEvents;
    private final List<String> keyterms = new ArrayList<>();
    private final Map<String, String> extraParams = new LinkedHashMap<>();
    private Duration chunk = Duration.ofMillis(50);
    private Duration replayBuffer = Duration.ofSeconds(30);
    private Duration keepAliveAfter = Duration.ofSeconds(4);
    private ReconnectPolicy reconnectPolicy = ReconnectPolicy.defaults();
    private Duration readyTimeout = Duration.ofSeconds(10);
    private Duration responseTimeout = StreamingConfig.DEFAULT_RESPONSE_TIMEOUT;
    private Duration pingInterval = OkHttpWebSocketTransport.DEFAULT_PING_INTERVAL;
    private @Nullable OkHttpClient client;
    private int schedulerThreads = 2;

    private Builder() {}

    /**
     * Required. Sent only as the {@code Authorization: Token} header; never logged. Surrounding
     * whitespace is trimmed.
     *
     * @throws IllegalArgumentException if the key is empty or contains anything but printable
     *     ASCII (a pasted zero-width space, an inner space): the message names the character and
     *     its position, never the key
     */
    public Builder apiKey(String v) {
      this.apiKey = Secrets.checkCredential("Deepgram apiKey", v);
      return this;
    }

    /**
     * {@code wss://api.deepgram.com} (default), a regional host, or a fake's {@code ws://} URL; no
     * user info, query or fragment (the key goes in a header, never in the URL).
     */
    public Builder baseUrl(String v) {
      this.baseUrl = Objects.requireNonNull(v, "baseUrl == null").replaceAll("/+$", "");
      return this;
    }

    /** Model, default {@code nova-3}. */
    public Builder model(String v) {
      this.model = Objects.requireNonNull(v, "model == null");
      return this;
    }

    /** Default language (BCP-47) when the session options give none; {@code null} omits it. */
    public Builder language(@Nullable String v) {
      this.language = v;
      return this;
    }

    /** Input sample rate (mono linear16), default 16 000 Hz; accepted 8 000..48 000. */
    public Builder sampleRate(int v) {
      this.sampleRate = v;
      return this;
    }

    public Builder interimResults(boolean v) {
      this.interimResults = v;
      return this;
    }

    public Builder punctuate(boolean v) {
      this.punctuate = v;
      return this;
    }

    public Builder smartFormat(boolean v) {
      this.smartFormat = v;
      return this;
    }

    /** Endpointing silence in ms (default 300), or {@code null} for {@code endpointing=false}. */
    public Builder endpointingMs(@Nullable Integer v) {
      this.endpointingMs = v;
      return this;
    }

    /** {@code utterance_end_ms} (≥ 1000), or {@code null} (default) to leave it off. */
    public Builder utteranceEndMs(@Nullable Integer v) {
      this.utteranceEndMs = v;
      return this;
    }

    public Builder vadEvents(boolean v) {
      this.vadEvents = v;
      return this;
    }

    /** Adds a Nova-3 {@code keyterm}. */
    public Builder keyterm(String v) {
      this.keyterms.add(Objects.requireNonNull(v, "keyterm == null"));
      return this;
    }

    /** Any other query parameter Deepgram documents (e.g. {@code diarize=true}). */
    public Builder param(String name, String value) {
      this.extraParams.put(Objects.requireNonNull(name, "name == null"),
          Objects.requireNonNull(value, "value == null"));
      return this;
    }

    /** Audio per binary frame, default 50 ms. */
    public Builder chunk(Duration v) {
      this.chunk = Objects.requireNonNull(v, "chunk == null");
      return this;
    }

    /** Audio kept for replay across reconnects, default 30 s. */
    public Builder replayBuffer(Duration v) {
      this.replayBuffer = Objects.requireNonNull(v, "replayBuffer == null");
      return this;
    }

    /** Idle time before a {@code KeepAlive}, default 4 s; accepted 1..8 s (server closes at 10 s). */
    public Builder keepAliveAfter(Duration v) {
      this.keepAliveAfter = Objects.requireNonNull(v, "keepAliveAfter == null");
      return this;
    }

    public Builder reconnectPolicy(ReconnectPolicy v) {
      this.reconnectPolicy = Objects.requireNonNull(v, "reconnectPolicy == null");
      return this;
    }

    /**
     * How long a connection may take from the first byte to ready to stream (upgrade, and for
     * ElevenLabs {@code session_started}) before it is abandoned and retried; default 10 s.
     */
    public Builder readyTimeout(Duration v) {
      this.readyTimeout = Objects.requireNonNull(v, "readyTimeout == null");
      return this;
    }

    /**
     * Server-silence watchdog: once audio went out and the server has sent nothing for this long,
     * the connection counts as dead and is replaced (a flush asks for an answer half-way); when a
     * second connection in a row never answers, the session fails with a {@code no_response}
     * {@link dev.audiopipeline.ProviderException}. Default 20 s; accepted 500 ms to 10 min.
     */
    public Builder responseTimeout(Duration v) {
      this.responseTimeout = Objects.requireNonNull(v, "responseTimeout == null");
      return this;
    }

    /**
     * WebSocket ping interval, default 15 s ({@link Duration#ZERO} turns pings off); a socket whose
     * peer does not answer a ping before the next one is due fails and is reconnected. A client
     * given with {@link #okHttpClient} keeps its own interval if it sets one.
     */
    public Builder pingInterval(Duration v) {
      this.pingInterval = Objects.requireNonNull(v, "pingInterval == null");
      return this;
    }

    /**
     * Use your OkHttp client's settings and connection pool (the provider never shuts it down; it
     * uses it through {@code newBuilder()} with a dispatcher of its own, so open WebSockets do not
     * count against your client's request limits).
     */
    public Builder okHttpClient(OkHttpClient v) {
      this.client = Objects.requireNonNull(v, "okHttpClient == null");
      return this;
    }

    /** Threads of the provider's timer scheduler, default 2. */
    public Builder schedulerThreads(int v) {
      this.schedulerThreads = v;
      return this;
    }

    public DeepgramSttProvider build() {
      if (apiKey == null || apiKey.isBlank()) {
        throw new IllegalStateException("apiKey is required: builder().apiKey(...) or fromEnv()");
      }
      WebSocketRequest.checkBaseUrl("baseUrl", baseUrl);
      StreamingConfig.checkResponseTimeout(responseTimeout);
      StreamingConfig.checkPingInterval(pingInterval);
      if (sampleRate < 8_000 || sampleRate > 48_000) {
        throw new IllegalArgumentException("sampleRate " + sampleRate + ": accepted 8000..48000 Hz");
      }
      if (utteranceEndMs != null && utteranceEndMs < 1000) {
        throw new IllegalArgumentException("utteranceEndMs " + utteranceEndMs + ": accepted >= 1000");
      }
      if (keepAliveAfter.compareTo(Duration.ofSeconds(1)) < 0
          || keepAliveAfter.compareTo(Duration.ofSeconds(8)) > 0) {
        throw new IllegalArgumentException(
            "keepAliveAfter " + keepAliveAfter.toMillis() + " ms: accepted 1000..8000 ms");
      }
      if (schedulerThreads < 1) {
        throw new IllegalArgumentException("schedulerThreads " + schedulerThreads + ": accepted >= 1");
      }
      return new DeepgramSttProvider(this);
    }
  }
}
