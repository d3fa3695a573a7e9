package dev.audiopipeline.spi;

import dev.audiopipeline.audio.AudioFormat;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Everything a streaming session needs besides the caller's options. Immutable; built for each
 * session by {@link StreamingSessions#open} from what the provider sets. The scheduler and
 * transport are the provider's (shared by its sessions); the session never shuts them down.
 */
public final class StreamingConfig {
  /** Default of {@link Builder#responseTimeout}: 20 s. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(20);

  private final String provider;
  private final AudioFormat format;
  private final Duration chunk;
  private final Duration replayBuffer;
  private final ReconnectPolicy reconnectPolicy;
  private final Duration readyTimeout;
  private final Duration replayBurst;
  private final long maxQueuedBytes;
  private final Duration tick;
  private final Duration responseTimeout;
  private final Duration waitAhead;
  private final WebSocketTransport transport;
  private final Supplier<ProtocolCodec> codecFactory;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final Random random;

  private StreamingConfig(Builder b) {
    this.provider = b.provider;
    this.format = b.format;
    this.chunk = b.chunk;
    this.replayBuffer = b.replayBuffer;
    this.reconnectPolicy = b.reconnectPolicy;
    this.readyTimeout = b.readyTimeout;
    this.replayBurst = b.replayBurst;
    this.maxQueuedBytes = b.maxQueuedBytes;
    this.tick = b.tick;
    this.responseTimeout = b.responseTimeout;
    this.waitAhead = b.waitAhead;
    this.transport = Objects.requireNonNull(b.transport, "transport == null");
    this.codecFactory = Objects.requireNonNull(b.codecFactory, "codecFactory == null");
    this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler == null");
    this.nanoTime = b.nanoTime;
    this.random = b.random != null ? b.random : new Random();
  }

  public static Builder builder(String provider, AudioFormat format) {
    return new Builder(provider, format);
  }

  public String provider() {
    return provider;
  }

  public AudioFormat format() {
    return format;
  }

  public Duration chunk() {
    return chunk;
  }

  public Duration replayBuffer() {
    return replayBuffer;
  }

  public ReconnectPolicy reconnectPolicy() {
    return reconnectPolicy;
  }

  public Duration readyTimeout() {
    return readyTimeout;
  }

  public Duration replayBurst() {
    return replayBurst;
  }

  public long maxQueuedBytes() {
    return maxQueuedBytes;
  }

  public Duration tick() {
    return tick;
  }

  public Duration responseTimeout() {
    return responseTimeout;
  }

  public Duration waitAhead() {
    return waitAhead;
  }

  public WebSocketTransport transport() {
    return transport;
  }

  public Supplier<ProtocolCodec> codecFactory() {
    return codecFactory;
  }

  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  public LongSupplier nanoTime() {
    return nanoTime;
  }

  public Random random() {
    return random;
  }

  /** Builder; {@link #build()} validates. */
  /**
   * Checks a {@code responseTimeout} (how long audio may go unanswered before the connection is
   * taken for dead): accepted 500 ms to 10 min. For provider builders, so a bad value fails at
   * their {@code build()}, with the same words as here.
   *
   * @throws IllegalArgumentException naming the value and the accepted range
   */
  public static Duration checkResponseTimeout(Duration responseTimeout) {
    if (responseTimeout.compareTo(Duration.ofMillis(500)) < 0
        || responseTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException(
          "responseTimeout " + responseTimeout.toMillis() + " ms: accepted 500 ms..10 min");
    }
    return responseTimeout;
  }

  /**
   * Checks a WebSocket {@code pingInterval}: 0 (off) or more.
   *
   * @throws IllegalArgumentException naming the value and what is accepted
   */
  public static Duration checkPingInterval(Duration pingInterval) {
    if (pingInterval.isNegative()) {
      throw new IllegalArgumentException(
          "pingInterval " + pingInterval.toMillis() + " ms: accepted 0 (off) or more");
    }
    return pingInterval;
  }

  public static final class Builder {
    private final String provider;
    private final AudioFormat format;
    private Duration chunk = Duration.ofMillis(50);
    private Duration replayBuffer = Duration.ofSeconds(30);
    private ReconnectPolicy reconnectPolicy = ReconnectPolicy.defaults();
    private Duration readyTimeout = Duration.ofSeconds(10);
    private Duration replayBurst = Duration.ofSeconds(2);
    private long maxQueuedBytes = 1 << 20;
    private Duration tick = Duration.ofMillis(100);
    private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
    private Duration waitAhead = Duration.ofSeconds(1);
    private @Nullable WebSocketTransport transport;
    private @Nullable Supplier<ProtocolCodec> codecFactory;
    private @Nullable ScheduledExecutorService scheduler;
    private LongSupplier nanoTime = System::nanoTime;
    private @Nullable Random random;

    private Builder(String provider, AudioFormat format) {
      this.provider = Objects.requireNonNull(provider, "provider == null");
      this.format = Objects.requireNonNull(format, "format == null");
    }

    /** Audio per frame sent to the provider; default 50 ms, accepted 10 ms to 500 ms. */
    public Builder chunk(Duration v) {
      this.chunk = Objects.requireNonNull(v, "chunk == null");
      return this;
    }

    /** Audio kept for replay after a reconnect; default 30 s, accepted 1 s to 10 min. */
    public Builder replayBuffer(Duration v) {
      this.replayBuffer = Objects.requireNonNull(v, "replayBuffer == null");
      return this;
    }

    public Builder reconnectPolicy(ReconnectPolicy v) {
      this.reconnectPolicy = Objects.requireNonNull(v, "reconnectPolicy == null");
      return this;
    }

    /** How long an open socket may take to become ready (e.g. session_started); default 10 s. */
    public Builder readyTimeout(Duration v) {
      this.readyTimeout = Objects.requireNonNull(v, "readyTimeout == null");
      return this;
    }

    /** Audio a new connection may receive at once before replay pacing applies; default 2 s. */
    public Builder replayBurst(Duration v) {
      this.replayBurst = Objects.requireNonNull(v, "replayBurst == null");
      return this;
    }

    /**
     * Bytes the socket's outgoing queue may hold before the connection counts as stalled and is
     * replaced (its audio stays in the replay buffer); default 1 MiB.
     */
    public Builder maxQueuedBytes(long v) {
      this.maxQueuedBytes = v;
      return this;
    }

    /** Period of the housekeeping tick (keep-alive, pacing, watchdogs); default 100 ms. */
    public Builder tick(Duration v) {
      this.tick = Objects.requireNonNull(v, "tick == null");
      return this;
    }

    /**
     * The server-silence watchdog: once at least 1 s of audio went out on a connection and the
     * server has sent nothing since for this long, the connection counts as dead (it is replaced
     * and its audio replayed; a second connection in a row that never answers fails the session
     * with a {@code no_response} {@link dev.audiopipeline.ProviderException}). Half-way, the
     * session asks for an answer with the codec's {@link ProtocolCodec#flush flush} (Deepgram
     * {@code Finalize}, ElevenLabs commit). Default 20 s; accepted 500 ms to 10 min.
     */
    public Builder responseTimeout(Duration v) {
      this.responseTimeout = Objects.requireNonNull(v, "responseTimeout == null");
      return this;
    }

    /**
     * For sources that can wait ({@link dev.audiopipeline.SttSessionOptions#sourceCanWait()}): how
     * much audio may wait unsent in the session while it streams before {@code send} blocks (the
     * backpressure that slows a file down to what the provider takes). Default 1 s; accepted 100 ms
     * up to the replay buffer.
     */
    public Builder waitAhead(Duration v) {
      this.waitAhead = Objects.requireNonNull(v, "waitAhead == null");
      return this;
    }

    public Builder transport(WebSocketTransport v) {
      this.transport = Objects.requireNonNull(v, "transport == null");
      return this;
    }

    /** Creates the codec of each new connection. */
    public Builder codecFactory(Supplier<ProtocolCodec> v) {
      this.codecFactory = Objects.requireNonNull(v, "codecFactory == null");
      return this;
    }

    public Builder scheduler(ScheduledExecutorService v) {
      this.scheduler = Objects.requireNonNull(v, "scheduler == null");
      return this;
    }

    /** Clock for timeouts and pacing (tests inject one). */
    public Builder nanoTime(LongSupplier v) {
      this.nanoTime = Objects.requireNonNull(v, "nanoTime == null");
      return this;
    }

    /** Randomness for backoff jitter (tests inject a seeded one). */
    public Builder random(Random v) {
      this.random = Objects.requireNonNull(v, "random == null");
      return this;
    }

    public StreamingConfig build() {
      if (chunk.compareTo(Duration.ofMillis(10)) < 0
          || chunk.compareTo(Duration.ofMillis(500)) > 0) {
        throw new IllegalArgumentException(
            "chunk " + chunk.toMillis() + " ms: accepted 10..500 ms");
      }
      if (replayBuffer.compareTo(Duration.ofSeconds(1)) < 0
          || replayBuffer.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException(
            "replayBuffer " + replayBuffer.toMillis() + " ms: accepted 1 s..10 min");
      }
      if (maxQueuedBytes < 64 * 1024) {
        throw new IllegalArgumentException(
            "maxQueuedBytes " + maxQueuedBytes + ": accepted >= 65536");
      }
      checkResponseTimeout(responseTimeout);
      if (waitAhead.compareTo(Duration.ofMillis(100)) < 0
          || waitAhead.compareTo(replayBuffer) > 0) {
        throw new IllegalArgumentException(
            "waitAhead "
                + waitAhead.toMillis()
                + " ms: accepted 100 ms..replayBuffer ("
                + replayBuffer.toMillis()
                + " ms)");
      }
      if (tick.isNegative() || tick.isZero()) {
        throw new IllegalArgumentException("tick " + tick + " must be positive");
      }
      return new StreamingConfig(this);
    }
  }
}
