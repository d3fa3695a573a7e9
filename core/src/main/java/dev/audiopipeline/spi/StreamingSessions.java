package dev.audiopipeline.spi;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.internal.runtime.StreamingSttSession;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The entry point a streaming provider opens its sessions through: the shell every WebSocket {@link
 * SttProvider} shares, so that a provider writes only its codec and its configuration.
 *
 * <p>One instance per provider instance. It owns the provider's timer scheduler ({@code threads}
 * named daemon threads {@code audio-pipeline-<provider>-<n>}), passes it and the provider's
 * transport to every session, keeps track of the sessions still open and, on {@link #close()},
 * closes them and stops the scheduler. The transport stays the provider's: close it after this.
 *
 * <pre>{@code
 * private final OkHttpWebSocketTransport transport =
 *     OkHttpWebSocketTransport.forStreaming(NAME, null, pingInterval);
 * private final StreamingSessions sessions =
 *     StreamingSessions.create(NAME, AudioFormat.mono(16_000), transport, 2);
 *
 * public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
 *   return sessions.open(options, listener, (o, config) -> config
 *       .reconnectPolicy(policy)
 *       .codecFactory(() -> new MyCodec(request(o.language()))));
 * }
 *
 * public void close() {
 *   sessions.close();
 *   transport.close();
 * }
 * }</pre>
 *
 * <p>Thread-safe. The sessions it opens run the state machine every streaming provider shares
 * (connect, stream, keep alive, reconnect with replay, finalize); see the package documentation.
 */
public final class StreamingSessions implements AutoCloseable {
  private final String provider;
  private final AudioFormat format;
  private final WebSocketTransport transport;
  private final ScheduledThreadPoolExecutor scheduler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<StreamingSttSession> open = ConcurrentHashMap.newKeySet();

  private StreamingSessions(
      String provider, AudioFormat format, WebSocketTransport transport, int threads) {
    this.provider = provider;
    this.format = format;
    this.transport = transport;
    this.scheduler = new ScheduledThreadPoolExecutor(threads, new NamedThreadFactory(provider));
    scheduler.setRemoveOnCancelPolicy(true);
  }

  /**
   * Starts the shell of one provider instance (its scheduler threads start on first use).
   *
   * @param provider the provider's {@link SttProvider#name() name}, used in events, errors and
   *     thread names
   * @param format the audio the sessions take ({@link SttProvider#inputFormat()})
   * @param transport opens the sessions' sockets; not closed by this
   * @param schedulerThreads threads of the timer scheduler the sessions share, at least 1
   * @throws IllegalArgumentException if {@code schedulerThreads} is less than 1
   */
  public static StreamingSessions create(
      String provider, AudioFormat format, WebSocketTransport transport, int schedulerThreads) {
    Objects.requireNonNull(provider, "provider == null");
    Objects.requireNonNull(format, "format == null");
    Objects.requireNonNull(transport, "transport == null");
    if (schedulerThreads < 1) {
      throw new IllegalArgumentException(
          "schedulerThreads " + schedulerThreads + ": accepted >= 1");
    }
    return new StreamingSessions(provider, format, transport, schedulerThreads);
  }

  /**
   * Opens a session; the body of a streaming provider's {@link SttProvider#openSession}. Returns at
   * once: the session connects in the background, failures arrive as events.
   *
   * @param configure sets what is the provider's own on a fresh {@link StreamingConfig.Builder} for
   *     this provider and format: at least the {@link StreamingConfig.Builder#codecFactory codec},
   *     usually built from {@code options} (e.g. its language), and the provider's streaming
   *     options. Called once, on the caller's thread. Transport and scheduler are set by this
   *     class.
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException after {@link #close()}
   * @throws IllegalArgumentException if the configuration is invalid (from {@link
   *     StreamingConfig.Builder#build()})
   */
  public SttSession open(
      SttSessionOptions options,
      SttSession.Listener listener,
      BiConsumer<SttSessionOptions, StreamingConfig.Builder> configure) {
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(listener, "listener == null");
    Objects.requireNonNull(configure, "configure == null");
    if (closed.get()) {
      throw new IllegalStateException(provider + " provider is closed");
    }
    StreamingConfig.Builder config = StreamingConfig.builder(provider, format);
    configure.accept(options, config);
    config.transport(transport).scheduler(scheduler);
    StreamingSttSession session = StreamingSttSession.open(config.build(), options, listener);
    open.add(session);
    session.closed().whenComplete((v, e) -> open.remove(session));
    if (closed.get()) {
      session.close(); // raced with close()
    }
    return session;
  }

  /** The provider name given to {@link #create}. */
  public String provider() {
    return provider;
  }

  /** The audio format given to {@link #create}. */
  public AudioFormat format() {
    return format;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Closes the sessions still open (at once, like {@link SttSession#close()}), then stops the
   * scheduler's threads. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (SttSession s : List.copyOf(open)) {
      s.close();
    }
    scheduler.shutdownNow();
  }

  @Override
  public String toString() {
    return "StreamingSessions{provider="
        + provider
        + ", open="
        + open.size()
        + (closed.get() ? ", closed" : "")
        + "}";
  }
}
