package dev.audiopipeline.elevenlabs.stt;

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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * ElevenLabs Scribe v2 realtime ({@code /v1/speech-to-text/realtime}) as an {@link SttProvider}.
 * Thread-safe; share one instance; {@link #close()} it at the end.
 *
 * <p>Defaults: {@code scribe_v2_realtime}, {@code pcm_16000}, server VAD commits ({@code
 * commit_strategy=vad}), word timestamps on (so each commit yields one final with word times).
 * {@link SttSession#flush()} sends a manual commit when at least 0.3 s is uncommitted.
 *
 * <pre>{@code
 * try (SttProvider el = ElevenLabsSttProvider.fromEnv()) { ... }
 * }</pre>
 */
public final class ElevenLabsSttProvider implements SttProvider {
  /** The provider name used in transcripts, events and errors. */
  public static final String NAME = "elevenlabs";

  private static final Set<Integer> RATES = Set.of(8000, 16000, 22050, 24000, 44100, 48000);

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

  private ElevenLabsSttProvider(Builder b) {
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
   * Reads {@code ELEVENLABS_API_KEY} (required), {@code ELEVENLABS_STT_MODEL}, {@code
   * ELEVENLABS_STT_LANGUAGE} and {@code ELEVENLABS_STT_BASE_URL} (else the shared {@code
   * ELEVENLABS_BASE_URL}, whose {@code https://} is read as {@code wss://}) from the environment.
   *
   * @throws IllegalStateException when ELEVENLABS_API_KEY is not set
   */
  public static ElevenLabsSttProvider fromEnv() {
    return fromEnv(System::getenv);
  }

  /** Like {@link #fromEnv()}, reading variables through {@code env} (tests, config systems). */
  public static ElevenLabsSttProvider fromEnv(Function<String, @Nullable String> env) {
    String key = env.apply("ELEVENLABS_API_KEY");
    if (key == null || key.isBlank()) {
      throw new IllegalStateException("ELEVENLABS_API_KEY is not set: export your ElevenLabs API"
          + " key, or use builder().apiKey(...)");
    }
    Builder bb = builder().apiKey(Secrets.checkCredential("ELEVENLABS_API_KEY", key));
    String v = env.apply("ELEVENLABS_STT_MODEL");
    if (v != null && !v.isBlank()) {
      bb.modelId(v);
    }
    v = env.apply("ELEVENLABS_STT_LANGUAGE");
    if (v != null && !v.isBlank()) {
      bb.language(v);
    }
    // ELEVENLABS_STT_BASE_URL is this recogniser's own; the shared ELEVENLABS_BASE_URL also serves
    // text-to-speech, which speaks HTTP, so its http(s) scheme is taken as the matching ws(s)
    String var = "ELEVENLABS_STT_BASE_URL";
    v = env.apply(var);
    if (v == null || v.isBlank()) {
      var = "ELEVENLABS_BASE_URL";
      v = env.apply(var);
      if (v != null) {
        v = v.strip().replaceFirst("^(?i)https://", "wss://").replaceFirst("^(?i)http://", "ws://");
      }
    }
    if (v != null && !v.isBlank()) {
      try {
        WebSocketRequest.checkBaseUrl(var, v);
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
      throw new IllegalStateException("elevenlabs provider is closed");
    }
    String language = options.language() != null ? options.language() : b.language;
    WebSocketRequest request = request(language);
    boolean expectTimed = b.includeTimestamps || b.includeLanguageDetection;
    StreamingConfig config = StreamingConfig.builder(NAME, format)
        .chunk(b.chunk)
        .replayBuffer(b.replayBuffer)
        .reconnectPolicy(b.reconnectPolicy)
        .readyTimeout(b.readyTimeout)
        .responseTimeout(b.responseTimeout)
        .transport(transport)
        .scheduler(scheduler)
        .codecFactory(() -> new ElevenLabsSttCodec(request, mapper, b.sampleRate, expectTimed,
            b.commitStrategy.equals("vad"), b.keepAliveAfter, language))
        .build();
    StreamingSttSession session = StreamingSttSession.open(config, options, listener);
    track(session);
    return session;
  }

  WebSocketRequest request(@Nullable String language) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    put(q, "model_id", b.modelId);
    put(q, "audio_format", "pcm_" + b.sampleRate);
    put(q, "commit_strategy", b.commitStrategy);
    if (language != null) {
      // ISO-639-1 from a BCP-47 tag ("en-US" -> "en")
      put(q, "language_code", language.split("[-_]")[0].toLowerCase(Locale.ROOT));
    }
    if (b.includeTimestamps) {
      put(q, "include_timestamps", "true");
    }
    if (b.includeLanguageDetection) {
      put(q, "include_language_detection", "true");
    }
    if (b.vadSilenceThresholdSecs != null) {
      put(q, "vad_silence_threshold_secs", Double.toString(b.vadSilenceThresholdSecs));
    }
    if (b.noVerbatim) {
      put(q, "no_verbatim", "true");
    }
    if (b.enableLogging != null) {
      put(q, "enable_logging", Boolean.toString(b.enableLogging));
    }
    for (String k : b.keyterms) {
      put(q, "keyterms", k);
    }
    b.extraParams.forEach((k, v) -> put(q, k, v));
    StringBuilder url = new StringBuilder(b.baseUrl).append("/v1/speech-to-text/realtime?");
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
    return WebSocketRequest.of(URI.create(url.toString()), Map.of("xi-api-key", b.apiKey));
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
    return "ElevenLabsSttProvider{baseUrl=" + Secrets.safeUrl(b.baseUrl) + ", model=" + b.modelId
        + ", commitStrategy=" + b.commitStrategy + ", apiKey=" + Secrets.MASK + "}";
  }

  /** Builder; {@link #build()} validates. */
  public static final class Builder {
    private String apiKey = "";
    private String baseUrl = "wss://api.elevenlabs.io";
    private String modelId = "scribe_v2_realtime";
    private @Nullable String language;
    private int sampleRate = 16_000;
    private String commitStrategy = "vad";
    private boolean includeTimestamps = true;
    private boolean includeLanguageDetection;
    private @Nullable Double vadSilenceThresholdSecs;
    private boolean noVerbatim;
    private @Nullable Boolean enableLogging;
    private final List<String> keyterms = new ArrayList<>();
    private final Map<String, String> extraParams = new LinkedHashMap<>();
    private Duration chunk = Duration.ofMillis(50);
    private Duration replayBuffer = Duration.ofSeconds(30);
    private Duration keepAliveAfter = Duration.ofSeconds(5);
    private ReconnectPolicy reconnectPolicy = ReconnectPolicy.defaults();
    private Duration readyTimeout = Duration.ofSeconds(10);
    private Duration responseTimeout = StreamingConfig.DEFAULT_RESPONSE_TIMEOUT;
    private Duration pingInterval = OkHttpWebSocketTransport.DEFAULT_PING_INTERVAL;
    private @Nullable OkHttpClient client;
    private int schedulerThreads = 2;

    private Builder() {}

    /**
     * Required. Sent only as the {@code xi-api-key} header; never logged. Surrounding whitespace
     * is trimmed.
     *
     * @throws IllegalArgumentException if the key is empty or contains anything but printable
     *     ASCII (a pasted zero-width space, an inner space): the message names the character and
     *     its position, never the key
     */
    public Builder apiKey(String v) {
      this.apiKey = Secrets.checkCredential("ElevenLabs apiKey", v);
      return this;
    }

    /** {@code wss://api.elevenlabs.io} (default), a regional host, or a fake's {@code ws://} URL. */
    public Builder baseUrl(String v) {
      this.baseUrl = Objects.requireNonNull(v, "baseUrl == null").replaceAll("/+$", "");
      return this;
    }

    public Builder modelId(String v) {
      this.modelId = Objects.requireNonNull(v, "modelId == null");
      return this;
    }

    /** Language when the session options give none; {@code null} (default) = auto-detect. */
    public Builder language(@Nullable String v) {
      this.language = v;
      return this;
    }

    /** Input sample rate: 8000, 16000 (default), 22050, 24000, 44100 or 48000 Hz. */
    public Builder sampleRate(int v) {
      this.sampleRate = v;
      return this;
    }

    /** {@code "vad"} (default: the server commits after silence) or {@code "manual"}. */
    public Builder commitStrategy(String v) {
      this.commitStrategy = Objects.requireNonNull(v, "commitStrategy == null");
      return this;
    }

    /** Word timestamps (default on): the timed committed message becomes the final. */
    public Builder includeTimestamps(boolean v) {
      this.includeTimestamps = v;
      return this;
    }

    public Builder includeLanguageDetection(boolean v) {
      this.includeLanguageDetection = v;
      return this;
    }

    /** Server VAD silence before a commit, seconds (0.3, 3.0]; {@code null} = server default 1.5. */
    public Builder vadSilenceThresholdSecs(@Nullable Double v) {
      this.vadSilenceThresholdSecs = v;
      return this;
    }

    public Builder noVerbatim(boolean v) {
      this.noVerbatim = v;
      return this;
    }

    /** {@code enable_logging}; {@code null} (default) leaves the server default (true). */
    public Builder enableLogging(@Nullable Boolean v) {
      this.enableLogging = v;
      return this;
    }

    /** Adds a key term (at most 50, each at most 20 characters). */
    public Builder keyterm(String v) {
      this.keyterms.add(Objects.requireNonNull(v, "keyterm == null"));
      return this;
    }

    /** Any other query parameter (e.g. {@code filter_background_audio=true}). */
    public Builder param(String name, String value) {
      this.extraParams.put(Objects.requireNonNull(name, "name == null"),
          Objects.requireNonNull(value, "value == null"));
      return this;
    }

    /** Audio per {@code input_audio_chunk}, default 50 ms. */
    public Builder chunk(Duration v) {
      this.chunk = Objects.requireNonNull(v, "chunk == null");
      return this;
    }

    /** Audio kept for replay across reconnects, default 30 s. */
    public Builder replayBuffer(Duration v) {
      this.replayBuffer = Objects.requireNonNull(v, "replayBuffer == null");
      return this;
    }

    /** Idle time before 100 ms of keep-alive silence, default 5 s; accepted 1..10 s. */
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

    public Builder schedulerThreads(int v) {
      this.schedulerThreads = v;
      return this;
    }

    public ElevenLabsSttProvider build() {
      if (apiKey.isBlank()) {
        throw new IllegalStateException("apiKey is required: builder().apiKey(...) or fromEnv()");
      }
      WebSocketRequest.checkBaseUrl("baseUrl", baseUrl);
      StreamingConfig.checkResponseTimeout(responseTimeout);
      StreamingConfig.checkPingInterval(pingInterval);
      if (!RATES.contains(sampleRate)) {
        throw new IllegalArgumentException("sampleRate " + sampleRate + ": accepted " + RATES);
      }
      if (!commitStrategy.equals("vad") && !commitStrategy.equals("manual")) {
        throw new IllegalArgumentException(
            "commitStrategy '" + commitStrategy + "': accepted \"vad\" or \"manual\"");
      }
      if (vadSilenceThresholdSecs != null
          && !(vadSilenceThresholdSecs > 0.3 && vadSilenceThresholdSecs <= 3.0)) {
        throw new IllegalArgumentException(
            "vadSilenceThresholdSecs " + vadSilenceThresholdSecs + ": accepted (0.3, 3.0]");
      }
      if (keyterms.size() > 50 || keyterms.stream().anyMatch(k -> k.length() > 20)) {
        throw new IllegalArgumentException("keyterms: at most 50, each at most 20 characters");
      }
      if (keepAliveAfter.compareTo(Duration.ofSeconds(1)) < 0
          || keepAliveAfter.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException(
            "keepAliveAfter " + keepAliveAfter.toMillis() + " ms: accepted 1000..10000 ms");
      }
      if (schedulerThreads < 1) {
        throw new IllegalArgumentException("schedulerThreads " + schedulerThreads + ": accepted >= 1");
      }
      return new ElevenLabsSttProvider(this);
    }
  }
}
