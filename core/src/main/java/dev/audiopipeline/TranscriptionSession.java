package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.internal.runtime.BoundedPublisher;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.internal.runtime.SpeakerChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running transcription: a {@code Flow.Publisher<Transcript>} of every speaker's partial and
 * final transcripts, merged on one timeline, and the owner of everything that produces them.
 *
 * <p><b>Starting.</b> Capture starts when the first subscriber subscribes (to the session or to
 * {@link #events()}), or at {@link #start()}, so the first subscriber misses nothing. A subscriber
 * that arrives later receives what is published after it subscribed.
 *
 * <p><b>Ending.</b> A finite source (files) ends the session by itself: when every speaker's last
 * final has been delivered, subscribers get {@code onComplete}. {@link #close()} ends it at any
 * time: it stops the source, lets each recogniser deliver the finals for audio already accepted
 * (bounded by the pipeline's close timeout), completes subscribers and stops every library thread.
 * A fatal error (bad credentials, a failed source) reaches each subscriber as exactly one {@code
 * onError} carrying an {@link AudioPipelineException}, and the session closes itself.
 *
 * <p><b>Slow subscribers.</b> Each subscriber has a bounded buffer ({@link
 * AudioPipeline.Builder#subscriberBufferSize(int)}) and is called from its own delivery thread
 * (named {@code audio-pipeline-deliver-<session>-<n>}, taken from a per-session pool while the
 * subscriber has signals to receive), so a slow subscriber delays only itself. When its buffer is
 * full, the oldest queued partial is discarded (a later partial or the final of the same segment
 * supersedes it); finals are never discarded: a subscriber whose buffer fills with finals fails
 * alone with {@link OverflowException}, the others go on.
 *
 * <p><b>Terminal signals.</b> Every subscriber gets exactly one {@code onComplete} or {@code
 * onError}, after the items queued before it. {@link #close()} waits (bounded by the close timeout)
 * for each subscriber to take its queued items; a subscriber that has not requested them by then is
 * ended with {@link OverflowException} instead of being left without a terminal signal. {@code
 * close()} may be called from inside {@code onNext} (for example after the first final): it then
 * returns at once, and the session closes on its own {@code audio-pipeline-close-...} thread, so
 * the subscriber's remaining signals, and every other subscriber's, are still delivered.
 *
 * <p><b>Failures.</b> A speaker whose recogniser session cannot be opened (bad configuration,
 * refused credentials), fails, or fails while finishing fails the whole session at once with that
 * error, whichever speaker it is and whenever it joined: the other speakers' recogniser sessions
 * are closed without waiting for their finals, and {@link #completion()} completes exceptionally.
 */
public final class TranscriptionSession implements Flow.Publisher<Transcript>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TranscriptionSession.class);

  private final String id;
  private final AudioSource source;
  private final SttProvider provider;
  private final SpeakerMap speakerMap;
  private final AudioPipeline.Config config;
  private final PipelineListener listener;
  private final ExecutorService deliveryExecutor;
  private final BoundedPublisher<Transcript> transcripts;
  private final BoundedPublisher<PipelineEvent> events;
  private final Map<String, SpeakerChannel> channels = new ConcurrentHashMap<>();
  private final List<SpeakerChannel> allChannels = new ArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean terminated = new AtomicBoolean();
  private final CompletableFuture<Void> completion = new CompletableFuture<>();
  private final Object lock = new Object();
  private volatile boolean sourceEnded;
  private volatile long startNanos;
  private volatile @Nullable Thread closer;

  /** The delivery pool's threads, so that close() knows when it is called from a callback. */
  private final java.util.Set<Thread> deliveryThreads = ConcurrentHashMap.newKeySet();

  TranscriptionSession(String id, AudioSource source, AudioPipeline.Config config) {
    this.id = id;
    this.source = source;
    this.config = config;
    this.provider = Objects.requireNonNull(config.provider);
    this.speakerMap = config.speakerMap;
    this.listener = config.listener;
    // One thread per subscriber that has signals to receive (a subscriber's deliveries are serial,
    // and no subscriber waits behind another's); idle threads end after a while, all at close().
    NamedThreadFactory names = new NamedThreadFactory("deliver-" + id);
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            10,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r ->
                names.newThread(
                    () -> {
                      deliveryThreads.add(Thread.currentThread());
                      try {
                        r.run();
                      } finally {
                        deliveryThreads.remove(Thread.currentThread());
                      }
                    }));
    this.deliveryExecutor = executor;
    this.transcripts =
        new BoundedPublisher<>(executor, config.subscriberBufferSize, t -> !t.isFinal(), id);
    this.events =
        new BoundedPublisher<>(
            executor,
            config.subscriberBufferSize,
            e -> e instanceof PipelineEvent.TranscriptReceived tr && !tr.transcript().isFinal(),
            id + "-events");
  }

  /** This session's id, used in thread names and logs. */
  public String id() {
    return id;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super Transcript> subscriber) {
    transcripts.subscribe(subscriber);
    start();
  }

  /**
   * Everything that happens, in order: transcripts, speakers joining and leaving, reconnects,
   * provider switches and dropped audio. Same lifecycle and buffering as the session itself.
   */
  public Flow.Publisher<PipelineEvent> events() {
    return subscriber -> {
      events.subscribe(subscriber);
      start();
    };
  }

  /** Starts capture now, before anyone subscribes. Idempotent. */
  public void start() {
    if (closed.get() || !started.compareAndSet(false, true)) {
      return;
    }
    startNanos = System.nanoTime();
    log.info("{} - starting with provider {}", id, provider.name());
    try {
      source.start(new SourceListener());
    } catch (RuntimeException e) {
      fail(BoundedPublisher.asPipelineException(e));
    }
  }

  /** Completes when the session has ended: normally, or exceptionally with the fatal error. */
  public CompletionStage<Void> completion() {
    return completion;
  }

  /**
   * Waits for the session to end by itself (a finite source), at most {@code timeout}.
   *
   * @return {@code true} if it ended, {@code false} on timeout
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitCompletion(Duration timeout) throws InterruptedException {
    try {
      completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true;
    }
  }

  /** Labels of the speakers currently streaming. */
  public List<String> activeSpeakers() {
    List<String> out = new ArrayList<>();
    for (SpeakerChannel c : channels.values()) {
      out.add(c.label());
    }
    return out;
  }

  /** Milliseconds since the session started (the shared timeline's clock). */
  public long nowMs() {
    long s = startNanos;
    return s == 0 ? 0 : (System.nanoTime() - s) / 1_000_000;
  }

  /** Partials discarded for slow subscribers so far. */
  public long discardedPartials() {
    return transcripts.discarded();
  }

  /**
   * Stops capture, delivers the finals for audio already accepted (bounded by the close timeout),
   * gives every subscriber its terminal signal and stops all threads. Idempotent.
   *
   * <p>Called from one of the session's own threads (a subscriber's {@code onNext}, a listener
   * called by a speaker's drain thread), it only starts closing and returns at once: waiting there
   * would wait for the very thread that is calling.
   */
  @Override
  public void close() {
    if (isOwnThread(Thread.currentThread())) {
      closeAsync();
      return;
    }
    if (!closed.compareAndSet(false, true)) {
      Thread t = closer;
      if (t != null && t != Thread.currentThread()) {
        try {
          t.join(config.closeTimeout.toMillis() * 3 + 4_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return;
    }
    log.info("{} - closing", id);
    closeSource();
    List<SpeakerChannel> snapshot;
    synchronized (lock) {
      snapshot = new ArrayList<>(allChannels);
    }
    // After a fatal error nobody waits for finals any more: stop the other speakers at once.
    boolean failed = completion.isCompletedExceptionally();
    for (SpeakerChannel c : snapshot) {
      if (failed) {
        c.abort();
      } else {
        c.leave();
      }
    }
    long deadline = System.nanoTime() + config.closeTimeout.toNanos() + 1_000_000_000L;
    boolean interrupted = false;
    for (SpeakerChannel c : snapshot) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        if (!c.awaitDone(left, TimeUnit.NANOSECONDS)) {
          c.abort();
          c.awaitDone(1, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        interrupted = true;
        c.abort();
      }
    }
    terminate(null);
    // Let every subscriber take what is queued for it, then end the ones that did not in time.
    long deliverNanos = Math.max(config.closeTimeout.toNanos(), 1_000_000_000L);
    try {
      long until = System.nanoTime() + deliverNanos;
      boolean delivered = transcripts.awaitDelivered(deliverNanos, TimeUnit.NANOSECONDS);
      delivered &=
          events.awaitDelivered(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!delivered) {
        String why =
            "session closed and its close timeout of "
                + config.closeTimeout.toMillis()
                + " ms ran out";
        transcripts.abandon(why);
        events.abandon(why);
      }
    } catch (InterruptedException e) {
      interrupted = true;
      transcripts.abandon("session closed while interrupted");
      events.abandon("session closed while interrupted");
    }
    deliveryExecutor.shutdown();
    try {
      // A subscriber still inside onNext gets its terminal signal when it returns; wait a little.
      if (!interrupted && !deliveryExecutor.awaitTermination(1, TimeUnit.SECONDS)) {
        log.warn("{} - a subscriber is still inside onNext; interrupting its delivery thread", id);
        deliveryExecutor.shutdownNow();
      }
    } catch (InterruptedException e) {
      interrupted = true;
      deliveryExecutor.shutdownNow();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    log.info("{} - closed", id);
  }

  private boolean isOwnThread(Thread t) {
    if (deliveryThreads.contains(t)) {
      return true;
    }
    synchronized (lock) {
      for (SpeakerChannel c : allChannels) {
        if (c.isDrainThread(t)) {
          return true;
        }
      }
    }
    return false;
  }

  private void closeSource() {
    try {
      source.close();
    } catch (RuntimeException e) {
      log.debug("{} - source close failed", id, e);
    }
  }

  private void fail(AudioPipelineException error) {
    if (terminated.get()) {
      return;
    }
    log.warn("{} - failing: {}", id, error.getMessage());
    terminate(error);
    if (closed.get()) {
      // a close() already under way waits for finals nobody will receive: stop the speakers now
      List<SpeakerChannel> snapshot;
      synchronized (lock) {
        snapshot = new ArrayList<>(allChannels);
      }
      for (SpeakerChannel c : snapshot) {
        c.abort();
      }
    }
    closeAsync();
  }

  /** Tears down off the caller's thread, which may be a provider or WebRTC thread. */
  private void closeAsync() {
    synchronized (lock) {
      if (closed.get() || closer != null) {
        return;
      }
      Thread t = NamedThreadFactory.thread("close-" + id, this::close);
      closer = t;
      t.start();
    }
  }

  private void terminate(@Nullable AudioPipelineException error) {
    if (!terminated.compareAndSet(false, true)) {
      return;
    }
    if (error == null) {
      transcripts.complete();
      events.complete();
      completion.complete(null);
    } else {
      transcripts.fail(error);
      events.fail(error);
      completion.completeExceptionally(error);
    }
  }

  private void maybeComplete() {
    if (!sourceEnded) {
      return;
    }
    synchronized (lock) {
      for (SpeakerChannel c : allChannels) {
        if (!c.isDone()) {
          return;
        }
      }
    }
    terminate(null);
    // The source is finished and every final delivered: release the threads.
    closeAsync();
  }

  private final class SourceListener implements AudioSource.Listener, SpeakerChannel.Owner {
    @Override
    public void speakerJoined(SpeakerStream stream) {
      if (closed.get() || terminated.get()) {
        return;
      }
      String label = speakerMap.labelFor(stream.identity()).orElse(null);
      if (label == null) {
        log.debug(
            "{} - ignoring {} ({}): no label and policy IGNORE",
            id,
            stream.id(),
            stream.identity());
        stream.start(new DiscardingSink(stream.format()));
        return;
      }
      SpeakerChannel channel;
      try {
        // The provider may refuse this stream's format pair (IllegalArgumentException).
        channel =
            new SpeakerChannel(
                this,
                stream,
                label,
                id,
                provider,
                config.language,
                listener,
                config.bufferDuration,
                config.closeTimeout,
                config.turnDetector,
                config.finalizeAtEndOfTurn);
      } catch (IllegalArgumentException e) {
        fail(
            new AudioPipelineException(
                "speaker " + stream.identity() + " (" + stream.id() + "): " + e.getMessage(), e));
        return;
      }
      synchronized (lock) {
        // checked again under the lock close() takes its snapshot with: a speaker joining while
        // the session closes is either stopped by close() or never started
        if (closed.get() || terminated.get()) {
          stream.start(new DiscardingSink(stream.format()));
          return;
        }
        allChannels.add(channel);
      }
      channels.put(stream.id(), channel);
      long now = nowMs();
      log.info("{} - speaker {} joined as {} ({})", id, stream.identity(), label, stream.id());
      events.submit(new PipelineEvent.SpeakerJoined(stream.id(), stream.identity(), label, now));
      safe(() -> listener.speakerJoined(stream.id(), label));
      try {
        channel.start(
            now); // a provider that cannot open a session fails the session through failed()
      } catch (RuntimeException e) {
        // the source's stream refused the sink (a source bug): fail loudly rather than hang
        channel.abort();
        fail(
            new AudioPipelineException(
                "speaker "
                    + label
                    + " ("
                    + stream.id()
                    + "): the source's stream could not start: "
                    + e.getMessage(),
                e));
      }
    }

    @Override
    public void speakerLeft(SpeakerStream stream) {
      SpeakerChannel channel = channels.get(stream.id());
      if (channel != null) {
        channel.leave();
      }
    }

    @Override
    public void sourceEnded() {
      sourceEnded = true;
      maybeComplete();
    }

    @Override
    public void sourceFailed(AudioPipelineException error) {
      fail(error);
    }

    @Override
    public void transcript(Transcript transcript) {
      if (!terminated.get()) {
        transcripts.submit(transcript);
        events.submit(new PipelineEvent.TranscriptReceived(transcript));
      }
    }

    @Override
    public void transcript(SpeakerChannel channel, Transcript transcript) {
      transcripts.submit(transcript);
      events.submit(new PipelineEvent.TranscriptReceived(transcript));
    }

    @Override
    public void providerEvent(SpeakerChannel channel, TranscriptEvent event) {
      events.submit(new PipelineEvent.ProviderEvent(channel.stream().id(), channel.label(), event));
    }

    @Override
    public void turnEvent(SpeakerChannel channel, PipelineEvent event) {
      events.submit(event);
    }

    @Override
    public void failed(SpeakerChannel channel, AudioPipelineException error) {
      fail(error);
    }

    @Override
    public void done(SpeakerChannel channel) {
      SpeakerStream s = channel.stream();
      channels.remove(s.id(), channel);
      events.submit(new PipelineEvent.SpeakerLeft(s.id(), s.identity(), channel.label(), nowMs()));
      safe(() -> listener.speakerLeft(s.id(), channel.label()));
      log.info("{} - speaker {} ({}) done", id, channel.label(), s.id());
      maybeComplete();
    }
  }

  private static void safe(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.debug("listener threw", e);
    }
  }

  /** Accepts and discards the audio of speakers the {@link SpeakerMap} ignores. */
  private static final class DiscardingSink implements AudioSink {
    private final AudioFormat format;

    DiscardingSink(AudioFormat format) {
      this.format = format;
    }

    @Override
    public boolean offer(short[] samples, int offset, int length, long timestampMicros) {
      return true;
    }

    @Override
    public boolean offerBytes(byte[] pcm, int offset, int length, long timestampMicros) {
      return true;
    }

    @Override
    public void put(short[] samples, int offset, int length, long timestampMicros) {}

    @Override
    public AudioFormat format() {
      return format;
    }
  }

  @Override
  public String toString() {
    return "TranscriptionSession{"
        + id
        + ", provider="
        + provider.name()
        + ", speakers="
        + activeSpeakers()
        + "}";
  }
}
