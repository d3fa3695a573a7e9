package dev.audiopipeline.elevenlabs.stt;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.okhttp.OkHttpWebSocketTransport;
import dev.audiopipeline.spi.ProviderEnv;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.StreamingConfig;
import dev.audiopipeline.spi.StreamingSessions;
import dev.audiopipeline.spi.WebSocketRequest;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * ElevenLabs Scribe v2 realtime ({@code /v1/speech-to-text/realtime}) as an {@link SttProvider}.
 * Thread-safe; share one instance; {@link #close()} it at the end. Its configuration is fixed at
 * {@link Builder#build()}: changing the builder afterwards changes nothing built.
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

  private final Config c;
  private final OkHttpWebSocketTransport transport;
  private final StreamingSessions sessions;
  private final ObjectMapper mapper = new ObjectMapper();

  private ElevenLabsSttProvider(Config c) {
    this.c = c;
    this.transport = OkHttpWebSocketTransport.forStreaming(NAME, c.client, c.pingInterval);
    this.sessions =
        StreamingSessions.create(
            NAME, AudioFormat.mono(c.sampleRate), transport, c.schedulerThreads);
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
    ProviderEnv e = ProviderEnv.of(NAME, env);
    Builder bb = builder().apiKey(e.credential("ELEVENLABS_API_KEY", "ElevenLabs API key"));
    String v = e.get("ELEVENLABS_STT_MODEL");
    if (v != null) {
      bb.modelId(v);
    }
    v = e.get("ELEVENLABS_STT_LANGUAGE");
    if (v != null) {
      bb.language(v);
    }
    // ELEVENLABS_STT_BASE_URL is this recogniser's own; the shared ELEVENLABS_BASE_URL also serves
    // text-to-speech, which speaks HTTP, so its http(s) scheme is taken as the matching ws(s)
    String var = "ELEVENLABS_STT_BASE_URL";
    v = e.get(var);
    if (v == null) {
      var = "ELEVENLABS_BASE_URL";
      v = e.get(var);
      if (v != null) {
        v = v.strip().replaceFirst("^(?i)https://", "wss://").replaceFirst("^(?i)http://", "ws://");
      }
    }
    if (v != null && !v.isBlank()) {
      bb.baseUrl(e.baseUrl(var, v));
    }
    return bb.build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public AudioFormat inputFormat() {
    return sessions.format();
  }

  @Override
  public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
    return sessions.open(
        options,
        listener,
        (o, config) -> {
          String language = o.language() != null ? o.language() : c.language;
          WebSocketRequest request = request(language);
          boolean expectTimed = c.includeTimestamps || c.includeLanguageDetection;
          config
              .chunk(c.chunk)
              .replayBuffer(c.replayBuffer)
              .reconnectPolicy(c.reconnectPolicy)
              .readyTimeout(c.readyTimeout)
              .responseTimeout(c.responseTimeout)
              .codecFactory(
                  () ->
                      new ElevenLabsSttCodec(
                          request,
                          mapper,
                          c.sampleRate,
                          expectTimed,
                          c.commitStrategy.equals("vad"),
                          c.keepAliveAfter,
                          language));
        });
  }

  WebSocketRequest request(@Nullable String language) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    put(q, "model_id", c.modelId);
    put(q, "audio_format", "pcm_" + c.sampleRate);
    put(q, "commit_strategy", c.commitStrategy);
    if (language != null) {
      // ISO-639-1 from a BCP-47 tag ("en-US" -> "en")
      put(q, "language_code", language.split("[-_]")[0].toLowerCase(Locale.ROOT));
    }
    if (c.includeTimestamps) {
      put(q, "include_timestamps", "true");
    }
    if (c.includeLanguageDetection) {
      put(q, "include_language_detection", "true");
    }
    if (c.vadSilenceThresholdSecs != null) {
      put(q, "vad_silence_threshold_secs", Double.toString(c.vadSilenceThresholdSecs));
    }
    if (c.noVerbatim) {
      put(q, "no_verbatim", "true");
    }
    if (c.enableLogging != null) {
      put(q, "enable_logging", Boolean.toString(c.enableLogging));
    }
    for (String k : c.keyterms) {
      put(q, "keyterms", k);
    }
    c.extraParams.forEach((k, v) -> put(q, k, v));
    StringBuilder url = new StringBuilder(c.baseUrl).append("/v1/speech-to-text/realtime?");
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
    return WebSocketRequest.of(URI.create(url.toString()), Map.of("xi-api-key", c.apiKey));
  }

  private static void put(Map<String, List<String>> q, String k, String v) {
    q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Closes the sessions still open, then stops the provider's threads. Idempotent. */
  @Override
  public void close() {
    sessions.close();
    transport.close();
  }

  @Override
  public String toString() {
    return "ElevenLabsSttProvider{baseUrl="
        + Secrets.safeUrl(c.baseUrl)
        + ", model="
        + c.modelId
        + ", commitStrategy="
        + c.commitStrategy
        + ", apiKey="
        + Secrets.MASK
        + "}";
  }

  /** What {@link Builder#build()} fixed: copies of the builder's values, never the builder. */
  private static final class Config {
    final String apiKey;
    final String baseUrl;
    final String modelId;
    final @Nullable String language;
    final int sampleRate;
    final String commitStrategy;
    final boolean includeTimestamps;
    final boolean includeLanguageDetection;
    final @Nullable Double vadSilenceThresholdSecs;
    final boolean noVerbatim;
    final @Nullable Boolean enableLogging;
    final List<String> keyterms;
    final Map<String, String> extraParams;
    final Duration chunk;
    final Duration replayBuffer;
    final Duration keepAliveAfter;
    final ReconnectPolicy reconnectPolicy;
    final Duration readyTimeout;
    final Duration responseTimeout;
    final Duration pingInterval;
    final @Nullable OkHttpClient client;
    final int schedulerThreads;

    Config(Builder b) {
      this.apiKey = b.apiKey;
      this.baseUrl = b.baseUrl;
      this.modelId = b.modelId;
      this.language = b.language;
      this.sampleRate = b.sampleRate;
      this.commitStrategy = b.commitStrategy;
      this.includeTimestamps = b.includeTimestamps;
      this.includeLanguageDetection = b.includeLanguageDetection;
      this.vadSilenceThresholdSecs = b.vadSilenceThresholdSecs;
      this.noVerbatim = b.noVerbatim;
      this.enableLogging = b.enableLogging;
      this.keyterms = List.copyOf(b.keyterms);
      this.extraParams = Collections.unmodifiableMap(new LinkedHashMap<>(b.extraParams));
      this.chunk = b.chunk;
      this.replayBuffer = b.replayBuffer;
      this.keepAliveAfter = b.keepAliveAfter;
      this.reconnectPolicy = b.reconnectPolicy;
      this.readyTimeout = b.readyTimeout;
      this.responseTimeout = b.responseTimeout;
      this.pingInterval = b.pingInterval;
      this.client = b.client;
      this.schedulerThreads = b.schedulerThreads;
    }
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
     * Required. Sent only as the {@code xi-api-key} header; never logged. Surrounding whitespace is
     * trimmed.
     *
     * @throws IllegalArgumentException if the key is empty or contains anything but printable ASCII
     *     (a pasted zero-width space, an inner space): the message names the character and its
     *     position, never the key
     */
    public Builder apiKey(String v) {
      this.apiKey = Secrets.checkCredential("ElevenLabs apiKey", v);
      return this;
    }

    /**
     * {@code wss://api.elevenlabs.io} (default), a regional host, or a fake's {@code ws://} URL.
     */
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

    /**
     * Server VAD silence before a commit, seconds (0.3, 3.0]; {@code null} = server default 1.5.
     */
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
      this.extraParams.put(
          Objects.requireNonNull(name, "name == null"),
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
     * second connection in a row never answers, the session fails with a {@code no_response} {@link
     * dev.audiopipeline.ProviderException}. Default 20 s; accepted 500 ms to 10 min.
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

    /**
     * Validates and builds a provider with a copy of this builder's values: changing the builder
     * afterwards changes nothing built.
     */
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
        throw new IllegalArgumentException(
            "schedulerThreads " + schedulerThreads + ": accepted >= 1");
      }
      return new ElevenLabsSttProvider(new Config(this));
    }
  }
}
