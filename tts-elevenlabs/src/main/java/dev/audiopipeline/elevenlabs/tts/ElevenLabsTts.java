package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.StreamingTtsProvider;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.okhttp.NoDelaySocketFactory;
import dev.audiopipeline.okhttp.OkHttpWebSocketTransport;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.spi.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ElevenLabs text-to-speech.
 *
 * <ul>
 *   <li>{@link #synthesize} speaks a whole text over HTTP streaming ({@code POST
 *       /v1/text-to-speech/{voice}/stream}, or {@code /stream/with-timestamps} when {@link
 *       Builder#alignment(boolean)} is on). Each subscription is one request. The response body is
 *       read only while the subscriber has demand, so a slow subscriber slows the socket rather
 *       than filling memory. Rate limits (429) and server errors before the first byte are retried
 *       under the {@link Builder#retryPolicy} (jittered backoff), honouring {@code retry-after}.
 *   <li>{@link #openStream} speaks text that arrives in pieces over the multi-context WebSocket
 *       ({@code /multi-stream-input}): one connection per voice is shared by up to 5 utterances
 *       (contexts), kept alive while text is awaited, and closed when idle.
 * </ul>
 *
 * <p>Thread-safe and meant to be shared. {@link #close()} stops every stream, closes the
 * connections and stops the threads this instance created; an {@link OkHttpClient} given to the
 * builder is left running.
 */
public final class ElevenLabsTts implements StreamingTtsProvider {
  private static final Logger log = LoggerFactory.getLogger(ElevenLabsTts.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** {@value}. */
  public static final String DEFAULT_BASE_URL = "https://api.elevenlabs.io";

  /** {@value}: the low-latency model. */
  public static final String DEFAULT_MODEL = "eleven_flash_v2_5";

  /** {@value} ("Rachel", a premade voice every account has). */
  public static final String DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM";

  /**
   * The default HTTP retry policy: 2 retries, 500 ms doubling to 8 s, ±20 % jitter (see {@link
   * Builder#retryPolicy}).
   */
  public static final ReconnectPolicy DEFAULT_RETRY_POLICY =
      ReconnectPolicy.builder()
          .initialDelay(Duration.ofMillis(500))
          .maxDelay(Duration.ofSeconds(8))
          .multiplier(2.0)
          .jitter(0.2)
          .maxAttempts(2)
          .build();

  private final TtsConfig config;
  private final OkHttpClient client;
  private final OkHttpWebSocketTransport transport;
  private final boolean ownsClient;
  private final ExecutorService executor;
  private final ObjectMapper json = new ObjectMapper();
  private final String instanceName;

  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object connectionsLock = new Object();
  private final List<WsConnection> connections = new ArrayList<>(); // guarded by connectionsLock
  // its own lock: connections call scheduler() under their lock, and openStream takes
  // connectionsLock before a connection's lock
  private final Object schedulerLock = new Object();
  private @Nullable ScheduledExecutorService scheduler; // guarded by schedulerLock
  private final AtomicInteger connectionIds = new AtomicInteger();
  private final java.util.Set<HttpSynthesis> activeSyntheses =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private ElevenLabsTts(TtsConfig config, @Nullable OkHttpClient givenClient) {
    this.config = config;
    this.instanceName = "elevenlabs-tts-" + INSTANCES.incrementAndGet();
    if (givenClient != null) {
      this.client = givenClient;
      this.ownsClient = false;
    } else {
      this.client =
          new OkHttpClient.Builder()
              .connectTimeout(Duration.ofSeconds(10))
              .readTimeout(Duration.ofSeconds(30))
              .writeTimeout(Duration.ofSeconds(10))
              .socketFactory(new NoDelaySocketFactory())
              .build();
      this.ownsClient = true;
    }
    this.transport = new OkHttpWebSocketTransport(client);
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            new NamedThreadFactory(instanceName + "-http"));
    this.executor = pool;
  }

  /** A builder; {@link Builder#apiKey} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder configured from the process environment: {@code ELEVENLABS_API_KEY} (required),
   * {@code ELEVENLABS_VOICE_ID}, {@code ELEVENLABS_MODEL_ID}, {@code ELEVENLABS_OUTPUT_FORMAT},
   * {@code ELEVENLABS_BASE_URL}.
   */
  public static Builder fromEnv() {
    return builder().env(System.getenv());
  }

  /**
   * A builder holding this instance's settings and sharing its {@link OkHttpClient} (connection
   * pool, threads): for variants such as another voice or format. The variant does not own the
   * client, so close variants before the instance they came from.
   */
  public Builder newBuilder() {
    Builder b = new Builder();
    TtsConfig c = config;
    b.apiKey = c.apiKey();
    b.baseUrl = c.baseUrl();
    b.webSocketBaseUrl = c.webSocketBaseUrl();
    b.voiceId = c.voiceId();
    b.modelId = c.modelId();
    b.outputFormat = c.outputFormat();
    b.voiceSettings = c.voiceSettings();
    b.languageCode = c.languageCode();
    b.enableLogging = c.enableLogging();
    b.alignment = c.alignment();
    b.applyTextNormalization = c.applyTextNormalization();
    b.seed = c.seed();
    b.optimizeStreamingLatency = c.optimizeStreamingLatency();
    b.retryPolicy = c.retryPolicy();
    b.maxRetryDelay = c.maxRetryDelay();
    b.synthesisTimeout = c.synthesisTimeout();
    b.clock = c.clock();
    b.listener = c.listener();
    b.inactivityTimeout = c.inactivityTimeout();
    b.keepAliveInterval = c.keepAliveInterval();
    b.finalTimeout = c.finalTimeout();
    b.chunkLengthSchedule = c.chunkLengthSchedule();
    b.autoMode = c.autoMode();
    b.maxBufferedChunks = c.maxBufferedChunks();
    b.connectionIdleTimeout = c.connectionIdleTimeout();
    b.maxContextsPerConnection = c.maxContextsPerConnection();
    b.client = client;
    return b;
  }

  @Override
  public String name() {
    return Errors.PROVIDER;
  }

  @Override
  public AudioFormat outputFormat() {
    return config.outputFormat().pcmFormat();
  }

  /** The voice used when a request names none. */
  public String voiceId() {
    return config.voiceId();
  }

  /** The model id sent with every request. */
  public String modelId() {
    return config.modelId();
  }

  @Override
  public Flow.Publisher<TtsChunk> synthesize(TtsRequest request) {
    Objects.requireNonNull(request, "request == null");
    checkOpen();
    if (request.voice() != null && request.voice().isBlank()) {
      throw new IllegalArgumentException(
          "request voice is blank: give a voice id or null for the default");
    }
    return subscriber -> new HttpSynthesis(this, config, request, subscriber).start();
  }

  @Override
  public TtsStream openStream(@Nullable String voice) {
    checkOpen();
    String v = voice == null ? config.voiceId() : voice;
    if (v.isBlank()) {
      throw new IllegalArgumentException("voice is blank: give a voice id or null for the default");
    }
    WsStream stream;
    synchronized (connectionsLock) {
      checkOpen();
      WsConnection conn = null;
      for (WsConnection c : connections) {
        if (c.voiceId().equals(v) && c.tryReserve()) {
          conn = c;
          break;
        }
      }
      if (conn == null) {
        conn = new WsConnection(this, config, v, connectionIds.incrementAndGet());
        if (!conn.tryReserve()) {
          throw new IllegalStateException("maxContextsPerConnection is 0");
        }
        connections.add(conn);
        conn.connect();
      }
      stream = new WsStream(this, config, conn);
    }
    stream.open();
    return stream;
  }

  /** Tracks HTTP syntheses running on a worker, so close() can stop them. */
  boolean register(HttpSynthesis h) {
    activeSyntheses.add(h);
    if (closed.get()) {
      activeSyntheses.remove(h);
      return false;
    }
    return true;
  }

  void unregister(HttpSynthesis h) {
    activeSyntheses.remove(h);
  }

  /** A connection ended: forget it. */
  void connectionClosed(WsConnection conn) {
    synchronized (connectionsLock) {
      connections.remove(conn);
    }
  }

  /** Open connections (for tests and metrics). */
  int connectionCount() {
    synchronized (connectionsLock) {
      return connections.size();
    }
  }

  /** The keep-alive/idle timer thread, started on first use. */
  ScheduledExecutorService scheduler() {
    synchronized (schedulerLock) {
      if (scheduler == null) {
        if (closed.get()) {
          throw new java.util.concurrent.RejectedExecutionException("ElevenLabsTts is closed");
        }
        ScheduledThreadPoolExecutor s =
            new ScheduledThreadPoolExecutor(1, new NamedThreadFactory(instanceName + "-timer"));
        s.setRemoveOnCancelPolicy(true);
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler = s;
      }
      return scheduler;
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  /** The frozen configuration this instance was built with. */
  TtsConfig config() {
    return config;
  }

  /** The HTTP client (the builder's, or this instance's own). */
  OkHttpClient client() {
    return client;
  }

  /** The project's WebSocket transport, over {@link #client()}: opens the stream-input sockets. */
  OkHttpWebSocketTransport transport() {
    return transport;
  }

  /** The worker pool HTTP syntheses run on. */
  ExecutorService executor() {
    return executor;
  }

  ObjectMapper json() {
    return json;
  }

  /** For thread and connection names: {@code elevenlabs-tts-<n>}. */
  String instanceName() {
    return instanceName;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this ElevenLabsTts is closed");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<WsConnection> open;
    ScheduledExecutorService s;
    synchronized (connectionsLock) {
      open = new ArrayList<>(connections);
      connections.clear();
    }
    synchronized (schedulerLock) {
      s = scheduler;
    }
    for (WsConnection c : open) {
      c.shutdown();
    }
    for (HttpSynthesis h : activeSyntheses) {
      h.stopForClose();
    }
    executor.shutdownNow();
    if (s != null) {
      s.shutdownNow();
    }
    boolean interrupted = false;
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
      if (s != null) {
        s.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (ownsClient) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    log.debug("{} closed", instanceName);
  }

  @Override
  public String toString() {
    return "ElevenLabsTts{voice="
        + config.voiceId()
        + ", model="
        + config.modelId()
        + ", format="
        + config.outputFormat()
        + ", baseUrl="
        + Secrets.safeUrl(config.baseUrl().toString())
        + ", apiKey="
        + Secrets.MASK
        + "}";
  }

  /** Options. Validated in {@link #build()}. */
  public static final class Builder {
    private @Nullable String apiKey;
    private HttpUrl baseUrl = HttpUrl.get(DEFAULT_BASE_URL);
    private @Nullable HttpUrl webSocketBaseUrl;
    private String voiceId = DEFAULT_VOICE;
    private String modelId = DEFAULT_MODEL;
    private OutputFormat outputFormat = OutputFormat.PCM_24000;
    private VoiceSettings voiceSettings = VoiceSettings.builder().build();
    private @Nullable String languageCode;
    private boolean enableLogging = true;
    private boolean alignment;
    private @Nullable String applyTextNormalization;
    private @Nullable Long seed;
    private @Nullable Integer optimizeStreamingLatency;
    private ReconnectPolicy retryPolicy = DEFAULT_RETRY_POLICY;
    private Duration maxRetryDelay = Duration.ofSeconds(30);
    private Duration synthesisTimeout = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();
    private PipelineListener listener = PipelineListener.NONE;
    private Duration inactivityTimeout = Duration.ofSeconds(60);
    private Duration keepAliveInterval = Duration.ofSeconds(10);
    private Duration finalTimeout = Duration.ofSeconds(20);
    private @Nullable List<Integer> chunkLengthSchedule;
    private boolean autoMode;
    private int maxBufferedChunks = 1024;
    private Duration connectionIdleTimeout = Duration.ofSeconds(15);
    private int maxContextsPerConnection = 5;
    private @Nullable OkHttpClient client;

    private Builder() {}

    /** Reads the {@code ELEVENLABS_*} variables present in {@code env}. */
    public Builder env(Map<String, String> env) {
      String key = env.get("ELEVENLABS_API_KEY");
      if (key != null && !key.isBlank()) {
        apiKey(Secrets.checkCredential("ELEVENLABS_API_KEY", key));
      }
      String voice = env.get("ELEVENLABS_VOICE_ID");
      if (voice != null && !voice.isBlank()) {
        voiceId(voice.trim());
      }
      String model = env.get("ELEVENLABS_MODEL_ID");
      if (model != null && !model.isBlank()) {
        modelId(model.trim());
      }
      String format = env.get("ELEVENLABS_OUTPUT_FORMAT");
      if (format != null && !format.isBlank()) {
        outputFormat(OutputFormat.of(format.trim()));
      }
      // ELEVENLABS_TTS_BASE_URL is this client's own; the shared ELEVENLABS_BASE_URL also serves
      // the realtime recogniser, which speaks WebSocket, so its ws(s) scheme is taken as http(s)
      String base = env.get("ELEVENLABS_TTS_BASE_URL");
      if (base == null || base.isBlank()) {
        base = env.get("ELEVENLABS_BASE_URL");
        if (base != null) {
          base =
              base.strip()
                  .replaceFirst("^(?i)wss://", "https://")
                  .replaceFirst("^(?i)ws://", "http://");
        }
      }
      if (base != null && !base.isBlank()) {
        baseUrl(base.trim());
      }
      return this;
    }

    /**
     * Required. Sent as the {@code xi-api-key} header; never logged. Surrounding whitespace is
     * trimmed.
     *
     * @throws IllegalArgumentException if the key is blank or contains anything but printable ASCII
     *     (a pasted zero-width space, an inner space): the message names the character and its
     *     position, never the key (OkHttp would otherwise throw with the key in its message)
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey == null");
      if (apiKey.isBlank()) {
        throw new IllegalArgumentException(
            "apiKey is blank: set ELEVENLABS_API_KEY or call apiKey(...)");
      }
      this.apiKey = Secrets.checkCredential("ElevenLabs apiKey", apiKey);
      return this;
    }

    /** HTTP(S) base URL, default {@value #DEFAULT_BASE_URL}. */
    public Builder baseUrl(String url) {
      this.baseUrl = parseUrl("baseUrl", url);
      return this;
    }

    /**
     * WebSocket base URL ({@code ws://}, {@code wss://}, {@code http://} or {@code https://}),
     * default: the {@link #baseUrl}.
     */
    public Builder webSocketBaseUrl(String url) {
      this.webSocketBaseUrl = parseUrl("webSocketBaseUrl", url);
      return this;
    }

    /** Default voice, used when a request names none. Default {@value #DEFAULT_VOICE}. */
    public Builder voiceId(String voiceId) {
      this.voiceId = nonBlank("voiceId", voiceId);
      return this;
    }

    /** Model id, default {@value #DEFAULT_MODEL}. Not validated here: models come and go. */
    public Builder modelId(String modelId) {
      this.modelId = nonBlank("modelId", modelId);
      return this;
    }

    /** Wire format, default {@link OutputFormat#PCM_24000}. */
    public Builder outputFormat(OutputFormat format) {
      this.outputFormat = Objects.requireNonNull(format, "format == null");
      return this;
    }

    public Builder voiceSettings(VoiceSettings settings) {
      this.voiceSettings = Objects.requireNonNull(settings, "settings == null");
      return this;
    }

    /** ISO 639-1 language to enforce (not for {@code eleven_multilingual_v2}). */
    public Builder languageCode(@Nullable String languageCode) {
      this.languageCode = languageCode;
      return this;
    }

    /** {@code false} asks for zero retention (enterprise accounts). Default true. */
    public Builder enableLogging(boolean enableLogging) {
      this.enableLogging = enableLogging;
      return this;
    }

    /**
     * Ask for character timings over HTTP ({@code /stream/with-timestamps}). Default false. The
     * WebSocket always asks for them ({@code sync_alignment=true}).
     */
    public Builder alignment(boolean alignment) {
      this.alignment = alignment;
      return this;
    }

    /** {@code auto}, {@code on} or {@code off}; unset leaves the server default ({@code auto}). */
    public Builder applyTextNormalization(@Nullable String mode) {
      if (mode != null && !List.of("auto", "on", "off").contains(mode)) {
        throw new IllegalArgumentException(
            "applyTextNormalization \"" + mode + "\" is not one of: auto, on, off");
      }
      this.applyTextNormalization = mode;
      return this;
    }

    /** 0..4294967295, for repeatable output. */
    public Builder seed(@Nullable Long seed) {
      if (seed != null && (seed < 0 || seed > 4_294_967_295L)) {
        throw new IllegalArgumentException(
            "seed " + seed + " is out of range: accepted 0..4294967295");
      }
      this.seed = seed;
      return this;
    }

    /** 0..4 (deprecated by ElevenLabs; HTTP only). Unset by default. */
    public Builder optimizeStreamingLatency(@Nullable Integer level) {
      if (level != null && (level < 0 || level > 4)) {
        throw new IllegalArgumentException(
            "optimizeStreamingLatency " + level + " is out of range: accepted 0..4");
      }
      this.optimizeStreamingLatency = level;
      return this;
    }

    /**
     * Retries of a request refused with 429/5xx or failing to connect, before audio. Default 2.
     * Shorthand for a {@link #retryPolicy} with this many attempts.
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0 || maxRetries > 10) {
        throw new IllegalArgumentException(
            "maxRetries " + maxRetries + " is out of range: accepted 0..10");
      }
      this.retryPolicy = retryPolicy.toBuilder().maxAttempts(maxRetries).build();
      return this;
    }

    /**
     * How an HTTP synthesis refused with 429/5xx or failing to connect, before any audio, is tried
     * again: the project's one retry policy, the one the recognisers reconnect with. Its {@link
     * ReconnectPolicy#maxAttempts()} is the number of retries (accepted 0..10); the delay before
     * retry {@code n} is the policy's, with jitter, unless the server sends {@code retry-after},
     * which is honoured instead (see {@link #maxRetryDelay}). The stable-period and quick-failure
     * settings do not apply (no connection stays open). Default {@link #DEFAULT_RETRY_POLICY}.
     */
    public Builder retryPolicy(ReconnectPolicy policy) {
      Objects.requireNonNull(policy, "retryPolicy == null");
      if (policy.maxAttempts() > 10) {
        throw new IllegalArgumentException(
            "retryPolicy maxAttempts " + policy.maxAttempts() + " is out of range: accepted 0..10");
      }
      this.retryPolicy = policy;
      return this;
    }

    /** A {@code retry-after} longer than this fails at once instead of waiting. Default 30 s. */
    public Builder maxRetryDelay(Duration maxRetryDelay) {
      this.maxRetryDelay = positive("maxRetryDelay", maxRetryDelay);
      return this;
    }

    /**
     * Deadline for one HTTP synthesis ({@link ElevenLabsTts#synthesize}): from the first {@code
     * request(n)} to the last byte, counting the time spent on the network (connecting, retry
     * waits, waiting for and reading the body) but not the time the subscriber withholds demand, so
     * a slow player is never cut off while a server that trickles (or stalls within the read
     * timeout) is. On expiry the subscriber gets a {@code ConnectionException} after the chunks
     * already delivered. Default 5 min, accepted 1 s to 1 h.
     */
    public Builder synthesisTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "synthesisTimeout == null");
      if (timeout.compareTo(Duration.ofSeconds(1)) < 0
          || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "synthesisTimeout "
                + timeout
                + " is out of range: accepted 1 s to 1 h (default 5 min)");
      }
      this.synthesisTimeout = timeout;
      return this;
    }

    /** Clock for {@code retry-after} given as an HTTP date. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    /** Receives {@code ttsFirstByte} and connection events. */
    public Builder listener(PipelineListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /** WebSocket {@code inactivity_timeout}, 5..180 s, default 60 s. */
    public Builder inactivityTimeout(Duration timeout) {
      long s = timeout.getSeconds();
      if (s < 5 || s > 180 || timeout.getNano() != 0) {
        throw new IllegalArgumentException(
            "inactivityTimeout " + timeout + " is out of range: accepted whole seconds 5..180");
      }
      this.inactivityTimeout = timeout;
      return this;
    }

    /**
     * How long an open utterance may go without text before a keep-alive is sent. Default 10 s;
     * {@link Duration#ZERO} turns keep-alives off. Must be shorter than the inactivity timeout.
     */
    public Builder keepAliveInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval == null");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("keepAliveInterval " + interval + " is negative");
      }
      this.keepAliveInterval = interval;
      return this;
    }

    /**
     * After {@link TtsStream#finish()}, how long the service may stay silent (no audio, no {@code
     * isFinal}) before the utterance fails with a retryable {@code final_timeout}. Checked on the
     * keep-alive timer, so not when keep-alives are off. Default 20 s.
     */
    public Builder finalTimeout(Duration timeout) {
      this.finalTimeout = positive("finalTimeout", timeout);
      return this;
    }

    /** WebSocket {@code generation_config.chunk_length_schedule}, items 50..500. */
    public Builder chunkLengthSchedule(@Nullable List<Integer> schedule) {
      if (schedule != null) {
        if (schedule.isEmpty()) {
          throw new IllegalArgumentException(
              "chunkLengthSchedule is empty: give 1..4 items or null");
        }
        for (Integer i : schedule) {
          if (i == null || i < 50 || i > 500) {
            throw new IllegalArgumentException(
                "chunkLengthSchedule item " + i + " is out of range: accepted 50..500");
          }
        }
        schedule = List.copyOf(schedule);
      }
      this.chunkLengthSchedule = schedule;
      return this;
    }

    /** WebSocket {@code auto_mode}: no buffering schedule, for whole sentences. Default false. */
    public Builder autoMode(boolean autoMode) {
      this.autoMode = autoMode;
      return this;
    }

    /**
     * WebSocket audio chunks that may wait for a slow subscriber (the socket cannot be paused).
     * Beyond it the utterance fails with {@code OverflowException}. Default 1024.
     */
    public Builder maxBufferedChunks(int max) {
      if (max < 1 || max > 1_000_000) {
        throw new IllegalArgumentException(
            "maxBufferedChunks " + max + " is out of range: accepted 1..1000000");
      }
      this.maxBufferedChunks = max;
      return this;
    }

    /** A WebSocket with no open utterance is closed after this. Default 15 s. */
    public Builder connectionIdleTimeout(Duration timeout) {
      this.connectionIdleTimeout = positive("connectionIdleTimeout", timeout);
      return this;
    }

    /** Utterances sharing one WebSocket, 1..5 (the service allows 5). Default 5. */
    public Builder maxContextsPerConnection(int max) {
      if (max < 1 || max > 5) {
        throw new IllegalArgumentException(
            "maxContextsPerConnection " + max + " is out of range: accepted 1..5");
      }
      this.maxContextsPerConnection = max;
      return this;
    }

    /** Use this client (shared pools); it is not shut down by {@link ElevenLabsTts#close()}. */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client == null");
      return this;
    }

    public ElevenLabsTts build() {
      if (apiKey == null) {
        throw new IllegalStateException(
            "apiKey is not set: call apiKey(...) or use ElevenLabsTts.fromEnv() with ELEVENLABS_API_KEY");
      }
      if (!keepAliveInterval.isZero() && keepAliveInterval.compareTo(inactivityTimeout) >= 0) {
        throw new IllegalStateException(
            "keepAliveInterval "
                + keepAliveInterval
                + " must be shorter than inactivityTimeout "
                + inactivityTimeout);
      }
      TtsConfig config =
          new TtsConfig(
              apiKey,
              baseUrl,
              webSocketBaseUrl != null ? webSocketBaseUrl : baseUrl,
              voiceId,
              modelId,
              outputFormat,
              voiceSettings,
              languageCode,
              enableLogging,
              alignment,
              applyTextNormalization,
              seed,
              optimizeStreamingLatency,
              retryPolicy,
              maxRetryDelay,
              synthesisTimeout,
              clock,
              listener,
              inactivityTimeout,
              keepAliveInterval,
              finalTimeout,
              chunkLengthSchedule,
              autoMode,
              maxBufferedChunks,
              connectionIdleTimeout,
              maxContextsPerConnection);
      return new ElevenLabsTts(config, client);
    }

    private static HttpUrl parseUrl(String name, String url) {
      Objects.requireNonNull(url, name + " == null");
      String u = url;
      if (u.regionMatches(true, 0, "ws:", 0, 3)) {
        u = "http:" + u.substring(3);
      } else if (u.regionMatches(true, 0, "wss:", 0, 4)) {
        u = "https:" + u.substring(4);
      }
      HttpUrl parsed = HttpUrl.parse(u);
      if (parsed == null) {
        throw new IllegalArgumentException(
            name + " \"" + Secrets.safeUrl(url) + "\" is not a URL: give e.g. " + DEFAULT_BASE_URL);
      }
      if (!parsed.encodedUsername().isEmpty()
          || !parsed.encodedPassword().isEmpty()
          || parsed.encodedQuery() != null
          || parsed.encodedFragment() != null) {
        throw new IllegalArgumentException(
            name
                + " \""
                + Secrets.safeUrl(url)
                + "\" must be scheme://host[:port][/path] without user info, query or fragment"
                + " (the key goes in apiKey(...), never in the URL)");
      }
      return parsed;
    }

    private static String nonBlank(String name, String v) {
      Objects.requireNonNull(v, name + " == null");
      if (v.isBlank()) {
        throw new IllegalArgumentException(name + " is blank");
      }
      return v;
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name + " == null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " " + d + " must be positive");
      }
      return d;
    }
  }
}
