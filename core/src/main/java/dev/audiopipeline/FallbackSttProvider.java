package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.internal.runtime.ReplayBuffer;
import dev.audiopipeline.internal.runtime.TimeMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognisers in order of preference (for example ElevenLabs, then Deepgram, then the embedded
 * one). Each session runs on the most preferred provider that works:
 *
 * <ul>
 *   <li>it switches to the next provider when the current one fails for good (auth, quota, retries
 *       exhausted) or stays down (reconnecting) longer than {@link Builder#switchAfter};
 *   <li>the audio since the current provider's last final (at most {@link Builder#replayBuffer}, 30
 *       s) is replayed into the next one, and its times are moved onto the speaker's timeline, so
 *       nothing is skipped and times stay continuous;
 *   <li>a provider whose {@code openSession} throws (bad configuration, refused at once) is passed
 *       over the same way; only when no provider opens does {@code openSession} throw (the last
 *       error, the others suppressed);
 *   <li>a switch also happens after {@link SttSession#finish} (a provider that refuses only once
 *       all the audio was sent, as in batch transcription of a file): the audio without a final is
 *       replayed into the next provider, which finishes the session with the whole finish timeout
 *       again, and the finals come from it. A finish stage that fails counts as a failure;
 *   <li>if more audio than the replay buffer had no final when a provider stopped, the part that
 *       cannot be replayed is reported as a {@link TranscriptEvent.AudioDropped}, never silently;
 *   <li>a sender that can wait is made to wait rather than lose audio: while the active provider is
 *       making its first connection and the replay buffer would otherwise push out audio that has
 *       no final, {@link SttSession#send} waits (at most {@link Builder#switchAfter}, at least 1 s,
 *       per provider) for it to connect or fail. The pipeline's drain thread is such a sender: a
 *       file read in batch mode then waits for the refusals of providers with a bad key and loses
 *       nothing, while a live source's ring buffer drops its newest frames meanwhile (audio it
 *       would have lost here anyway);
 *   <li>every switch is reported as a {@link TranscriptEvent.ProviderSwitched};
 *   <li>while it runs on a less preferred provider it probes the preferred one every {@link
 *       Builder#probeInterval} with a real session and switches back once that connects (providers
 *       that failed with a non-retryable error, such as a bad key, are not probed).
 * </ul>
 *
 * <p>It lives in core because it only composes {@link SttProvider}s. It owns one named daemon timer
 * thread, stopped by {@link #close()}; it does not close the providers it was given (their creator
 * does).
 */
public final class FallbackSttProvider implements SttProvider {
  private static final Logger log = LoggerFactory.getLogger(FallbackSttProvider.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final List<SttProvider> providers;
  private final Duration switchAfter;
  private final Duration probeInterval;
  private final Duration replayBuffer;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.Set<FallbackSession> open =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private FallbackSttProvider(Builder b) {
    this.providers = List.copyOf(b.providers);
    this.switchAfter = b.switchAfter;
    this.probeInterval = b.probeInterval;
    this.replayBuffer = b.replayBuffer;
    this.nanoTime = b.nanoTime;
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1, new NamedThreadFactory("fallback-" + INSTANCES.incrementAndGet()));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
  }

  /** The providers in order of preference; at least two, all with the same input format. */
  public static FallbackSttProvider of(SttProvider... providers) {
    Builder b = builder();
    for (SttProvider p : providers) {
      b.add(p);
    }
    return b.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "fallback";
  }

  @Override
  public AudioFormat inputFormat() {
    return providers.get(0).inputFormat();
  }

  /** The providers, most preferred first. */
  public List<SttProvider> providers() {
    return providers;
  }

