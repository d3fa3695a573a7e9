package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.Word;
import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One speaker inside a session: the sink its source writes into (producer side), a lock-free ring
 * buffer, and a drain thread (consumer side) that converts the audio and streams it to the
 * speaker's recogniser session. Maps recogniser results onto the session's timeline.
 *
 * <p>The producer side ({@code offer}, {@code offerBytes}) runs on the source's real-time thread
 * (WebRTC's audio thread feeds every track): it copies into the ring buffer and the pre-allocated
 * anchor ring, counts what it refuses, and returns. It never blocks, locks, logs, allocates or
 * calls the user's listener; the drain thread reports drops (listener and a rate-limited WARN).
 *
 * <p>Waking: the drain thread parks without a timeout when there is nothing to do, and the producer
 * unparks it after a write only if it is parked (a flag and a fence on each side, so no wake-up is
 * lost and the ring stays lock-free). A source that can wait ({@link #put}) parks likewise until
 * the drain has made room, and the drain unparks it after each read. The drain thread reads the
 * audio where it lies in the ring and converts it from there (no copy), and is a platform thread,
 * or a virtual thread on Java 21+ when {@link NamedThreadFactory#VIRTUAL_PROPERTY} asks for one.
 */
public final class SpeakerChannel implements AudioSink {
  private static final Logger log = LoggerFactory.getLogger(SpeakerChannel.class);

  /** Gaps the producer can mark before the drain thread has caught up with them. */
  static final int ANCHORS = 256;

  /** What the channel reports to its session. Called from library threads; must not block. */
  public interface Owner {
    void transcript(SpeakerChannel channel, Transcript transcript);

    void providerEvent(SpeakerChannel channel, TranscriptEvent event);

    /**
     * A turn detector's finding ({@link PipelineEvent.SpeechStarted}, {@link
     * PipelineEvent.SpeechEnded}, {@link PipelineEvent.EndOfTurn}) or its failure ({@link
     * PipelineEvent.TurnDetectorFailed}), placed on the session timeline; on the drain thread.
     */
    void turnEvent(SpeakerChannel channel, PipelineEvent event);

    void failed(SpeakerChannel channel, AudioPipelineException error);

    void done(SpeakerChannel channel);
  }

  private final Owner owner;
  private final SpeakerStream stream;
  private final String label;
  private final String sessionId;
  private final SttProvider provider;
  private final @Nullable String language;
  private final PipelineListener listener;
  private final Duration finishTimeout;
  private final AudioFormat format;
  private final SampleRingBuffer ring;
  private final AnchorRing anchors = new AnchorRing(ANCHORS);

  /** Sent audio (input frames) to the speaker's timeline (source time in input frames). */
  private final TimeMap timeline;

  private final AudioConverter converter;

  private final @Nullable TurnDetector turnDetector;
  private final boolean finalizeAtEndOfTurn;

  /** Input to 16 kHz mono for the detector, when the recogniser takes another format. */
  private final @Nullable AudioConverter turnConverter;

  private final Thread drainThread;
  private final CountDownLatch done = new CountDownLatch(1);

  /** Counted down when the recogniser reports Failed. */
  private final CountDownLatch providerFailed = new CountDownLatch(1);

  // Producer-side state (the source's thread only).
  private long anchorIndex = -1;
  private long anchorMicros;

  /** Samples refused because the stream had left or the session closed; producer-written. */
  private volatile long refusedClosed;

  /**
   * Samples refused because the ring buffer or its gap marks were full (policy: drop newest): the
   * one count of this speaker's dropped input; producer-written, reported by the drain thread.
   */
  private volatile long dropped;

  /** Set by the drain thread before it parks, so the producer unparks only a waiting thread. */
  private volatile boolean drainWaiting;

  /** The thread waiting in {@link #put} for room, if any: the drain unparks it after a read. */
  private volatile @Nullable Thread putWaiter;

  // Drain-side reporting state.
  private long reportedDropped;
  private long lastDropWarnNanos;

  private volatile boolean leaving;
  private volatile boolean aborted;
  private volatile boolean closedForInput;
  private volatile @Nullable SttSession session;
  private volatile long joinedAtMs;

  public SpeakerChannel(
      Owner owner,
      SpeakerStream stream,
      String label,
      String sessionId,
      SttProvider provider,
      @Nullable String language,
      PipelineListener listener,
      Duration bufferDuration,
      Duration finishTimeout) {
    this(
        owner,
        stream,
        label,
        sessionId,
        provider,
        language,
        listener,
        bufferDuration,
        finishTimeout,
        null,
        true);
  }

  /**
   * A channel that also runs {@code turnDetector} (when not null) on the speaker's drain thread.
   *
   * @param finalizeAtEndOfTurn whether an end of turn asks the recogniser for its finals ({@link
   *     SttSession#flush()})
   */
  public SpeakerChannel(
      Owner owner,
      SpeakerStream stream,
      String label,
      String sessionId,
      SttProvider provider,
      @Nullable String language,
      PipelineListener listener,
      Duration bufferDuration,
      Duration finishTimeout,
      @Nullable TurnDetector turnDetector,
      boolean finalizeAtEndOfTurn) {
    this.owner = owner;
    this.stream = stream;
    this.label = label;
    this.sessionId = sessionId;
    this.provider = provider;
    this.language = language;
    this.listener = listener;
    this.finishTimeout = finishTimeout;
    this.format = stream.format();
    this.converter = AudioConverter.create(format, provider.inputFormat());
    this.turnDetector = turnDetector;
    this.finalizeAtEndOfTurn = finalizeAtEndOfTurn;
    // The detector takes 16 kHz mono: the audio sent when that is the recogniser's format, else a
    // copy made by a second converter (a recogniser configured for another rate).
    this.turnConverter =
        turnDetector == null || provider.inputFormat().equals(TurnDetector.FORMAT)
            ? null
            : AudioConverter.create(format, TurnDetector.FORMAT);
    this.timeline = new TimeMap(format.sampleRate());
    int samples = format.samplesIn(bufferDuration.toNanos() / 1_000);
    this.ring = new SampleRingBuffer(SampleRingBuffer.capacityFor(Math.max(samples, 4096)));
    this.drainThread =
        NamedThreadFactory.drainThread("drain-" + sessionId + "-" + stream.id(), this::drainLoop);
  }

  public SpeakerStream stream() {
    return stream;
  }

  public String label() {
    return label;
  }

  public long joinedAtMs() {
    return joinedAtMs;
  }

  /**
   * Opens the recogniser session and starts the drain thread, then the source's delivery. If the
   * provider cannot open a session, the channel ends at once (its sink refuses audio) and the owner
   * is told through {@link Owner#failed}; the source's stream is started on the closed sink all the
   * same, so the source never writes into nothing.
   */
  public void start(long nowMs) {
    joinedAtMs = nowMs;
    SttSessionOptions options =
        new SttSessionOptions(stream.id(), label, language, listener, stream.canWait());
    try {
      session = provider.openSession(options, this::onEvent);
    } catch (RuntimeException e) {
      closedForInput = true;
      aborted = true;
      done.countDown();
      owner.failed(this, openFailure(e));
      stream.start(this);
      return;
    }
    drainThread.start();
    stream.start(this);
  }

  private AudioPipelineException openFailure(RuntimeException e) {
    if (e instanceof AudioPipelineException ape) {
      return ape; // already typed and says which provider; keep the type for the caller's catch
    }
    return new AudioPipelineException(
        "speaker "
            + label
            + " ("
            + stream.id()
            + "): could not open a "
            + provider.name()
            + " session: "
            + e.getMessage(),
        e);
  }

  /** The source reported the speaker left: process what was accepted, then finish. */
  public void leave() {
    leaving = true;
    LockSupport.unpark(drainThread);
    wakePutter();
  }

  /** Stops at once: no more input, the recogniser session is closed without waiting. */
  public void abort() {
    aborted = true;
    closedForInput = true;
    SttSession s = session;
    if (s != null) {
      s.close();
    }
    LockSupport.unpark(drainThread);
    wakePutter();
  }

  /** Waits for the drain thread to end. */
  public boolean awaitDone(long timeout, TimeUnit unit) throws InterruptedException {
    boolean ok = done.await(timeout, unit);
    if (ok) {
      drainThread.join(unit.toMillis(timeout) + 1);
    }
    return ok;
  }

  public boolean isDone() {
    return done.getCount() == 0;
  }

  /** Interleaved input samples dropped because the ring buffer (or its gap marks) was full. */
  public long droppedSamples() {
    return dropped;
  }

  /** Interleaved input samples refused because the stream had left or the session had closed. */
  public long refusedAfterClose() {
    return refusedClosed;
  }

  /** Whether the drain thread is this one (a call from the recogniser's event path on it). */
  public boolean isDrainThread(Thread t) {
    return t == drainThread;
  }

  // ---------------------------------------------------------------- producer side (AudioSink)

  @Override
  public AudioFormat format() {
    return format;
  }

  private boolean isClosed() {
    return closedForInput || leaving;
  }

  private void checkOpen() {
    if (isClosed()) {
      throw new IllegalStateException(
          "stream " + stream.id() + " no longer accepts audio: it has left or the session closed");
    }
  }

  /** Counts a write refused because the channel is closed: no exception on the real-time path. */
  private boolean refuseClosed(int length) {
    refusedClosed += length; // single producer
    return false;
  }

  /** The one check of a write, before anything is touched. */
  private void checkRange(int arrayLength, int offset, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException(
          "empty audio (length " + length + "); write at least one sample per channel");
    }
    if (offset < 0 || offset > arrayLength - length) {
      throw new IndexOutOfBoundsException(
          "range ["
              + offset
              + ", "
              + (offset + length)
              + ") is outside an array of "
              + arrayLength);
    }
    checkLength(length);
  }

  /** Whole sample frames that fit in the ring. */
  private void checkLength(int length) {
    if (length % format.channels() != 0) {
      throw new IllegalArgumentException(
          "length "
              + length
              + " is not a multiple of "
              + format.channels()
              + " channels ("
              + format
              + ")");
    }
    if (length > ring.capacity()) {
      throw new IllegalArgumentException(
          "a write of "
              + length
              + " samples exceeds the buffer of "
              + ring.capacity()
              + "; write 10-100 ms at a time");
    }
  }

  /**
   * Places the write that starts at the ring's current end on the timeline: the first write and
   * every gap ({@link TimeMap#isGap}) leave an anchor for the drain thread. A stamp behind the
   * sample count is taken as continuous (the timeline never goes back).
   *
   * @return {@code false} if an anchor was needed and the anchor ring is full (the write must be
   *     refused: it could not be placed on the timeline)
   */
  private boolean markTime(long timestampMicros) {
    long index = ring.written();
    if (anchorIndex < 0) {
      if (!anchors.offer(index, timestampMicros, false)) {
        return false;
      }
      anchorIndex = index;
      anchorMicros = timestampMicros;
      return true;
    }
    long expected =
        anchorMicros + (index - anchorIndex) / format.channels() * 1_000_000L / format.sampleRate();
    long gap = timestampMicros - expected;
    if (TimeMap.isGap(gap)) {
      if (!anchors.offer(index, timestampMicros, TimeMap.resetsConverter(gap))) {
        return false;
      }
      anchorIndex = index;
      anchorMicros = timestampMicros;
    }
    return true;
  }

  /** Producer, after publishing a write: unparks the drain thread only if it parked. */
  private void wakeDrain() {
    VarHandle.fullFence(); // the write is visible before drainWaiting is read (pairs with park)
    if (drainWaiting) {
      LockSupport.unpark(drainThread);
    }
  }

  /** Drain thread, after a read (or at the end): unparks a producer waiting in put(). */
  private void wakePutter() {
    VarHandle.fullFence(); // the read is visible before putWaiter is read (pairs with put)
    Thread t = putWaiter;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  @Override
  public boolean offer(short[] samples, int offset, int length, long timestampMicros) {
    checkRange(samples.length, offset, length);
    if (isClosed()) {
      return refuseClosed(length);
    }
    if (!markTime(timestampMicros) || !ring.offer(samples, offset, length)) {
      dropped += length; // single producer; the drain thread reports it
      return false;
    }
    wakeDrain();
    return true;
  }

  @Override
  public boolean offerBytes(byte[] pcm, int offset, int length, long timestampMicros) {
    if (length <= 0) {
      throw new IllegalArgumentException(
          "empty audio (" + length + " bytes); write at least one sample per channel");
    }
    if (offset < 0 || offset > pcm.length - length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + (offset + length) + ") is outside an array of " + pcm.length);
    }
    if ((length & 1) != 0) {
      throw new IllegalArgumentException(
          "odd byte count " + length + ": s16le PCM has 2 bytes per sample");
    }
    checkLength(length / 2);
    if (isClosed()) {
      return refuseClosed(length / 2);
    }
    if (!markTime(timestampMicros) || !ring.offerBytes(pcm, offset, length)) {
      dropped += length / 2; // single producer; the drain thread reports it
      return false;
    }
    wakeDrain();
    return true;
  }

  @Override
  public void put(short[] samples, int offset, int length, long timestampMicros)
      throws InterruptedException {
    checkOpen();
    checkRange(samples.length, offset, length);
    if (ring.remaining() < length || !anchors.hasRoom()) {
      Thread me = Thread.currentThread();
      putWaiter = me;
      try {
        while (true) {
          VarHandle.fullFence(); // putWaiter is visible before the room is read (pairs with drain)
          if (ring.remaining() >= length && anchors.hasRoom()) {
            break;
          }
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          checkOpen();
          LockSupport.unpark(drainThread);
          LockSupport.park(this); // the drain unparks after each read; leave/abort/close too
        }
      } finally {
        putWaiter = null;
      }
    }
    markTime(timestampMicros); // room checked above: cannot refuse
    ring.offer(samples, offset, length);
    wakeDrain();
  }

  // ---------------------------------------------------------------- consumer side (drain thread)

  private void drainLoop() {
    SttSession s = session;
    try {
      int ch = format.channels();
      int chunk = Math.max(ch, format.samplesIn(20_000));
      // the converter reads the ring in place; a copy only where a frame could wrap the array
      boolean inPlace = ring.capacity() % ch == 0;
      short[] in = inPlace ? new short[0] : new short[chunk];
      short[] out =
          new short[Math.max(converter.maxOutputLength(chunk), converter.maxDrainLength())];
      drainOut = out;
      drainSession = s;
      openAnalysis(chunk);
      SampleRingBuffer.Reader reader = this::convertAndSend;
      // The filter delays its output by delayFrames(): drop that many leading samples so that
      // sent-audio time equals input time, and drain the tail at every discontinuity and the end.
      skip = converter.delayFrames();
      while (!aborted && s != null) {
        reportDrops();
        int max = chunk;
        if (anchors.hasNext()) {
          long at = anchors.nextIndex();
          if (at <= readIndex) {
            long micros = anchors.nextMicros();
            boolean reset = anchors.nextReset();
            anchors.remove();
            wakePutter(); // a put() may be waiting for room among the gap marks
            if (readIndex > 0) {
              if (reset) {
                sendSkipping(s, out, converter.drain(out, 0)); // drain() also resets
                skip = converter.delayFrames();
                drainTurnConverter();
              }
              // the audio before the gap is decided before the timeline jumps: its events are
              // placed before the gap
              resetAnalysis(s);
            }
            timeline.jumpTo(micros * format.sampleRate() / 1_000_000L);
            continue;
          }
          max = (int) Math.min(max, at - readIndex);
        }
        int n = inPlace ? ring.poll(reader, max, ch) : ring.poll(in, 0, max);
        if (n > 0) {
          if (!inPlace) {
            convertAndSend(in, 0, n);
          }
          wakePutter();
          sentMs = readIndex / ch * 1000 / format.sampleRate();
          continue;
        }
        if (leaving && ring.size() == 0 && !anchors.hasNext()) {
          break;
        }
        drainWaiting = true;
        VarHandle.fullFence(); // drainWaiting is visible before the ring is read (pairs with offer)
        if (ring.size() == 0 && !anchors.hasNext() && !leaving && !aborted) {
          LockSupport.park(this); // the producer unparks after a write; leave/abort too
        }
        drainWaiting = false;
      }
      reportDrops();
      closedForInput = true;
      wakePutter();
      if (!aborted && s != null && readIndex > 0) {
        sendSkipping(s, out, converter.drain(out, 0));
        drainTurnConverter();
        resetAnalysis(s); // the speaker left: what the audio so far decides (speech ended)
      }
      if (!aborted && s != null) {
        try {
          awaitFinish(s);
          AudioPipelineException error = unansweredError;
          if (!finalSeen && error != null && readIndex > 0 && !aborted) {
            // audio went in, the recogniser was in trouble and no final ever came out: that is
            // the trouble's outcome, not an empty success
            owner.failed(this, error);
          }
        } catch (TimeoutException e) {
          log.warn(
              "{} - speaker {}: recogniser did not finish in {}", sessionId, label, finishTimeout);
          s.close();
          AudioPipelineException cause = unansweredError;
          if (!finalSeen && readIndex > 0 && !aborted) {
            // audio went in, not one final came out and the recogniser did not finish: that is
            // a failure whether or not it reported trouble before, never an empty success
            owner.failed(
                this,
                new AudioPipelineException(
                    "speaker "
                        + label
                        + " ("
                        + stream.id()
                        + "): "
                        + provider.name()
                        + " gave no final for the "
                        + sentMs
                        + " ms of audio sent and did not finish within the close timeout of "
                        + finishTimeout.toMillis()
                        + " ms"
                        + (cause == null ? "" : " after: " + cause.getMessage()),
                    cause));
          }
        } catch (ExecutionException e) {
          // A recogniser that failed while finishing: the speaker's last audio has no final. The
          // session must end with this error, never as an empty success.
          s.close();
          owner.failed(
              this,
              BoundedPublisher.asPipelineException(Objects.requireNonNullElse(e.getCause(), e)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (s != null) {
        s.close();
      }
    } catch (RuntimeException e) {
      // A recogniser that has just failed may refuse audio before its Failed event (which names
      // the real cause) is delivered: give that event a moment to arrive and win.
      boolean reported = false;
      try {
        reported = providerFailed.await(1, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      if (s != null) {
        s.close();
      }
      if (!reported) {
        owner.failed(this, BoundedPublisher.asPipelineException(e));
      }
    } finally {
      closeAnalysis();
      closedForInput = true;
      wakePutter(); // a put() waiting for room sees the closed channel
      if (aborted && s != null) {
        s.close(); // idempotent; covers an abort() that came before the session was opened
      }
      listener.sessionClosed(stream.id(), aborted ? "aborted" : "finished");
      done.countDown();
      owner.done(this);
    }
  }

  /**
   * Waits for the recogniser's last finals: the close timeout plus a second for the stage itself. A
   * provider switch while finishing (a fallback moving the audio without a final to the next
   * provider) extends the wait by the close timeout plus the duration of the audio sent (the most
   * the next provider can have been given to recognise).
   */
  private void awaitFinish(SttSession s)
      throws InterruptedException, ExecutionException, TimeoutException {
    finishWaitUntil = System.nanoTime() + finishTimeout.toNanos() + 1_000_000_000L;
    finishing = true; // before finish(): a provider may switch inside it
    java.util.concurrent.CompletableFuture<Void> f = s.finish(finishTimeout).toCompletableFuture();
    while (true) {
      long left = finishWaitUntil - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException();
      }
      try {
        f.get(Math.min(left, 100_000_000L), TimeUnit.NANOSECONDS);
        return;
      } catch (TimeoutException e) {
        // look at the (possibly extended) deadline again
      }
    }
  }

  private volatile boolean finishing;

  /** Whether any final arrived (provider threads write; read after finish). */
  private volatile boolean finalSeen;

  /** The recogniser's last trouble (a reconnect's cause) not followed by recovery. */
  private volatile @Nullable AudioPipelineException unansweredError;

  /** Audio handed to the recogniser so far, in ms (drain thread writes). */
  private volatile long sentMs;

  private volatile long finishWaitUntil;

  /** Drain thread: reports what the producer side counted but may not report itself. */
  private void reportDrops() {
    long total = droppedSamples();
    long delta = total - reportedDropped;
    if (delta <= 0) {
      return;
    }
    reportedDropped = total;
    try {
      listener.audioDropped(stream.id(), delta, "ring buffer");
    } catch (RuntimeException e) {
      log.debug("{} - listener threw from audioDropped", sessionId, e);
    }
    long now = System.nanoTime();
    if (lastDropWarnNanos == 0 || now - lastDropWarnNanos >= 1_000_000_000L) {
      lastDropWarnNanos = now;
      log.warn(
          "{} - speaker {}: ring buffer full, {} samples dropped so far (policy: drop newest;"
              + " raise bufferDuration if the drain falls behind)",
          sessionId,
          label,
          total);
    }
  }

  // When each stretch of audio was handed to the recogniser, kept until the first result so that
  // PipelineListener.firstTranscript can report how long the result took.
  private final long[] sentAudioMs = new long[1024];
  private final long[] sentNanos = new long[1024];
  private int sentCount;
  private volatile boolean firstResultSeen;

  private synchronized void markSent(long audioMs) {
    int i = sentCount++ & (sentAudioMs.length - 1);
    sentAudioMs[i] = audioMs;
    sentNanos[i] = System.nanoTime();
  }

  /** The time the audio up to {@code audioMs} had been sent, or -1 if no longer known. */
  private synchronized long sentAt(long audioMs) {
    int n = Math.min(sentCount, sentAudioMs.length);
    long best = -1;
    long bestMs = Long.MAX_VALUE;
    for (int k = 0; k < n; k++) {
      if (sentAudioMs[k] >= audioMs && sentAudioMs[k] < bestMs) {
        bestMs = sentAudioMs[k];
        best = sentNanos[k];
      }
    }
    return best;
  }

  /** Output samples still to drop for the converter's delay (drain thread only). */
  private int skip;

  /** Input samples taken from the ring so far (drain thread only). */
  private long readIndex;

  /** The converter's output buffer and the session it goes to (drain thread only). */
  private short @Nullable [] drainOut;

  private @Nullable SttSession drainSession;

  /** Drain thread: converts input where it lies (the ring's array) and sends the result. */
  private void convertAndSend(short[] in, int offset, int length) {
    short[] out = drainOut;
    SttSession s = drainSession;
    if (out == null || s == null) {
      throw new IllegalStateException("not draining");
    }
    int m = converter.convert(in, offset, length, out, 0);
    readIndex += length;
    timeline.advance(length / format.channels()); // before sending: a result may come back at once
    if (!firstResultSeen) {
      markSent(readIndex / format.channels() * 1000 / format.sampleRate());
    }
    sendSkipping(s, out, m);
    AudioConverter tc = turnConverter;
    short[] tout = turnOut;
    if (analysis != null && tc != null && tout != null) {
      analyseSkipping(s, tout, tc.convert(in, offset, length, tout, 0));
    }
  }

  private void sendSkipping(SttSession s, short[] out, int m) {
    int off = Math.min(skip, m);
    skip -= off;
    if (m - off > 0) {
      s.send(out, off, m - off);
      if (analysis != null && turnConverter == null) {
        analyse(s, out, off, m - off); // after the send: a flush covers this audio
      }
    }
  }

  // ---------------------------------------------------------------- turn detection (drain thread)

  /** The speaker's analysis; null without a detector or after it failed (drain thread only). */
  private TurnDetector.@Nullable Analysis analysis;

  /** The turn converter's output buffer and its delay still to drop (drain thread only). */
  private short @Nullable [] turnOut;

  private int turnSkip;

  /** An end of turn asked for the recogniser's finals (drain thread only). */
  private boolean flushRequested;

  private final TurnEvents turnEvents = new TurnEvents();

  private void openAnalysis(int chunk) {
    TurnDetector d = turnDetector;
    if (d == null) {
      return;
    }
    AudioConverter tc = turnConverter;
    if (tc != null) {
      turnOut = new short[Math.max(tc.maxOutputLength(chunk), tc.maxDrainLength())];
      turnSkip = tc.delayFrames();
    }
    try {
      analysis = d.open(stream.id());
    } catch (RuntimeException | LinkageError e) {
      turnDetectorFailed("open", e);
    }
  }

  private void analyseSkipping(SttSession s, short[] tout, int m) {
    int off = Math.min(turnSkip, m);
    turnSkip -= off;
    if (m - off > 0) {
      analyse(s, tout, off, m - off);
    }
  }

  /** Converter reset at a long gap: the turn converter's tail goes to the detector likewise. */
  private void drainTurnConverter() {
    AudioConverter tc = turnConverter;
    short[] tout = turnOut;
    SttSession s = drainSession;
    if (analysis != null && tc != null && tout != null && s != null) {
      analyseSkipping(s, tout, tc.drain(tout, 0));
      turnSkip = tc.delayFrames();
    }
  }

  private void analyse(SttSession s, short[] samples, int offset, int length) {
    TurnDetector.Analysis a = analysis;
    if (a == null) {
      return;
    }
    try {
      a.accept(samples, offset, length, turnEvents);
    } catch (RuntimeException | LinkageError e) {
      turnDetectorFailed("accept", e);
    }
    flushIfRequested(s);
  }

  private void resetAnalysis(@Nullable SttSession s) {
    TurnDetector.Analysis a = analysis;
    if (a == null) {
      return;
    }
    try {
      a.reset(turnEvents);
    } catch (RuntimeException | LinkageError e) {
      turnDetectorFailed("reset", e);
    }
    if (s != null) {
      flushIfRequested(s);
    }
  }

  private void flushIfRequested(SttSession s) {
    if (flushRequested) {
      flushRequested = false;
      s.flush();
    }
  }

  private void closeAnalysis() {
    TurnDetector.Analysis a = analysis;
    analysis = null;
    if (a != null) {
      try {
        a.close();
      } catch (RuntimeException | LinkageError e) {
        log.debug("{} - speaker {}: turn analysis threw from close()", sessionId, label, e);
      }
    }
  }

  /**
   * A detector that throws is switched off for this speaker (the transcription goes on without it):
   * one WARN, and {@link PipelineEvent.TurnDetectorFailed} on the session's events.
   */
  private void turnDetectorFailed(String where, Throwable e) {
    closeAnalysis();
    flushRequested = false;
    TurnDetector d = Objects.requireNonNull(turnDetector);
    log.warn(
        "{} - speaker {}: turn detector {} failed in {}(); turn detection is off for this speaker,"
            + " transcription goes on",
        sessionId,
        label,
        d.name(),
        where,
        e);
    owner.turnEvent(
        this,
        new PipelineEvent.TurnDetectorFailed(stream.id(), label, d.name(), where + "(): " + e));
  }

  /** Places an analysis position (16 kHz samples of sent audio) on the session timeline. */
  private long timelineMs(long atSample) {
    return timeline.toOutputMs(atSample * 1000.0 / TurnDetector.FORMAT.sampleRate());
  }

  /** The analysis' findings, onto the session's events (drain thread; one instance, reused). */
  private final class TurnEvents implements TurnDetector.Events {
    @Override
    public void speechStarted(long atSample) {
      owner.turnEvent(
          SpeakerChannel.this,
          new PipelineEvent.SpeechStarted(stream.id(), label, timelineMs(atSample)));
    }

    @Override
    public void speechEnded(long atSample) {
      owner.turnEvent(
          SpeakerChannel.this,
          new PipelineEvent.SpeechEnded(stream.id(), label, timelineMs(atSample)));
    }

    @Override
    public void endOfTurn(long atSample, double probability) {
      owner.turnEvent(
          SpeakerChannel.this,
          new PipelineEvent.EndOfTurn(stream.id(), label, timelineMs(atSample), probability));
      if (finalizeAtEndOfTurn) {
        flushRequested = true;
      }
    }
  }

  // ---------------------------------------------------------------- recogniser events

  private void onEvent(TranscriptEvent event) {
    try {
      if (event instanceof TranscriptEvent.Result r) {
        if (r.isFinal()) {
          finalSeen = true;
        }
        if (!firstResultSeen) {
          firstResultSeen = true;
          long at = sentAt(r.endMs());
          if (at > 0) {
            listener.firstTranscript(
                stream.id(), Duration.ofNanos(Math.max(0, System.nanoTime() - at)));
          }
        }
        owner.transcript(this, toTranscript(r));
      } else if (event instanceof TranscriptEvent.Failed f) {
        owner.failed(this, f.error());
        providerFailed.countDown();
      } else {
        if (event instanceof TranscriptEvent.Reconnecting rc) {
          unansweredError = rc.cause();
        } else if (event instanceof TranscriptEvent.Reconnected
            || event instanceof TranscriptEvent.ProviderSwitched) {
          unansweredError = null; // a working recogniser again: silence may be just silence
        }
        if (event instanceof TranscriptEvent.ProviderSwitched && finishing) {
          finishWaitUntil =
              System.nanoTime() + finishTimeout.toNanos() + 1_000_000_000L + sentMs * 1_000_000L;
        }
        owner.providerEvent(this, event);
      }
    } catch (RuntimeException e) {
      log.debug("{} - speaker {}: could not handle {}", sessionId, label, event, e);
    }
  }

  private Transcript toTranscript(TranscriptEvent.Result r) {
    long start = timeline.toOutputMs(r.startMs());
    long end = Math.max(start, timeline.toOutputMs(r.endMs()));
    List<Word> words = new ArrayList<>(r.words().size());
    for (Word w : r.words()) {
      long ws = timeline.toOutputMs(w.startMs());
      words.add(
          new Word(w.text(), ws, Math.max(ws, timeline.toOutputMs(w.endMs())), w.confidence()));
    }
    return new Transcript(
        label,
        stream.identity(),
        r.text(),
        start,
        end,
        r.isFinal(),
        r.language() != null ? r.language() : language,
        r.confidence(),
        words,
        stream.id() + "/" + r.segmentId(),
        provider.name());
  }

  @Override
  public String toString() {
    return "SpeakerChannel{" + stream.id() + " as " + label + "}";
  }
}
