package dev.audiopipeline.deepgram;

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
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Deepgram live streaming ({@code /v1/listen}) as an {@link SttProvider}. Thread-safe; share one
 * instance; {@link #close()} it at the end (it owns a scheduler and, unless you gave one, an OkHttp
 * client). Its configuration is fixed at {@link Builder#build()}: changing the builder afterwards
 * changes nothing built.
 *
 * <pre>{@code
 * try (SttProvider dg = DeepgramSttProvider.fromEnv()) { ... }
 * SttProvider dg = DeepgramSttProvider.builder().apiKey(key).model("nova-3").language("en").build();
 * }</pre>
 */
public final class DeepgramSttProvider implements SttProvider {
  /** The provider name used in transcripts, events and errors. */
  public static final String NAME = "deepgram";

  private final Config c;
  private final OkHttpWebSocketTransport transport;
  private final StreamingSessions sessions;
  private final ObjectMapper mapper = new ObjectMapper();

  private DeepgramSttProvider(Config c) {
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
   * Reads {@code DEEPGRAM_API_KEY} (required), {@code DEEPGRAM_MODEL}, {@code DEEPGRAM_LANGUAGE}
   * and {@code DEEPGRAM_BASE_URL} from the environment.
   *
   * @throws IllegalStateException when DEEPGRAM_API_KEY is not set
   */
  public static DeepgramSttProvider fromEnv() {
    return fromEnv(System::getenv);
  }

  /** Like {@link #fromEnv()}, reading variables through {@code env} (tests, config systems). */
  public static DeepgramSttProvider fromEnv(Function<String, @Nullable String> env) {
    ProviderEnv e = ProviderEnv.of(NAME, env);
    Builder bb = builder().apiKey(e.credential("DEEPGRAM_API_KEY", "Deepgram API key"));
    String v = e.get("DEEPGRAM_MODEL");
    if (v != null) {
      bb.model(v);
    }
    v = e.get("DEEPGRAM_LANGUAGE");
    if (v != null) {
      bb.language(v);
    }
    v = e.get("DEEPGRAM_BASE_URL");
    if (v != null) {
      bb.baseUrl(e.baseUrl("DEEPGRAM_BASE_URL", v));
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
          config
              .chunk(c.chunk)
              .replayBuffer(c.replayBuffer)
              .reconnectPolicy(c.reconnectPolicy)
              .readyTimeout(c.readyTimeout)
              .responseTimeout(c.responseTimeout)
              .codecFactory(() -> new DeepgramCodec(request, mapper, c.keepAliveAfter, language));
        });
  }

  WebSocketRequest request(@Nullable String language) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    put(q, "model", c.model);
    if (language != null) {
      put(q, "language", language);
    }
    put(q, "encoding", "linear16");
    put(q, "sample_rate", Integer.toString(c.sampleRate));
    put(q, "channels", "1");
    put(q, "interim_results", Boolean.toString(c.interimResults));
    put(q, "punctuate", Boolean.toString(c.punctuate));
    put(q, "smart_format", Boolean.toString(c.smartFormat));
    put(q, "endpointing", c.endpointingMs == null ? "false" : Integer.toString(c.endpointingMs));
    if (c.utteranceEndMs != null) {
      put(q, "utterance_end_ms", Integer.toString(c.utteranceEndMs));
    }
    if (c.vadEvents) {
      put(q, "vad_events", "true");
    }
    for (String k : c.keyterms) {
      put(q, "keyterm", k);
    }
    c.extraParams.forEach((k, v) -> put(q, k, v));
    StringBuilder url = new StringBuilder(c.baseUrl).append("/v1/listen?");
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
    Map<String, String> headers = Map.of("Authorization", "Token " + c.apiKey);
    return WebSocketRequest.of(URI.create(url.toString()), headers);
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
    return "DeepgramSttProvider{baseUrl="
        + Secrets.safeUrl(c.baseUrl)
        + ", model="
        + c.model
        + ", apiKey="
        + Secrets.MASK
        + "}";
  }

  /** What {@link Builder#build()} fixed: copies of the builder's values, never the builder. */
  private static final class Config {
    final String apiKey;
    final String baseUrl;
    final String model;
    final @Nullable String language;
    final int sampleRate;
    final boolean interimResults;
    final boolean punctuate;
    final boolean smartFormat;
    final @Nullable Integer endpointingMs;
    final @Nullable Integer utteranceEndMs;
    final boolean vadEvents;
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

    Config(Builder b, String apiKey) {
      this.apiKey = apiKey;
      this.baseUrl = b.baseUrl;
      this.model = b.model;
      this.language = b.language;
      this.sampleRate = b.sampleRate;
      this.interimResults = b.interimResults;
      this.punctuate = b.punctuate;
      this.smartFormat = b.smartFormat;
      this.endpointingMs = b.endpointingMs;
      this.utteranceEndMs = b.utteranceEndMs;
      this.vadEvents = b.vadEvents;
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
     * @throws IllegalArgumentException if the key is empty or contains anything but printable ASCII
     *     (a pasted zero-width space, an inner space): the message names the character and its
     *     position, never the key
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
      this.extraParams.put(
          Objects.requireNonNull(name, "name == null"),
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

    /**
     * Idle time before a {@code KeepAlive}, default 4 s; accepted 1..8 s (server closes at 10 s).
     */
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

    /** Threads of the provider's timer scheduler, default 2. */
    public Builder schedulerThreads(int v) {
      this.schedulerThreads = v;
      return this;
    }

    /**
     * Validates and builds a provider with a copy of this builder's values: changing the builder
     * afterwards changes nothing built.
     */
    public DeepgramSttProvider build() {
      String key = apiKey;
      if (key == null || key.isBlank()) {
        throw new IllegalStateException("apiKey is required: builder().apiKey(...) or fromEnv()");
      }
      WebSocketRequest.checkBaseUrl("baseUrl", baseUrl);
      StreamingConfig.checkResponseTimeout(responseTimeout);
      StreamingConfig.checkPingInterval(pingInterval);
      if (sampleRate < 8_000 || sampleRate > 48_000) {
        throw new IllegalArgumentException(
            "sampleRate " + sampleRate + ": accepted 8000..48000 Hz");
      }
      if (utteranceEndMs != null && utteranceEndMs < 1000) {
        throw new IllegalArgumentException(
            "utteranceEndMs " + utteranceEndMs + ": accepted >= 1000");
      }
      if (keepAliveAfter.compareTo(Duration.ofSeconds(1)) < 0
          || keepAliveAfter.compareTo(Duration.ofSeconds(8)) > 0) {
        throw new IllegalArgumentException(
            "keepAliveAfter " + keepAliveAfter.toMillis() + " ms: accepted 1000..8000 ms");
      }
      if (schedulerThreads < 1) {
        throw new IllegalArgumentException(
            "schedulerThreads " + schedulerThreads + ": accepted >= 1");
      }
      return new DeepgramSttProvider(new Config(this, key));
    }
  }
}