  @Override
  public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(listener, "listener == null");
    if (closed.get()) {
      throw new IllegalStateException("fallback provider is closed");
    }
    FallbackSession s = new FallbackSession(options, listener);
    open.add(s);
    s.start();
    return s;
  }

  /** Closes the sessions still open and stops the timer thread. The providers stay open. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (FallbackSession s : List.copyOf(open)) {
        s.close();
      }
      timer.shutdownNow();
    }
  }

  @Override
  public String toString() {
    List<String> names = new ArrayList<>();
    for (SttProvider p : providers) {
      names.add(p.name());
    }
    return "FallbackSttProvider" + names;
  }

  private final class FallbackSession implements SttSession {
    private final SttSessionOptions options;
    private final Listener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReplayBuffer buffer;
    private final int channels;
    private final int sampleRate;
    private final boolean[] fatal = new boolean[providers.size()];
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private @Nullable Inner active;
    private @Nullable Inner probe;
    private int generation;
    private long watermark; // session samples covered by finals of the active provider
    private long reportedLostTo; // session samples up to which unreplayable audio was reported

    /** Signalled when the active provider shows life, changes, or the session ends. */
    private final java.util.concurrent.locks.Condition changed = lock.newCondition();

    private @Nullable Long downSince;
    private @Nullable ScheduledFuture<?> downCheck;
    private @Nullable ScheduledFuture<?> probeTask;
    private boolean finishing;
    private Duration finishTimeout = Duration.ZERO;
    private boolean done;
    private boolean closedByCaller;

    FallbackSession(SttSessionOptions options, Listener listener) {
      this.options = options;
      this.listener = listener;
      AudioFormat f = inputFormat();
      this.channels = f.channels();
      this.sampleRate = f.sampleRate();
      // One second more than the replay bound: the samples of a send() are appended here before
      // the inner session takes them, so an inner whose own buffer (typically the same 30 s) makes
      // the sender wait must not cost audio here first.
      this.buffer =
          new ReplayBuffer(
              (int) ((replayBuffer.toMillis() + 1_000) * f.sampleRate() / 1000 * f.channels()));
    }

    /**
     * Opens the most preferred provider that opens. A provider whose {@code openSession} throws is
     * passed over (and not probed again if the error is not retryable).
     *
     * @throws AudioPipelineException the last provider's error if none of them opens
     */
    void start() {
      lock.lock();
      try {
        AudioPipelineException last = null;
        for (int i = 0; i < providers.size(); i++) {
          try {
            active = open(i, 0);
            if (i > 0) {
              String reason =
                  providers.get(i - 1).name()
                      + " could not open a session: "
                      + (last == null ? "" : last.getMessage());
              log.warn(
                  "{} starting on {}: {}", options.streamId(), providers.get(i).name(), reason);
              emit(
                  new TranscriptEvent.ProviderSwitched(
                      providers.get(i - 1).name(), providers.get(i).name(), reason));
              scheduleProbe();
            }
            return;
          } catch (RuntimeException e) {
            AudioPipelineException error = openError(i, e);
            markFatal(i, error);
            if (last != null) {
              error.addSuppressed(last);
            }
            last = error;
          }
        }
        done = true;
        open.remove(this);
        throw Objects.requireNonNull(last);
      } finally {
        lock.unlock();
      }
    }

    private AudioPipelineException openError(int index, RuntimeException e) {
      return e instanceof AudioPipelineException ape
          ? ape
          : new AudioPipelineException(
              providers.get(index).name()
                  + " could not open a session for "
                  + options.streamId()
                  + ": "
                  + e.getMessage(),
              e);
    }

    /** Opens provider {@code index}, replaying the buffer from {@code from} (session samples). */
    private Inner open(int index, long from) {
      Inner in = new Inner(index, ++generation, from);
      // a file source's backpressure reaches the inner session too: it waits out a reconnect
      // instead of dropping (a retire closes it, which wakes a waiting send)
      SttSessionOptions o =
          new SttSessionOptions(
              options.streamId(),
              options.speaker(),
              options.language(),
              in,
              options.sourceCanWait());
      in.session = providers.get(index).openSession(o, in);
      return in;
    }

    /** Retires {@code in} (its late events and stages are ignored from now on) and closes it. */
    private void retire(Inner in) {
      lock.lock();
      try {
        signal();
      } finally {
        lock.unlock();
      }
      in.retired = true;
      in.retiredLatch.countDown();
      try {
        in.session().close();
      } catch (RuntimeException e) {
        log.debug(
            "{} closing {} failed: {}",
            options.streamId(),
            providers.get(in.index).name(),
            e.toString());
      }
    }

    /** Sends the buffer from {@code in}'s offset into it; returns the samples sent. */
    private long replayInto(Inner in) {
      long from = Math.max(in.offset, buffer.start());
      short[] chunk = new short[Math.max(channels, sampleRate / 10 * channels)];
      for (long p = from; p < buffer.end(); ) {
        int n = (int) Math.min(chunk.length, buffer.end() - p);
        buffer.copy(p, chunk, 0, n);
        in.session().send(chunk, 0, n);
        p += n;
      }
      return Math.max(0, buffer.end() - from);
    }

    @Override
    public void send(short[] samples, int offset, int length) {
      Objects.requireNonNull(samples, "samples == null");
      if (length <= 0 || length % channels != 0) {
        throw new IllegalArgumentException(
            "length " + length + ": send a positive multiple of " + channels + " samples");
      }
      Objects.checkFromIndexSize(offset, length, samples.length);
      Inner a;
      lock.lock();
      try {
        if (finishing || closedByCaller) {
          throw new IllegalStateException(options.streamId() + ": send after finish() or close()");
        }
        if (done) {
          return; // failed: Failed was delivered, audio is discarded
        }
        awaitRoom(length);
        if (done || closedByCaller) {
          return;
        }
        buffer.append(samples, offset, length);
        buffer.markDelivered(buffer.end());
        a = active;
      } finally {
        lock.unlock();
      }
      // Outside the lock: an inner session may take its time to accept audio, and its events (a
      // failure that switches providers) need the lock. A switch after the append above replays
      // these samples into the next provider, so a retired inner refusing them loses nothing.
      if (a != null) {
        try {
          a.session().send(samples, offset, length);
        } catch (RuntimeException e) {
          refused(a, e);
        }
      }
    }

    /**
     * Backpressure for a sender that can wait (the pipeline's drain thread; a file source then
     * waits for it): while the active provider is making its first connection (it reported
     * connectStart, not yet connectEnd; embedded providers never do) and appending would push audio
     * that has no final out of the replay buffer, wait, at most {@code switchAfter} (at least a
     * second) per provider, for it to connect, to fail (and the next one to take over), or for the
     * session to end. A provider that refuses at once (batch transcription with a bad key) thus
     * costs no audio. A live source's ring buffer drops the newest frames meanwhile, which it would
     * have lost from here anyway. Under the lock.
     */
    private void awaitRoom(int length) {
      long capacity = buffer.capacity();
      long waitNanos = Math.max(switchAfter.toNanos(), 1_000_000_000L);
      while (!done && !closedByCaller) {
        Inner a = active;
        if (a == null || !a.connecting || a.waitedNanos >= waitNanos) {
          return;
        }
        long evictTo = buffer.end() + length - capacity;
        if (evictTo <= Math.max(watermark, buffer.start())) {
          return; // nothing without a final would be pushed out
        }
        long t0 = System.nanoTime();
        try {
          changed.awaitNanos(Math.min(waitNanos - a.waitedNanos, 100_000_000L));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        a.waitedNanos += System.nanoTime() - t0;
      }
    }

    /** Under the lock: something {@link #awaitRoom} waits for happened. */
    private void signal() {
      changed.signalAll();
    }

    /**
     * The inner session refused audio (a streaming session that has just failed refuses sends
     * before its Failed event is delivered). The samples are in the replay buffer: give the Failed
     * event, which names the real cause, a moment to arrive and switch; if none comes, the refusal
     * itself is the inner's failure.
     */
    private void refused(Inner a, RuntimeException e) {
      try {
        if (a.retiredLatch.await(1, TimeUnit.SECONDS)) {
          return;
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      lock.lock();
      try {
        if (done || a.retired || active != a) {
          return;
        }
        failed(
            a,
            e instanceof AudioPipelineException ape
                ? ape
                : new AudioPipelineException(
                    providers.get(a.index).name() + " refused audio: " + e.getMessage(), e));
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void flush() {
      lock.lock();
      try {
        Inner a = active;
        if (a != null && !done) {
          a.session().flush();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public CompletionStage<Void> finish(Duration timeout) {
      lock.lock();
      try {
        if (done || finishing) {
          return finished.copy();
        }
        finishing = true;
        finishTimeout = timeout;
        closeProbe();
        Inner a = active;
        if (a != null) {
          finishInner(a, timeout);
        }
      } finally {
        lock.unlock();
      }
      return finished.copy();
    }

    private void finishInner(Inner a, Duration timeout) {
      a.session()
          .finish(timeout)
          .whenComplete(
              (v, err) -> {
                lock.lock();
                try {
                  if (done || a.retired || active != a) {
                    return; // switched away (its close completes this stage): the next provider
                    // finishes
                  }
                  if (err == null) {
                    end(null);
                  } else {
                    // A failed finish without (or before) a Failed event: the same as Failed.
                    Throwable cause =
                        err instanceof java.util.concurrent.CompletionException
                                && err.getCause() != null
                            ? err.getCause()
                            : err;
                    AudioPipelineException error =
                        cause instanceof AudioPipelineException ape
                            ? ape
                            : new AudioPipelineException(
                                providers.get(a.index).name()
                                    + " failed while finishing: "
                                    + cause.getMessage(),
                                cause);
                    failed(a, error);
                  }
                } finally {
                  lock.unlock();
                }
              });
    }

    @Override
    public void close() {
      lock.lock();
      try {
        closedByCaller = true;
        signal();
        if (done) {
          return;
        }
        Inner a = active;
        active = null;
        if (a != null) {
          retire(a);
        }
        end(null);
      } finally {
        lock.unlock();
      }
    }

    /** Ends the session; {@code error} fails the {@link #finish} stage (Failed was emitted). */
    private void end(@Nullable AudioPipelineException error) {
      done = true;
      signal();
      open.remove(this);
      closeProbe();
      cancel(downCheck);
      Inner a = active;
      active = null;
      if (a != null) {
        retire(a);
      }
      if (error == null) {
        finished.complete(null);
      } else {
        finished.completeExceptionally(error);
      }
    }

    private void cancel(@Nullable ScheduledFuture<?> f) {
      if (f != null) {
        f.cancel(false);
      }
    }

    private void closeProbe() {
      cancel(probeTask);
      probeTask = null;
      Inner p = probe;
      probe = null;
      if (p != null) {
        retire(p);
      }
    }

    private void emit(TranscriptEvent e) {
      try {
        listener.onEvent(e);
      } catch (RuntimeException ex) {
        log.debug("{} listener threw: {}", options.streamId(), ex.toString());
      }
    }

    // ---------------------------------------------------------------- events of the inners

    private void onInnerEvent(Inner in, TranscriptEvent e) {
      lock.lock();
      try {
        if (done || in.retired) {
          return;
        }
        if (in == probe) {
          if (e instanceof TranscriptEvent.Failed f) {
            markFatal(in.index, f.error());
            closeProbe();
            scheduleProbe();
          } else if (e instanceof TranscriptEvent.Reconnecting) {
            closeProbe();
            scheduleProbe();
          }
          return;
        }
        if (in != active) {
          return;
        }
        if (e instanceof TranscriptEvent.Result r) {
          // this provider's session began at in.offset of ours: the time model places it there
          TimeMap t = in.time;
          List<Word> words = new ArrayList<>(r.words().size());
          for (Word w : r.words()) {
            long ws = t.toOutputMs(w.startMs());
            words.add(
                new Word(w.text(), ws, Math.max(ws, t.toOutputMs(w.endMs())), w.confidence()));
          }
          long start = t.toOutputMs(r.startMs());
          TranscriptEvent.Result shifted =
              new TranscriptEvent.Result(
                  r.isFinal(),
                  r.text(),
                  start,
                  Math.max(start, t.toOutputMs(r.endMs())),
                  r.language(),
                  r.confidence(),
                  words,
                  "p" + in.generation + "-" + r.segmentId());
          if (r.isFinal()) {
            watermark = Math.max(watermark, shifted.endMs() * sampleRate / 1000 * channels);
          }
          emit(shifted);
        } else if (e instanceof TranscriptEvent.Reconnecting rc) {
          if (downSince == null) {
            downSince = nanoTime.getAsLong();
            cancel(downCheck);
            downCheck =
                timer.schedule(() -> checkDown(in), switchAfter.toNanos(), TimeUnit.NANOSECONDS);
          }
          emit(rc);
        } else if (e instanceof TranscriptEvent.Reconnected rc) {
          downSince = null;
          cancel(downCheck);
          emit(rc);
        } else if (e instanceof TranscriptEvent.Failed f) {
          failed(in, f.error());
        } else {
          emit(e);
        }
      } finally {
        lock.unlock();
      }
    }

    /** The active provider failed for good (Failed event or failed finish): switch or end. */
    private void failed(Inner in, AudioPipelineException error) {
      markFatal(in.index, error);
      switchFrom(in, providers.get(in.index).name() + " failed: " + error.getMessage(), error);
    }

    private void markFatal(int index, AudioPipelineException error) {
      boolean retryable =
          error instanceof ProviderException p
              ? p.isRetryable()
              : error instanceof ConnectionException;
      if (!retryable) {
        fatal[index] = true;
      }
    }

    private void checkDown(Inner in) {
      lock.lock();
      try {
        Long since = downSince;
        if (done || in != active || since == null) {
          return;
        }
        long downMs = (nanoTime.getAsLong() - since) / 1_000_000;
        switchFrom(in, providers.get(in.index).name() + " down for " + downMs + " ms", null);
      } finally {
        lock.unlock();
      }
    }

    /**
     * Moves from {@code from} to the next usable provider after it, also while finishing: the audio
     * without a final is replayed there and that provider finishes the session. A provider that
     * cannot even open a session is passed over.
     */
    private void switchFrom(Inner from, String reason, @Nullable AudioPipelineException error) {
      downSince = null;
      cancel(downCheck);
      if (active == from) {
        active = null;
      }
      retire(from);
      String a = providers.get(from.index).name();
      AudioPipelineException last = error;
      for (int next = from.index + 1; next < providers.size(); next++) {
        if (fatal[next]) {
          continue;
        }
        try {
          switchTo(from, next, reason);
          return;
        } catch (RuntimeException e) {
          AudioPipelineException openFailure = openError(next, e);
          markFatal(next, openFailure);
          log.warn(
              "{} {} could not open a session either: {}",
              options.streamId(),
              providers.get(next).name(),
              openFailure.getMessage());
          if (last != null && last != openFailure) {
            openFailure.addSuppressed(last);
          }
          last = openFailure;
        }
      }
      AudioPipelineException e =
          last != null
              ? last
              : new ProviderException(
                  a,
                  reason + "; no fallback provider left",
                  ProviderException.NONE,
                  ProviderException.NONE,
                  null,
                  false,
                  null);
      emit(new TranscriptEvent.Failed(e));
      end(e);
    }

    /** Opens {@code next} (may throw: nothing changed then), replays, and finishes it if due. */
    private void switchTo(Inner from, int next, String reason) {
      long replayFrom = Math.max(watermark, buffer.start());
      Inner in = open(next, replayFrom);
      active = in;
      String a = providers.get(from.index).name();
      String b = providers.get(next).name();
      log.warn("{} switching from {} to {}: {}", options.streamId(), a, b, reason);
      emit(new TranscriptEvent.ProviderSwitched(a, b, reason));
      long lostFrom = Math.max(watermark, reportedLostTo);
      if (lostFrom < buffer.start()) {
        long lostMs = (buffer.start() - lostFrom) / channels * 1000 / sampleRate;
        reportedLostTo = buffer.start();
        log.warn(
            "{} {} ms of audio had no final from {} and is older than the replay buffer of"
                + " {} s: it cannot be replayed into {}",
            options.streamId(),
            lostMs,
            a,
            replayBuffer.toSeconds(),
            b);
        emit(
            new TranscriptEvent.AudioDropped(
                lostMs,
                "more than the fallback's replay buffer of "
                    + replayBuffer.toSeconds()
                    + " s had no final when "
                    + a
                    + " stopped"));
      }
      long replayed;
      try {
        replayed = replayInto(in);
      } catch (RuntimeException e) {
        active = null;
        retire(in);
        throw e;
      }
      if (finishing) {
        // The next provider was just given all the audio without a final at once: it gets the
        // whole finish timeout plus that audio's duration (a recogniser slower than real time is
        // no use live either). The caller extends its own wait when it sees ProviderSwitched.
        long replayedMs = replayed / channels * 1000 / sampleRate;
        finishInner(in, finishTimeout.plusMillis(replayedMs));
      } else {
        scheduleProbe();
      }
    }

    private int preferredCandidate() {
      Inner a = active;
      if (a == null) {
        return -1;
      }
      for (int i = 0; i < a.index; i++) {
        if (!fatal[i]) {
          return i;
        }
      }
      return -1;
    }

    private void scheduleProbe() {
      if (done || finishing || probeTask != null && !probeTask.isDone() || probe != null) {
        return;
      }
      if (preferredCandidate() < 0) {
        return;
      }
      probeTask = timer.schedule(this::startProbe, probeInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void startProbe() {
      lock.lock();
      try {
        probeTask = null;
        int p = preferredCandidate();
        if (done || finishing || probe != null || p < 0) {
          return;
        }
        log.debug("{} probing {}", options.streamId(), providers.get(p).name());
        probe = open(p, 0);
      } catch (RuntimeException e) {
        log.debug("{} probe could not start: {}", options.streamId(), e.toString());
        probe = null;
        scheduleProbe();
      } finally {
        lock.unlock();
      }
    }

    /** The probe's provider connected: make it the active one. */
    private void onProbeConnected(Inner in) {
      lock.lock();
      try {
        Inner a = active;
        if (done || finishing || in != probe || a == null) {
          return;
        }
        probe = null;
        long replayFrom = Math.max(watermark, buffer.start());
        in.placeAt(replayFrom);
        retire(a);
        active = in;
        downSince = null;
        cancel(downCheck);
        String from = providers.get(a.index).name();
        String to = providers.get(in.index).name();
        log.info("{} switching back from {} to {}", options.streamId(), from, to);
        emit(new TranscriptEvent.ProviderSwitched(from, to, "preferred provider is back"));
        replayInto(in);
        scheduleProbe();
      } finally {
        lock.unlock();
      }
    }

    /** One provider session, its place on the timeline, and the metrics hook that sees connects. */
    private final class Inner implements Listener, PipelineListener {
      final int index;
      final int generation;

      /** Switched away from or closed: its late events and finish stage are ignored. */
      volatile boolean retired;

      /** A connection attempt is under way and none has succeeded yet (guarded by the lock). */
      boolean connecting;

      /** A connection succeeded since it was opened (guarded by the lock). */
      boolean connected;

      /** How long the sender has waited for this provider to show life (guarded by the lock). */
      long waitedNanos;

      final java.util.concurrent.CountDownLatch retiredLatch =
          new java.util.concurrent.CountDownLatch(1);
      long offset; // session samples where this session's audio starts

      /** This provider's session time to ours: it starts at {@link #offset}. */
      volatile TimeMap time;

      @Nullable SttSession session;

      Inner(int index, int generation, long offset) {
        this.index = index;
        this.generation = generation;
        this.offset = offset;
        this.time = new TimeMap(sampleRate, offset / channels);
      }

      /** The session starts at {@code from} (session samples): before any audio was sent to it. */
      void placeAt(long from) {
        offset = from;
        time = new TimeMap(sampleRate, from / channels);
      }

      SttSession session() {
        return Objects.requireNonNull(session, "session not open");
      }

      @Override
      public void onEvent(TranscriptEvent event) {
        onInnerEvent(this, event);
      }

      @Override
      public void connectStart(String provider, String streamId) {
        options.listener().connectStart(provider, streamId);
        lock.lock();
        try {
          connecting = !connected;
        } finally {
          lock.unlock();
        }
      }

      @Override
      public void connectEnd(String provider, String streamId, Duration took) {
        options.listener().connectEnd(provider, streamId, took);
        lock.lock();
        try {
          connected = true;
          connecting = false;
          signal();
        } finally {
          lock.unlock();
        }
        if (probe == this) {
          timer.execute(() -> onProbeConnected(this));
        }
      }

      @Override
      public void reconnect(String provider, String streamId, int attempt, Throwable cause) {
        options.listener().reconnect(provider, streamId, attempt, cause);
      }

      @Override
      public void firstTranscript(String streamId, Duration latency) {
        options.listener().firstTranscript(streamId, latency);
      }

      @Override
      public void audioDropped(String streamId, long samples, String where) {
        options.listener().audioDropped(streamId, samples, where);
      }

      @Override
      public void sessionClosed(String streamId, String reason) {
        if (active == this || active == null) {
          options.listener().sessionClosed(streamId, reason);
        }
      }
    }
  }

  /** Builder; {@link #build()} validates. */
  public static final class Builder {
    private final List<SttProvider> providers = new ArrayList<>();
    private Duration switchAfter = Duration.ofSeconds(10);
    private Duration probeInterval = Duration.ofSeconds(30);
    private Duration replayBuffer = Duration.ofSeconds(30);
    private LongSupplier nanoTime = System::nanoTime;

    private Builder() {}

    /** Adds the next provider, in order of preference. */
    public Builder add(SttProvider provider) {
      providers.add(Objects.requireNonNull(provider, "provider == null"));
      return this;
    }

    /** How long a provider may stay down (reconnecting) before switching; default 10 s. */
    public Builder switchAfter(Duration v) {
      this.switchAfter = Objects.requireNonNull(v, "switchAfter == null");
      return this;
    }

    /** How often a more preferred provider is probed; default 30 s. */
    public Builder probeInterval(Duration v) {
      this.probeInterval = Objects.requireNonNull(v, "probeInterval == null");
      return this;
    }

    /** Audio kept for the replay into the next provider; default 30 s. */
    public Builder replayBuffer(Duration v) {
      this.replayBuffer = Objects.requireNonNull(v, "replayBuffer == null");
      return this;
    }

    /** Clock for the down-time measurement (tests). */
    public Builder nanoTime(LongSupplier v) {
      this.nanoTime = Objects.requireNonNull(v, "nanoTime == null");
      return this;
    }

    public FallbackSttProvider build() {
      if (providers.size() < 2) {
        throw new IllegalStateException(
            "a fallback needs at least 2 providers, got " + providers.size());
      }
      AudioFormat f = providers.get(0).inputFormat();
      for (SttProvider p : providers) {
        if (!p.inputFormat().equals(f)) {
          throw new IllegalArgumentException(
              "all providers must take the same input format: "
                  + providers.get(0).name()
                  + " takes "
                  + f
                  + ", "
                  + p.name()
                  + " takes "
                  + p.inputFormat());
        }
      }
      if (switchAfter.isNegative() || probeInterval.isNegative() || probeInterval.isZero()) {
        throw new IllegalArgumentException(
            "switchAfter "
                + switchAfter
                + " must be >= 0 and"
                + " probeInterval "
                + probeInterval
                + " > 0");
      }
      if (replayBuffer.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "replayBuffer " + replayBuffer.toMillis() + " ms: accepted >= 1 s");
      }
      return new FallbackSttProvider(this);
    }
  }
}
