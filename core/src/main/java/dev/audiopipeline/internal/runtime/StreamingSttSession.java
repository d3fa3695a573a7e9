package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.Word;
import dev.audiopipeline.spi.ProtocolCodec;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.StreamingConfig;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming session every WebSocket recogniser shares: a state machine {@code CONNECTING → OPEN
 * → STREAMING → FINALIZING → CLOSED} (with {@code WAITING} between connections) around a {@link
 * ProtocolCodec}.
 *
 * <ul>
 *   <li>Audio is cut into {@link StreamingConfig#chunk()} frames (50 ms) and sent from the caller's
 *       thread when the connection is streaming; otherwise it waits in the {@link ReplayBuffer}.
 *   <li>The replay buffer keeps the audio since the last final (at most {@link
 *       StreamingConfig#replayBuffer()}, 30 s). After a reconnect it is replayed in order, paced to
 *       the provider's {@link ProtocolCodec#maxRealtimeFactor()} after a burst.
 *   <li>Overflow policy, by source: for a source that can wait ({@link
 *       SttSessionOptions#sourceCanWait()}, a file) {@code send} waits instead (backpressure: at
 *       most {@link StreamingConfig#waitAhead()} waits unsent while streaming, and nothing a replay
 *       needs is evicted while disconnected); the wait ends when the provider takes audio, the
 *       session fails (reconnect policy exhausted) or closes, or the thread is interrupted. For
 *       live audio the oldest audio is dropped beyond the bound; what never reached a provider is
 *       counted on the hot path and reported once per gap, with its total, when the gap ends (at
 *       the reconnect, or at the end): one WARN line, one {@link TranscriptEvent.AudioDropped}, one
 *       {@link PipelineListener#audioDropped}.
 *   <li>Each connection has its own audio clock; result times are moved onto the session's
 *       timeline, so they stay continuous across reconnects.
 *   <li>Keep-alives are sent after {@link ProtocolCodec#keepAliveAfter()} of idle.
 *   <li>Server-silence watchdog: when at least 1 s of audio went out and the server sent nothing
 *       for {@link StreamingConfig#responseTimeout()} (a flush asks half-way), the connection is
 *       replaced; a second one in a row that never answers fails the session ({@code no_response}).
 *   <li>Drops reconnect with {@link Backoff}; non-retryable errors (auth, quota, a request that
 *       cannot be opened) end the session with one {@link TranscriptEvent.Failed}, and so does a
 *       session whose first connection could not be opened in {@value #NEVER_OPENED_LIMIT}
 *       attempts.
 *   <li>No empty success: {@link #finish} waits for the provider's explicit end (the codec's {@link
 *       ProtocolCodec.Events#drained()} or a normal close); when the caller's timeout runs out
 *       first it fails with a {@code finish_timeout} {@link ProviderException}, and a session that
 *       sent at least a second of audio without any answer fails with {@code no_response}.
 *   <li>A socket whose outgoing queue exceeds {@link StreamingConfig#maxQueuedBytes()} counts as
 *       stalled and is replaced (the audio stays buffered).
 * </ul>
 *
 * <p>Threads: none of its own. The caller's thread sends; the transport's threads deliver server
 * messages; the provider's scheduler runs timers. State is guarded by one lock held only for short,
 * non-blocking work; listener callbacks run after the lock is released, in order (a small queue,
 * drained by whichever thread produced the events; above 4096 queued events partial results are
 * dropped, nothing else is).
 */
public final class StreamingSttSession implements SttSession {
  private static final Logger log = LoggerFactory.getLogger(StreamingSttSession.class);
  private static final int MAX_DEFERRED = 4096;

  /**
   * Below this much audio a server may legitimately stay silent (nothing to commit, a tail after a
   * final): the watchdog and the end-of-stream "no answer" check need at least this much.
   */
  static final long MIN_AUDIO_FOR_ANSWER_MS = 1000;

  /** Attempts that never became ready, before any did, after which the session fails. */
  static final int NEVER_OPENED_LIMIT = 4;

  enum State {
    CONNECTING,
    OPEN,
    STREAMING,
    FINALIZING,
    WAITING,
    CLOSED
  }

  private final StreamingConfig config;
  private final SttSessionOptions options;
  private final Listener listener;
  private final String provider;
  private final String logPrefix;
  private final int sampleRate;
  private final int channels;
  private final int chunkSamples;
  private final ReplayBuffer buffer;
  private final Backoff backoff;
  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled when audio went out or the state changed: a waiting {@code send} re-checks. */
  private final Condition room = lock.newCondition();

  private final boolean canWait;
  private final long waitAheadSamples;
  private final long responseTimeoutNanos;
  private final long minAnswerSamples;

  /** A chunk that wraps around the replay buffer's end is sent from here. */
  private final byte[] byteScratch;

  /** Keep-alive silence, made on first use. */
  private byte @Nullable [] zeros;

  private final CompletableFuture<Void> finished = new CompletableFuture<>();

  // guarded by lock
  private State state = State.CONNECTING;
  private @Nullable Connection conn;
  private int connectionCount;
  private long watermark;
  private boolean flushPending;
  private boolean finishing;
  private boolean sendClosed;

  /** The caller called finish() or close(): a later send is a programming error. */
  private boolean endedByCaller;

  private boolean failedOrClosed;
  private @Nullable Long downSinceNanos;
  private int lastAttempt;
  private @Nullable ScheduledFuture<?> tickTask;
  private @Nullable ScheduledFuture<?> retryTask;
  private @Nullable ScheduledFuture<?> finishTimeoutTask;
  private long finishTimeoutMs;
  private long lostSamples;
  private long gapLostSamples; // dropped since the current gap began, reported once when it ends
  private long gapStartedNanos;
  private boolean gapWhileDown;
  private boolean answered; // the server sent something after audio went out on its connection
  private int silentConnections; // connections in a row the watchdog replaced that never answered
  private boolean everReady; // some connection became ready to stream
  private boolean warnedNoFinals;
  private int openFailures; // attempts in a row that never became ready, before the first one did
  private boolean firstResultSeen;
  private final long createdNanos;

  // deferred callbacks, run outside the lock in order
  private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
  private final Object deferredLock = new Object();
  private boolean draining;
  private long droppedPartials;

  private StreamingSttSession(
      StreamingConfig config, SttSessionOptions options, Listener listener) {
    this.config = config;
    this.options = options;
    this.listener = listener;
    this.provider = config.provider();
    this.logPrefix = provider + " [" + options.streamId() + "]";
    this.sampleRate = config.format().sampleRate();
    this.channels = config.format().channels();
    this.chunkSamples = (int) (config.chunk().toNanos() * sampleRate / 1_000_000_000L) * channels;
    long capacity = config.replayBuffer().toMillis() * sampleRate / 1000 * channels;
    this.buffer = new ReplayBuffer((int) capacity);
    this.canWait = options.sourceCanWait();
    this.waitAheadSamples =
        Math.max(chunkSamples, config.waitAhead().toMillis() * sampleRate / 1000 * channels);
    this.responseTimeoutNanos = config.responseTimeout().toNanos();
    this.minAnswerSamples = MIN_AUDIO_FOR_ANSWER_MS * sampleRate / 1000 * channels;
    this.backoff = new Backoff(config.reconnectPolicy(), config.random());
    this.byteScratch = new byte[Math.max(chunkSamples, 1) * 2];
    this.createdNanos = config.nanoTime().getAsLong();
  }

  /**
   * Creates the session and starts connecting in the background. Providers open sessions through
   * {@link dev.audiopipeline.spi.StreamingSessions}, which owns the scheduler and tracks them.
   */
  public static StreamingSttSession open(
      StreamingConfig config, SttSessionOptions options, Listener listener) {
    Objects.requireNonNull(config, "config == null");
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(listener, "listener == null");
    StreamingSttSession s = new StreamingSttSession(config, options, listener);
    s.lock.lock();
    try {
      s.connect();
    } finally {
      s.lock.unlock();
    }
    s.drain();
    return s;
  }

  // ---------------------------------------------------------------- SttSession

  @Override
  public void send(short[] samples, int offset, int length) {
    Objects.requireNonNull(samples, "samples == null");
    if (length <= 0) {
      throw new IllegalArgumentException("length " + length + ": send at least one sample");
    }
    if (offset < 0 || offset + length > samples.length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + " length " + length + " outside array of " + samples.length);
    }
    if (length % channels != 0) {
      throw new IllegalArgumentException(
          "length " + length + " is not a multiple of " + channels + " channels");
    }
    lock.lock();
    try {
      if (endedByCaller) {
        throw new IllegalStateException(logPrefix + ": send after finish() or close()");
      }
      if (failedOrClosed || sendClosed) {
        // the session failed (its Failed event is delivered, or on its way): audio is discarded,
        // not refused, so a caller racing the failure sees the real cause, not this send
        return;
      }
      if (canWait) {
        sendWaiting(samples, offset, length);
      } else {
        append(samples, offset, length);
      }
    } finally {
      lock.unlock();
    }
    drain();
  }

  /** Live audio: drop-oldest beyond the replay buffer, counted per gap (under the lock). */
  private void append(short[] samples, int offset, int length) {
    long lost = buffer.append(samples, offset, length);
    if (lost > 0) {
      if (gapLostSamples == 0) {
        gapStartedNanos = now();
        gapWhileDown = state != State.STREAMING && state != State.FINALIZING;
        log.debug(
            "{} replay buffer full: dropping the oldest audio until the provider takes it",
            logPrefix);
      }
      gapLostSamples += lost;
      lostSamples += lost;
    } else if (gapLostSamples > 0 && state == State.STREAMING) {
      reportGap(); // the gap ended
    }
    if (state == State.STREAMING) {
      pump(false);
    }
  }

  /**
   * A source that can wait: appends only what fits without dropping audio a provider still needs,
   * waiting (lock released) until the connection takes audio, the session ends, or the thread is
   * interrupted (then the rest goes the live way: counted if dropped, and the interrupt flag is
   * kept). The wait is bounded by the reconnect policy: when it gives up the session fails.
   */
  private void sendWaiting(short[] samples, int offset, int length) {
    int slice = Math.max(channels, buffer.capacity() / 4 / channels * channels);
    int off = offset;
    int left = length;
    while (left > 0) {
      int n = Math.min(left, slice);
      long blockedSince = 0;
      while (!hasRoom(n, blockedSince)) {
        if (failedOrClosed) {
          return;
        }
        if (blockedSince == 0) {
          blockedSince = now();
        }
        askForFinalsIfFull(n);
        try {
          room.awaitNanos(50_000_000L);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          log.debug("{} interrupted while waiting for the provider", logPrefix);
          append(samples, off, left);
          return;
        }
      }
      if (failedOrClosed) {
        return;
      }
      buffer.append(samples, off, n); // loses nothing: hasRoom checked it
      if (state == State.STREAMING) {
        pump(false);
      }
      off += n;
      left -= n;
    }
  }

  /**
   * Whether {@code n} more samples fit for a source that can wait: nothing that is not finalized
   * yet is evicted (a reconnect replays it; room comes from finals), and while streaming at most
   * {@link StreamingConfig#waitAhead()} waits unsent. Only if the provider gave no final for {@link
   * StreamingConfig#responseTimeout()} while the buffer was full does audio this connection already
   * sent make room (logged: a later reconnect cannot replay it).
   */
  private boolean hasRoom(int n, long blockedSince) {
    long evictTo = buffer.end() + n - buffer.capacity(); // append drops [start, evictTo)
    Connection c = conn;
    if (c != null && c.ws != null && (state == State.STREAMING || state == State.FINALIZING)) {
      if (buffer.end() - c.sentPos >= waitAheadSamples) {
        return false;
      }
      if (evictTo <= buffer.start()) {
        return true;
      }
      if (blockedSince != 0
          && now() - blockedSince >= responseTimeoutNanos
          && evictTo <= c.sentPos) {
        if (!warnedNoFinals) {
          warnedNoFinals = true;
          log.warn(
              "{} no final for {} ms of sent audio: making room with audio already sent"
                  + " (a reconnect cannot replay it)",
              logPrefix,
              samplesToMs(c.sentPos - watermark));
        }
        return true;
      }
      return false;
    }
    return evictTo <= buffer.start(); // disconnected: everything kept is for the replay
  }

  /**
   * The buffer is full of audio without finals while streaming: ask the provider for finals
   * (Finalize / commit), once per finalized position, so that room comes.
   */
  private void askForFinalsIfFull(int n) {
    Connection c = conn;
    if (c == null
        || c.ws == null
        || state != State.STREAMING
        || buffer.end() + n - buffer.capacity() <= buffer.start()
        || c.pressureFlushAt == watermark
        || c.sentPos <= watermark) {
      return;
    }
    c.pressureFlushAt = watermark;
    log.debug("{} replay buffer full of audio without finals: asking for finals", logPrefix);
    c.codec.flush(c.ws);
    c.lastSendNanos = now();
  }

  @Override
  public void flush() {
    lock.lock();
    try {
      if (failedOrClosed || finishing) {
        return;
      }
      Connection c = conn;
      if (state == State.STREAMING && c != null && c.ws != null) {
        pump(true);
        if (c.sentPos >= buffer.end()) {
          c.codec.flush(c.ws);
          c.lastSendNanos = now();
        } else {
          flushPending = true; // after the paced backlog
        }
      } else {
        flushPending = true;
      }
    } finally {
      lock.unlock();
    }
    drain();
  }

  @Override
  public CompletionStage<Void> finish(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout == null");
    lock.lock();
    try {
      endedByCaller = true;
      if (failedOrClosed || finishing) {
        sendClosed = true;
        return finished.copy();
      }
      finishing = true;
      sendClosed = true;
      finishTimeoutMs = timeout.toMillis();
      finishTimeoutTask =
          config
              .scheduler()
              .schedule(this::onFinishTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (state == State.STREAMING) {
        maybeBeginFinalize();
      }
    } finally {
      lock.unlock();
    }
    drain();
    return finished.copy();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      endedByCaller = true;
      sendClosed = true;
      if (!failedOrClosed) {
        shutdown("closed by caller");
      }
    } finally {
      lock.unlock();
    }
    drain();
  }

  /**
   * Completes when the session is closed for any reason (finished, failed, closed); exceptionally
   * with the error when it failed. Providers use it to forget their sessions.
   */
  public CompletionStage<Void> closed() {
    return finished.copy();
  }

  @Override
  public String toString() {
    return "StreamingSttSession{" + logPrefix + ", state=" + state + "}";
  }

  // ---------------------------------------------------------------- state machine (under lock)

  private long now() {
    return config.nanoTime().getAsLong();
  }

  private void connect() {
    long from = Math.max(watermark, buffer.start());
    Connection c = new Connection(++connectionCount, from, config.codecFactory().get());
    conn = c;
    state = State.CONNECTING;
    defer(() -> options.listener().connectStart(provider, options.streamId()));
    log.debug("{} connecting (connection {}) to {}", logPrefix, c.index, c.request.redactedUri());
    c.readyTimeoutTask =
        config
            .scheduler()
            .schedule(
                () -> readyTimedOut(c), config.readyTimeout().toNanos(), TimeUnit.NANOSECONDS);
    try {
      WebSocketConnection handle = config.transport().open(c.request, c);
      if (c.ws == null && conn == c) {
        c.pendingHandle = handle;
      }
    } catch (IllegalArgumentException e) {
      // the request itself is unusable (a malformed URL, a header value): retrying cannot help
      String full = c.request.uri().toString();
      String why = String.valueOf(e.getMessage()).replace(full, c.request.redactedUri());
      c.cancelReadyTimeout();
      fail(
          new ProviderException(
              provider,
              "cannot open a connection to " + c.request.redactedUri() + ": " + why,
              ProviderException.NONE,
              ProviderException.NONE,
              "invalid_request",
              false,
              null));
    } catch (RuntimeException e) {
      connectionLost(
          c,
          new ConnectionException(
              provider + ": cannot open connection: " + e.getClass().getSimpleName(),
              new IOException(e.getMessage() == null ? e.toString() : e.getMessage())));
    }
  }

  /** The upgrade or the provider's greeting did not come in time: try another connection. */
  private void readyTimedOut(Connection c) {
    lock.lock();
    try {
      if (conn != c || failedOrClosed || (state != State.CONNECTING && state != State.OPEN)) {
        return;
      }
      ProviderException e =
          new ProviderException(
              provider,
              "connection not ready within "
                  + config.readyTimeout().toMillis()
                  + " ms ("
                  + (state == State.OPEN ? "no greeting after the upgrade" : "no upgrade response")
                  + ")",
              ProviderException.NONE,
              ProviderException.NONE,
              null,
              true,
              null);
      c.cancel();
      connectionLost(c, e);
    } finally {
      lock.unlock();
    }
    drain();
  }

  private void onReady(Connection c) {
    if (conn != c || state != State.OPEN) {
      return;
    }
    c.cancelReadyTimeout();
    long t = now();
    c.readyNanos = t;
    c.lastSendNanos = t;
    everReady = true;
    state = State.STREAMING;
    long took = t - c.startedNanos;
    defer(
        () -> options.listener().connectEnd(provider, options.streamId(), Duration.ofNanos(took)));
    reportGap(); // the outage is over: one line for what it cost
    room.signalAll();
    if (downSinceNanos != null) {
      Duration downtime = Duration.ofNanos(t - downSinceNanos);
      int attempt = lastAttempt;
      downSinceNanos = null;
      log.info(
          "{} reconnected after {} ms (attempt {}), replaying {} ms",
          logPrefix,
          downtime.toMillis(),
          attempt,
          samplesToMs(buffer.end() - c.sentPos));
      emit(new TranscriptEvent.Reconnected(attempt, downtime));
    } else {
      log.info("{} connected in {} ms", logPrefix, took / 1_000_000);
    }
    startTick();
    pump(false);
    if (flushPending && c.sentPos >= buffer.end()) {
      flushPending = false;
      c.codec.flush(c.ws());
    }
    maybeBeginFinalize();
  }

  private void startTick() {
    if (tickTask == null) {
      long p = config.tick().toNanos();
      tickTask = config.scheduler().scheduleAtFixedRate(this::tick, p, p, TimeUnit.NANOSECONDS);
    }
  }

  private void stopTick() {
    ScheduledFuture<?> t = tickTask;
    if (t != null) {
      t.cancel(false);
      tickTask = null;
    }
  }

  /** Sends buffered audio: whole chunks, or everything when {@code tail}. */
  private void pump(boolean tail) {
    Connection c = conn;
    if (c == null || c.ws == null || (state != State.STREAMING && state != State.FINALIZING)) {
      return;
    }
    WebSocketConnection ws = c.ws;
    long before = c.sentPos;
    try {
      pumpChunks(c, ws, tail);
    } finally {
      if (c.sentPos != before) {
        room.signalAll();
      }
    }
  }

  private void pumpChunks(Connection c, WebSocketConnection ws, boolean tail) {
    while (c.sentPos < buffer.end()) {
      if (c.sentPos < buffer.start()) {
        // audio that never went out was dropped: jump, keeping the clock on the session timeline
        c.sentPos = buffer.start();
        c.clock.jumpTo(c.sentPos / channels);
        continue;
      }
      int n = (int) Math.min(chunkSamples, buffer.end() - c.sentPos);
      if (n < chunkSamples && !tail) {
        break;
      }
      if (!paceAllows(c, n)) {
        break; // the tick sends the rest
      }
      if (ws.queueSize() > config.maxQueuedBytes()) {
        stalled(c);
        return;
      }
      // the buffer holds the wire format: a slice of it, copied only when it wraps around
      boolean inPlace = buffer.isContiguous(c.sentPos, n);
      if (!inPlace) {
        buffer.copyBytes(c.sentPos, byteScratch, 0, n);
      }
      byte[] pcm = inPlace ? buffer.bytes() : byteScratch;
      if (!c.codec.sendAudio(ws, pcm, inPlace ? buffer.byteOffset(c.sentPos) : 0, 2 * n)) {
        return; // closing; the close callback takes over
      }
      c.sentPos += n;
      c.clock.advance(n / channels);
      c.audioSent = true;
      c.callerAudioSent = true;
      c.lastSendNanos = now();
      if (c.unansweredSinceNanos == 0) {
        c.unansweredSinceNanos = c.lastSendNanos; // the watchdog waits for an answer from here
      }
      c.unansweredSamples += n;
      buffer.markDelivered(c.sentPos);
    }
  }

  private boolean paceAllows(Connection c, int n) {
    double factor = c.codec.maxRealtimeFactor();
    if (factor <= 0 || Double.isInfinite(factor)) {
      return true;
    }
    double elapsedS = (now() - c.readyNanos) / 1e9;
    double allowedS = config.replayBurst().toNanos() / 1e9 + factor * elapsedS;
    double afterS = (double) (c.clock.inputFrames() + n / channels) / sampleRate;
    return afterS <= allowedS;
  }

  private void maybeBeginFinalize() {
    Connection c = conn;
    if (!finishing || state != State.STREAMING || c == null || c.ws == null) {
      return;
    }
    pump(true);
    if (c.sentPos < buffer.end()) {
      return; // paced backlog; the tick calls back here
    }
    state = State.FINALIZING;
    c.endRequested = true;
    log.debug("{} finalizing", logPrefix);
    c.codec.endOfStream(c.ws, c);
    c.lastSendNanos = now();
  }

  private void tick() {
    lock.lock();
    try {
      Connection c = conn;
      if (c == null || failedOrClosed) {
        return;
      }
      long t = now();
      if (state == State.STREAMING) {
        pump(false);
        if (conn != c) {
          return;
        }
        if (flushPending && c.sentPos >= buffer.end()) {
          flushPending = false;
          c.codec.flush(c.ws());
          c.lastSendNanos = t;
        }
        maybeBeginFinalize();
        if (state == State.STREAMING && watchdog(c, t)) {
          return;
        }
        if (state == State.STREAMING && t - c.lastSendNanos >= c.codec.keepAliveAfter().toNanos()) {
          keepAlive(c);
        }
      }
    } catch (RuntimeException e) {
      log.warn("{} housekeeping failed: {}", logPrefix, e.toString());
    } finally {
      lock.unlock();
      drain(); // also after an early return: the events of a replaced or failed connection
    }
  }

  /**
   * The server-silence watchdog (under the lock, while streaming): audio went out and nothing came
   * back for {@link StreamingConfig#responseTimeout()}. Half-way it asks for an answer with a
   * flush; at the end the connection counts as dead. Returns whether it replaced the connection.
   */
  private boolean watchdog(Connection c, long t) {
    if (c.unansweredSinceNanos == 0 || c.unansweredSamples < minAnswerSamples) {
      return false; // a short tail (a muted speaker's last frames) may legitimately get no answer
    }
    long waited = t - c.unansweredSinceNanos;
    if (waited >= responseTimeoutNanos) {
      noResponse(c, waited);
      return true;
    }
    if (!c.probed && waited >= responseTimeoutNanos / 2) {
      c.probed = true;
      log.debug(
          "{} no answer for {} ms after audio: asking with a flush", logPrefix, waited / 1_000_000);
      c.codec.flush(c.ws());
      c.lastSendNanos = t;
    }
    return false;
  }

  private void noResponse(Connection c, long waitedNanos) {
    long ms = waitedNanos / 1_000_000;
    silentConnections = c.answeredAudio ? 0 : silentConnections + 1;
    c.cancel();
    if (silentConnections >= 2) {
      fail(
          new ProviderException(
              provider,
              "no answer from the server to the audio sent on "
                  + silentConnections
                  + " connections in a row (each waited "
                  + ms
                  + " ms; responseTimeout "
                  + config.responseTimeout().toMillis()
                  + " ms)",
              ProviderException.NONE,
              ProviderException.NONE,
              "no_response",
              false,
              null));
      return;
    }
    log.warn(
        "{} no answer from the server for {} ms after sending audio: replacing the" + " connection",
        logPrefix,
        ms);
    connectionLost(
        c,
        new ProviderException(
            provider,
            "no answer from the server for " + ms + " ms after sending audio (responseTimeout)",
            ProviderException.NONE,
            ProviderException.NONE,
            "no_response",
            true,
            null));
  }

  private void keepAlive(Connection c) {
    WebSocketConnection ws = c.ws();
    int silenceMs = c.codec.keepAliveSilenceMs(c.audioSent);
    if (silenceMs > 0) {
      int n = silenceMs * sampleRate / 1000 * channels;
      byte[] z = zeros;
      if (z == null || z.length < 2 * n) {
        z = new byte[2 * n];
        zeros = z;
      }
      if (c.codec.sendAudio(ws, z, 0, 2 * n)) {
        c.clock.insert(n / channels);
        c.audioSent = true;
      }
      log.trace("{} keep-alive: {} ms of silence", logPrefix, silenceMs);
    } else {
      c.codec.sendKeepAlive(ws);
      log.trace("{} keep-alive message", logPrefix);
    }
    c.lastSendNanos = now();
  }

  private void stalled(Connection c) {
    log.warn(
        "{} socket stalled: {} bytes queued (limit {}); replacing the connection",
        logPrefix,
        c.ws().queueSize(),
        config.maxQueuedBytes());
    c.cancel();
    connectionLost(
        c,
        new ConnectionException(
            provider + ": socket stalled (peer not reading)",
            new IOException("outgoing queue above " + config.maxQueuedBytes() + " bytes")));
  }

  /** A connection ended without the session asking for it (or could not be opened). */
  private void connectionLost(Connection c, AudioPipelineException cause) {
    if (conn != c || failedOrClosed) {
      return;
    }
    conn = null;
    stopTick();
    c.cancelReadyTimeout();
    boolean retryable =
        cause instanceof ProviderException p
            ? p.isRetryable()
            : !(cause instanceof dev.audiopipeline.ProtocolException);
    if (!retryable) {
      fail(cause);
      return;
    }
    Backoff.Decision d = backoff.onDrop(now(), c.readyNanos == 0 ? null : c.readyNanos);
    if (!everReady && c.readyNanos == 0 && ++openFailures >= NEVER_OPENED_LIMIT && d.retry()) {
      // never connected at all (nothing listening, unknown host, handshake timing out): a
      // configuration or outage that retrying for a minute will not fix; say so promptly
      d =
          new Backoff.Decision(
              0,
              Duration.ZERO,
              "could not open a first connection in " + openFailures + " attempts");
    }
    if (!d.retry()) {
      // the new exception repeats the provider, status, close code and type itself: compose its
      // message from the last error's own text, not from its getMessage()
      fail(
          new ProviderException(
              provider,
              Objects.requireNonNull(d.giveUpReason()) + "; last error: " + detail(cause),
              errStatus(cause),
              errClose(cause),
              cause instanceof ProviderException p ? p.errorType() : null,
              false,
              cause));
      return;
    }
    if (downSinceNanos == null) {
      downSinceNanos = now();
    }
    lastAttempt = d.attempt();
    state = State.WAITING;
    log.warn(
        "{} connection lost ({}); reconnect attempt {} in {} ms",
        logPrefix,
        cause.getMessage(),
        d.attempt(),
        d.delay().toMillis());
    emit(new TranscriptEvent.Reconnecting(d.attempt(), d.delay(), cause));
    int attempt = d.attempt();
    defer(() -> options.listener().reconnect(provider, options.streamId(), attempt, cause));
    retryTask =
        config
            .scheduler()
            .schedule(
                () -> {
                  lock.lock();
                  try {
                    if (state == State.WAITING && !failedOrClosed) {
                      connect();
                    }
                  } finally {
                    lock.unlock();
                  }
                  drain();
                },
                d.delay().toNanos(),
                TimeUnit.NANOSECONDS);
  }

  /**
   * The text of {@code e}'s message without what a {@link ProviderException} adds around it (the
   * {@code "provider: "} prefix and the status, close code and type suffix), so that an exception
   * wrapping it can add them once.
   */
  static String detail(AudioPipelineException e) {
    String m = String.valueOf(e.getMessage());
    if (e instanceof ProviderException p) {
      String prefix = p.provider() + ": ";
      String bare =
          new ProviderException(
                  p.provider(), "", p.httpStatus(), p.closeCode(), p.errorType(), false, null)
              .getMessage();
      String suffix =
          bare == null || !bare.startsWith(prefix) ? "" : bare.substring(prefix.length());
      if (m.startsWith(prefix)) {
        m = m.substring(prefix.length());
      }
      if (!suffix.isEmpty() && m.endsWith(suffix)) {
        m = m.substring(0, m.length() - suffix.length());
      }
      return m;
    }
    int colon = m.indexOf(": ");
    return colon > 0 && colon < 40 && m.substring(0, colon).indexOf(' ') < 0
        ? m.substring(colon + 2)
        : m; // "deepgram: connection failed: ..." → "connection failed: ..."
  }

  private static int errStatus(AudioPipelineException e) {
    return e instanceof ProviderException p ? p.httpStatus() : ProviderException.NONE;
  }

  private static int errClose(AudioPipelineException e) {
    return e instanceof ProviderException p ? p.closeCode() : ProviderException.NONE;
  }

  private void fail(AudioPipelineException error) {
    if (failedOrClosed) {
      return;
    }
    reportGap(); // before the terminal event: nothing follows Failed
    log.warn("{} failed: {}", logPrefix, error.getMessage());
    emit(new TranscriptEvent.Failed(error));
    terminate("failed: " + error.getMessage(), 1000);
    defer(() -> finished.completeExceptionally(error));
  }

  private void completeFinish() {
    if (failedOrClosed) {
      return;
    }
    long sentMs = samplesToMs(buffer.delivered());
    if (!answered && sentMs >= MIN_AUDIO_FOR_ANSWER_MS) {
      // no empty success: the server took the audio and said nothing about it
      fail(
          new ProviderException(
              provider,
              "the server sent no answer to " + sentMs + " ms of audio before ending the stream",
              ProviderException.NONE,
              ProviderException.NONE,
              "no_response",
              false,
              null));
      return;
    }
    log.info("{} finished", logPrefix);
    terminate("finished", 1000);
    defer(() -> finished.complete(null)); // after the events before it
  }

  private void onFinishTimeout() {
    lock.lock();
    try {
      if (failedOrClosed) {
        return;
      }
      long unfinalized = buffer.end() - watermark;
      long ms = samplesToMs(unfinalized);
      // no empty success: the caller is told the transcript may be incomplete
      fail(
          new ProviderException(
              provider,
              "the last finals did not come within "
                  + finishTimeoutMs
                  + " ms of finish() (state "
                  + state
                  + "; up to "
                  + ms
                  + " ms of audio may have no final)",
              ProviderException.NONE,
              ProviderException.NONE,
              "finish_timeout",
              false,
              null));
    } finally {
      lock.unlock();
    }
    drain();
  }

  private void shutdown(String reason) {
    terminate(reason, 1000);
    defer(() -> finished.complete(null)); // after the events before it
  }

  private void terminate(String reason, int code) {
    reportGap();
    room.signalAll(); // a waiting send returns
    failedOrClosed = true;
    sendClosed = true;
    state = State.CLOSED;
    stopTick();
    ScheduledFuture<?> r = retryTask;
    if (r != null) {
      r.cancel(false);
    }
    ScheduledFuture<?> f = finishTimeoutTask;
    if (f != null) {
      f.cancel(false);
    }
    Connection c = conn;
    conn = null;
    if (c != null) {
      c.cancelReadyTimeout();
      if (c.ws != null) {
        c.ws.close(code, reason.length() > 100 ? reason.substring(0, 100) : reason);
      } else {
        c.cancel();
      }
    }
    defer(() -> options.listener().sessionClosed(options.streamId(), reason));
  }

  /**
   * Reports the current gap (live audio dropped beyond the replay buffer) once, with its total: one
   * WARN line, one {@link TranscriptEvent.AudioDropped}, one {@link PipelineListener#audioDropped}.
   * Called when the gap ends (reconnected, an append that lost nothing, or the session ends). Under
   * the lock.
   */
  private void reportGap() {
    long samples = gapLostSamples;
    if (samples == 0) {
      return;
    }
    gapLostSamples = 0;
    long ms = samplesToMs(samples);
    long overMs = (now() - gapStartedNanos) / 1_000_000;
    String where =
        "replay buffer of "
            + config.replayBuffer().toMillis()
            + " ms full "
            + (gapWhileDown ? "while disconnected" : "while the provider was behind");
    log.warn(
        "{} dropped {} ms of audio over {} ms ({}); {} ms lost in total",
        logPrefix,
        ms,
        overMs,
        where,
        samplesToMs(lostSamples));
    emit(new TranscriptEvent.AudioDropped(ms, where));
    defer(
        () ->
            options.listener().audioDropped(options.streamId(), samples, provider + ": " + where));
  }

  private long samplesToMs(long interleaved) {
    return interleaved / channels * 1000 / sampleRate;
  }

  // ---------------------------------------------------------------- results

  private void onResult(Connection c, TranscriptEvent.Result r) {
    if (conn != c || failedOrClosed) {
      return;
    }
    long latest = r.words().stream().mapToLong(Word::endMs).reduce(r.endMs(), Math::max);
    if (latest > c.clock.inputMs() + TimeMap.MAX_RESULT_AHEAD_MS) { // a provider's absurd times
      log.warn(
          "{} skipped a result timed up to {} ms: this connection has sent {} ms of audio",
          logPrefix,
          latest,
          c.clock.inputMs());
      return;
    }
    // provider times are clamped to the audio this connection carried: a hostile or broken
    // server's huge or negative numbers cannot move results off the timeline
    long start = c.clock.toOutputMs(c.clamp(r.startMs()));
    long end = Math.max(start, c.clock.toOutputMs(c.clamp(r.endMs())));
    List<Word> words = new ArrayList<>(r.words().size());
    for (Word w : r.words()) {
      long ws = c.clock.toOutputMs(c.clamp(w.startMs()));
      words.add(
          new Word(
              w.text(), ws, Math.max(ws, c.clock.toOutputMs(c.clamp(w.endMs()))), w.confidence()));
    }
    TranscriptEvent.Result mapped =
        new TranscriptEvent.Result(
            r.isFinal(),
            r.text(),
            start,
            end,
            r.language(),
            r.confidence(),
            words,
            "c" + c.index + "-" + r.segmentId());
    if (!firstResultSeen) {
      firstResultSeen = true;
      Duration latency = Duration.ofNanos(Math.max(0, now() - createdNanos - end * 1_000_000L));
      defer(() -> options.listener().firstTranscript(options.streamId(), latency));
    }
    emit(mapped);
  }

  private void onFinalizedUpTo(Connection c, long providerMs) {
    if (conn != c) {
      return;
    }
    long sessionSamples = c.clock.toOutputMs(c.clamp(providerMs)) * sampleRate / 1000 * channels;
    long pos = Math.min(sessionSamples, c.sentPos);
    if (pos > watermark) {
      watermark = pos;
      buffer.discardBefore(pos);
    }
  }

  private void onProviderError(Connection c, ProviderException e) {
    if (conn != c || failedOrClosed) {
      return;
    }
    if (!e.isRetryable()) {
      fail(e);
    } else {
      c.cancel();
      connectionLost(c, e);
    }
  }

  private void onServerClose(Connection c, int code, String reason) {
    if (conn != c || failedOrClosed) {
      return;
    }
    ProviderException e = c.codec.onClose(code, reason, c.endRequested);
    if (e == null) {
      if (state == State.FINALIZING) {
        completeFinish();
        return;
      }
      e =
          new ProviderException(
              provider,
              "server closed the connection unexpectedly",
              ProviderException.NONE,
              code,
              reason.isEmpty() ? null : reason,
              true,
              null);
    }
    connectionLost(c, e);
  }

  // ---------------------------------------------------------------- deferred callbacks

  private void emit(TranscriptEvent e) {
    defer(
        () -> {
          try {
            listener.onEvent(e);
          } catch (RuntimeException ex) {
            log.debug(
                "{} listener threw on {}: {}",
                logPrefix,
                e.getClass().getSimpleName(),
                ex.toString());
          }
        },
        e instanceof TranscriptEvent.Result r && !r.isFinal());
  }

  private void defer(Runnable r) {
    defer(
        () -> {
          try {
            r.run();
          } catch (RuntimeException ex) {
            log.debug("{} metrics listener threw: {}", logPrefix, ex.toString());
          }
        },
        false);
  }

  private void defer(Runnable r, boolean droppable) {
    synchronized (deferredLock) {
      if (droppable && deferred.size() >= MAX_DEFERRED) {
        droppedPartials++;
        return;
      }
      deferred.add(r);
    }
  }

  /** Runs deferred callbacks in order, on one thread at a time, outside the session lock. */
  private void drain() {
    if (lock.isHeldByCurrentThread()) {
      return; // the outermost caller drains after releasing the lock
    }
    while (true) {
      Runnable r;
      synchronized (deferredLock) {
        if (draining) {
          return;
        }
        r = deferred.poll();
        if (r == null) {
          return;
        }
        draining = true;
      }
      try {
        r.run();
      } finally {
        synchronized (deferredLock) {
          draining = false;
        }
      }
    }
  }

  // ---------------------------------------------------------------- one connection

  private final class Connection implements WebSocketHandler, ProtocolCodec.Events {
    final int index;
    final ProtocolCodec codec;
    final WebSocketRequest request;

    /** This connection's audio (what the provider counts) to the session's sent audio. */
    final TimeMap clock;

    final long startedNanos;
    @Nullable WebSocketConnection ws;
    @Nullable WebSocketConnection pendingHandle;
    @Nullable ScheduledFuture<?> readyTimeoutTask;
    long sentPos;
    long readyNanos;
    long lastSendNanos;
    boolean audioSent;
    boolean callerAudioSent;
    boolean answeredAudio;
    boolean probed;
    long unansweredSinceNanos;
    long unansweredSamples;
    long pressureFlushAt = -1;
    boolean endRequested;
    long quietNanos;
    long lastServerMessageNanos;

    Connection(int index, long from, ProtocolCodec codec) {
      this.index = index;
      this.codec = codec;
      this.request = codec.request();
      this.sentPos = from;
      this.clock = new TimeMap(sampleRate, from / channels);
      this.startedNanos = now();
    }

    WebSocketConnection ws() {
      return Objects.requireNonNull(ws, "not open");
    }

    /** {@code providerMs} within [0, audio sent on this connection]. */
    long clamp(long providerMs) {
      return Math.max(0, Math.min(providerMs, clock.inputMs()));
    }

    /** A server message arrived (under the lock): the watchdog rests, the audio is answered. */
    void heard() {
      lastServerMessageNanos = now();
      unansweredSinceNanos = 0;
      unansweredSamples = 0;
      probed = false;
      if (callerAudioSent) {
        answeredAudio = true;
        answered = true;
        silentConnections = 0;
      }
    }

    void cancelReadyTimeout() {
      ScheduledFuture<?> rt = readyTimeoutTask;
      if (rt != null) {
        rt.cancel(false);
      }
    }

    void cancel() {
      cancelReadyTimeout();
      WebSocketConnection w = ws != null ? ws : pendingHandle;
      if (w != null) {
        w.cancel();
      }
    }

    @Override
    public void onOpen(WebSocketConnection connection, Map<String, String> responseHeaders) {
      lock.lock();
      try {
        if (conn != this || failedOrClosed) {
          connection.close(1000, "session no longer needs this connection");
          return;
        }
        ws = connection;
        state = State.OPEN;
        String requestId =
            responseHeaders.getOrDefault(
                "dg-request-id",
                responseHeaders.getOrDefault("x-trace-id", responseHeaders.get("request-id")));
        log.debug(
            "{} connection {} open{}",
            logPrefix,
            index,
            requestId != null ? " (request id " + Secrets.serverText(requestId) + ")" : "");
        if (codec.readyOnOpen()) {
          onReady(this);
        }
      } finally {
        lock.unlock();
      }
      drain();
    }

    @Override
    public void onText(String text) {
      lock.lock();
      try {
        if (conn != this || failedOrClosed) {
          return;
        }
        heard();
        try {
          codec.onText(text, this);
        } catch (Exception e) {
          log.warn(
              "{} skipped a malformed message ({} chars): {}",
              logPrefix,
              text.length(),
              Secrets.serverText(e.toString()));
        }
      } finally {
        lock.unlock();
      }
      drain();
    }

    @Override
    public void onBinary(byte[] data) {
      lock.lock();
      try {
        if (conn != this || failedOrClosed) {
          return;
        }
        heard();
        try {
          codec.onBinary(data, this);
        } catch (Exception e) {
          log.warn(
              "{} skipped a malformed binary message ({} bytes): {}",
              logPrefix,
              data.length,
              Secrets.serverText(e.toString()));
        }
      } finally {
        lock.unlock();
      }
      drain();
    }

    @Override
    public void onClosing(int code, String reason) {
      lock.lock();
      try {
        log.debug(
            "{} connection {} closing: {} {}", logPrefix, index, code, Secrets.serverText(reason));
        onServerClose(this, code, reason);
      } finally {
        lock.unlock();
      }
      drain();
    }

    @Override
    public void onClosed(int code, String reason) {
      onClosing(code, reason);
    }

    @Override
    public void onFailure(Throwable error, @Nullable HttpFailure response) {
      lock.lock();
      try {
        if (conn != this || failedOrClosed) {
          return;
        }
        AudioPipelineException e;
        if (response != null) {
          e = codec.onHandshakeFailure(response);
        } else {
          IOException io =
              error instanceof IOException x ? x : new IOException(error.toString(), error);
          e =
              new ConnectionException(
                  provider
                      + ": connection failed: "
                      + io.getClass().getSimpleName()
                      + (io.getMessage() != null ? " " + io.getMessage() : ""),
                  io);
        }
        connectionLost(this, e);
      } finally {
        lock.unlock();
      }
      drain();
    }

    // Events (called by the codec under the lock)

    @Override
    public void ready() {
      onReady(this);
    }

    @Override
    public void result(TranscriptEvent.Result result) {
      onResult(this, result);
    }

    @Override
    public void finalizedUpTo(long providerMs) {
      onFinalizedUpTo(this, providerMs);
    }

    @Override
    public void error(ProviderException error) {
      onProviderError(this, error);
    }

    @Override
    public void drained() {
      if (conn == this && state == State.FINALIZING) {
        completeFinish();
      }
    }

    @Override
    public void drainedWhenQuiet(Duration quiet) {
      quietNanos = quiet.toNanos();
      lastServerMessageNanos = now();
      scheduleQuietCheck(quietNanos);
    }

    private void scheduleQuietCheck(long delayNanos) {
      config
          .scheduler()
          .schedule(
              () -> {
                lock.lock();
                try {
                  if (conn != this || state != State.FINALIZING || failedOrClosed) {
                    return;
                  }
                  long left = lastServerMessageNanos + quietNanos - now();
                  if (left <= 0) {
                    completeFinish();
                  } else {
                    scheduleQuietCheck(left);
                  }
                } finally {
                  lock.unlock();
                }
                drain();
              },
              Math.max(1, delayNanos),
              TimeUnit.NANOSECONDS);
    }

    @Override
    public long audioSentMs() {
      return clock.inputMs();
    }
  }
}
