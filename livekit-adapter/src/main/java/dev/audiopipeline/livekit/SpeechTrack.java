package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot's voice in one room: a queue of {@link Utterance}s and the one pacing thread ({@code
 * audio-pipeline-livekit-<room>-speech}) that feeds their audio, 10 ms frames of 48 kHz mono, into
 * the published track's {@link CustomAudioSource} in real time.
 *
 * <p><b>Pacing.</b> Frame {@code k} of a run of audio is pushed at {@code start + k × 10 ms}
 * (absolute deadlines, so timing errors do not accumulate); after a pause, or when the TTS is
 * slower than real time and the buffer runs dry, the run starts again from the next frame (no
 * catching up in a burst). Between utterances, and while paused or waiting for TTS audio, the
 * thread is parked: nothing is pushed, so nothing is encoded or sent, and no CPU is used. Each
 * utterance ends with 20 ms of silence so that the encoder's last packet goes out.
 *
 * <p><b>Buffering.</b> Each utterance's TTS audio is converted to 48 kHz mono as it arrives (core's
 * {@link AudioConverter}, any TTS format) into a buffer; the next chunk is requested from the TTS
 * publisher only while that buffer holds less than {@value #BUFFER_MILLIS} ms, so a TTS faster than
 * real time is held back by Reactive Streams demand, not dropped. The bound is therefore {@value
 * #BUFFER_MILLIS} ms plus one chunk (a provider that sends a whole sentence as one chunk is
 * accepted whole). A publisher that sends more than it was asked for violates the contract and
 * fails the utterance.
 *
 * <p><b>Queue.</b> At most {@value #MAX_QUEUED} utterances wait behind the one playing; {@code
 * speak} beyond that is refused with an {@link IllegalStateException}.
 */
final class SpeechTrack {
  private static final Logger log = LoggerFactory.getLogger(SpeechTrack.class);

  static final int RATE = 48_000;
  static final int FRAME_SAMPLES = 480;
  static final long FRAME_NANOS = 10_000_000L;
  static final int MAX_QUEUED = 16;
  static final int BUFFER_MILLIS = 2_000;
  static final int BUFFER_SAMPLES = RATE / 1000 * BUFFER_MILLIS;
  static final AudioFormat FORMAT = AudioFormat.MONO_48K;

  /**
   * How long a wait for TTS audio right after audio was sent (the next queued utterance, a slow
   * chunk) is filled with silent frames on the same clock: 500 ms. Longer waits, and the time
   * between utterances when nothing is queued, send nothing.
   */
  static final long GAP_FILL_NANOS = 500_000_000L;

  /** Silent frames after each utterance: completes the encoder's 20 ms packet. */
  static final int TAIL_FRAMES = 2;

  /**
   * Audio buffered before a run of frames starts (an utterance's start, or after the TTS fell
   * behind), so that a TTS delivering in small bursts does not stutter: 100 ms.
   */
  static final int RUN_START_SAMPLES = RATE / 10;

  /**
   * Speaking rate assumed when cutting the text of an utterance cancelled before its synthesis
   * finished (and without character timings): about 160 words a minute.
   */
  static final double CHARS_PER_SECOND = 15.0;

  /** What the track needs from its room. */
  interface Room {
    /**
     * Publishes the track (once) and completes when audio pushed now reaches the room: the server
     * confirmed it and the publisher connection is connected. Fails with a typed exception.
     */
    CompletableFuture<String> ready(CustomAudioSource source);

    /** The bot's speech as a transcript line, on the room's timeline. */
    void spoken(
        Utterance u,
        String playedText,
        String trackSid,
        long startNanos,
        long endNanos,
        String provider);
  }

  /** How long an utterance waits for the track to become ready before it fails. */
  private final long readyTimeoutNanos;

  private final String logPrefix;
  private final Room room;
  private final CustomAudioSource source;
  private final Thread pacer;
  private final Object lock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final AtomicLong framesPushed = new AtomicLong();
  private final AtomicLong underruns = new AtomicLong();
  private final AtomicLong ids = new AtomicLong();
  private final byte[] frameBytes = new byte[FRAME_SAMPLES * 2];

  // pacing-thread state: the deadline of the next frame on the current clock, and until when a
  // wait for TTS audio is filled with silence instead of leaving a gap
  private long clockNext = -1;
  private long fillUntil = -1;
  private volatile @Nullable Pending current;
  private volatile boolean closed;
  private @Nullable AudioPipelineException closeError;

  /** One queued utterance and where its audio comes from. */
  private record Pending(
      Utterance utterance, Supplier<Flow.Publisher<TtsChunk>> audio, String provider) {}

  SpeechTrack(String logPrefix, String threadTag, Room room, long readyTimeoutNanos) {
    this.logPrefix = logPrefix;
    this.room = room;
    this.readyTimeoutNanos = readyTimeoutNanos;
    WebRtcFactories.sending(); // loads the natives before the first native object
    this.source = new CustomAudioSource();
    this.pacer = NamedThreadFactory.thread("livekit-" + threadTag + "-speech", this::run);
    pacer.start();
  }

  /** Queues an utterance. */
  Utterance speak(String text, Supplier<Flow.Publisher<TtsChunk>> audio, String provider) {
    Utterance u = new Utterance(ids.incrementAndGet(), text);
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the room is closed: the bot cannot speak any more");
      }
      if (queue.size() >= MAX_QUEUED) {
        throw new IllegalStateException(
            MAX_QUEUED
                + " utterances are already waiting: speak refused (cancel some, or wait for"
                + " their completion())");
      }
      Pending p = new Pending(u, audio, provider);
      queue.add(p);
      u.pacer(pacer);
      u.onCancel(() -> cancelQueued(p)); // replaced when it starts playing
      lock.notifyAll();
    }
    return u;
  }

  /** A waiting utterance cancelled: it leaves the queue and completes now, not at its turn. */
  private void cancelQueued(Pending p) {
    boolean removed;
    synchronized (lock) {
      removed = queue.remove(p);
    }
    if (removed) {
      p.utterance().end(Utterance.State.CANCELLED, "", null);
    }
  }

  /** Cancels the utterance playing and every queued one. */
  void stopAll() {
    List<Pending> all;
    synchronized (lock) {
      all = new ArrayList<>(queue);
    }
    Pending c = current;
    if (c != null) {
      c.utterance().cancel();
    }
    for (Pending p : all) {
      p.utterance().cancel();
    }
  }

  boolean isSpeaking() {
    Pending c = current;
    if (c != null && !c.utterance().state().isTerminal()) {
      return true;
    }
    synchronized (lock) {
      return !queue.isEmpty();
    }
  }

  /** Frames pushed into the track so far (silent tail frames included). */
  long framesPushed() {
    return framesPushed.get();
  }

  /** How often the TTS fell behind real time mid-utterance (each a gap in the audio). */
  long underruns() {
    return underruns.get();
  }

  /** The pacing thread (for tests that sample its CPU time). */
  Thread pacer() {
    return pacer;
  }

  /**
   * Stops the thread; what is queued or playing ends as {@code error} (or cancelled when null).
   * Bounded wait.
   */
  void close(@Nullable AudioPipelineException error) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      closeError = error;
      lock.notifyAll();
    }
    stopAll();
    LockSupport.unpark(pacer);
    if (Thread.currentThread() != pacer) {
      try {
        pacer.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------- pacing thread

  private void run() {
    try {
      while (true) {
        Pending next;
        synchronized (lock) {
          while (queue.isEmpty() && !closed) {
            lock.wait(); // idle: parked, nothing pushed
          }
          next = queue.poll();
          if (next == null) {
            break; // closed
          }
          current = next;
        }
        play(next);
        current = null;
      }
      // closed: end whatever is left
      List<Pending> left;
      synchronized (lock) {
        left = new ArrayList<>(queue);
        queue.clear();
      }
      for (Pending p : left) {
        endClosed(p.utterance());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      log.error("{} - speech thread died", logPrefix, e);
    }
  }

  private void endClosed(Utterance u) {
    AudioPipelineException e;
    synchronized (lock) {
      e = closeError;
    }
    if (e != null) {
      u.end(Utterance.State.FAILED, "", e);
    } else {
      u.end(Utterance.State.CANCELLED, "", null);
    }
  }

  private void play(Pending p) throws InterruptedException {
    Utterance u = p.utterance();
    if (u.cancelRequested()) {
      u.end(Utterance.State.CANCELLED, "", null);
      return;
    }
    if (closed) {
      endClosed(u);
      return;
    }
    String trackSid;
    try {
      trackSid = awaitReady(u);
    } catch (AudioPipelineException e) {
      u.end(Utterance.State.FAILED, "", e);
      return;
    }
    if (trackSid == null) {
      if (closed && !u.cancelRequested()) {
        endClosed(u);
      } else {
        u.end(Utterance.State.CANCELLED, "", null);
      }
      return;
    }
    Buffer buffer = new Buffer(u);
    u.onCancel(buffer::cancelUpstream);
    if (u.cancelRequested()) { // cancelled between the check and registering the hook
      u.end(Utterance.State.CANCELLED, "", null);
      return;
    }
    Flow.Publisher<TtsChunk> audio;
    try {
      audio = p.audio().get();
    } catch (RuntimeException e) {
      u.end(Utterance.State.FAILED, "", asPipeline(e));
      return;
    }
    audio.subscribe(buffer);
    u.state(Utterance.State.SPEAKING);
    short[] samples = new short[FRAME_SAMPLES];
    long runStart = -1;
    long frameInRun = 0;
    long firstPushNanos = -1;
    long lastPushNanos = -1;
    AudioPipelineException failure = null;
    boolean cancelled = false;
    while (true) {
      if (u.cancelRequested() || closed) {
        cancelled = true;
        break;
      }
      if (u.pauseRequested()) {
        u.state(Utterance.State.PAUSED);
        if (runStart >= 0) {
          // end the run with silence, as at the end of an utterance: without it the subscriber's
          // decoder conceals the missing packets by stretching the last speech, audible for about
          // half a second (barge-in measured 700 ms onset -> silence, with the pause at +150 ms)
          pushTail(samples);
        }
        while (u.pauseRequested() && !u.cancelRequested() && !closed) {
          LockSupport.park(this);
        }
        u.state(Utterance.State.SPEAKING);
        runStart = -1;
        continue;
      }
      int n = buffer.take(samples, runStart < 0 ? RUN_START_SAMPLES : FRAME_SAMPLES);
      if (n < 0) {
        AudioPipelineException e = buffer.error();
        if (e != null) {
          failure = e;
        }
        break; // ended (or failed) and empty
      }
      if (n == 0) {
        long now = System.nanoTime();
        if (clockNext >= now - FRAME_NANOS && clockNext <= fillUntil) {
          // a short wait for TTS audio (the next queued utterance's synthesis, a slow chunk):
          // keep the 10 ms clock going with silence, so the subscriber's jitter buffer sees no
          // jump in the RTP timestamps (which it would time-compress the next words to absorb)
          if (!waitUntil(u, clockNext)) {
            cancelled = true;
            break;
          }
          java.util.Arrays.fill(samples, (short) 0);
          push(samples);
          clockNext += FRAME_NANOS;
          runStart = -1;
          continue;
        }
        if (runStart >= 0) {
          underruns.incrementAndGet(); // the TTS is behind real time: a gap in the audio
        }
        LockSupport.park(this); // waiting for TTS audio: the run starts again when it comes
        runStart = -1;
        continue;
      }
      if (n < FRAME_SAMPLES) {
        java.util.Arrays.fill(samples, n, FRAME_SAMPLES, (short) 0); // the last, partial frame
      }
      long now = System.nanoTime();
      if (runStart < 0) {
        // continue the clock if it is on time (right after silence filling), else start it now
        runStart =
            clockNext >= now - FRAME_NANOS && clockNext <= now + FRAME_NANOS ? clockNext : now;
        frameInRun = 0;
      }
      long deadline = runStart + frameInRun * FRAME_NANOS;
      while (now < deadline) {
        LockSupport.parkNanos(this, deadline - now);
        if (u.cancelRequested() || closed) {
          break;
        }
        now = System.nanoTime();
      }
      if (u.cancelRequested() || closed) {
        cancelled = true;
        break; // this frame is not sent
      }
      push(samples);
      if (firstPushNanos < 0) {
        firstPushNanos = now;
      }
      lastPushNanos = now;
      clockNext = deadline + FRAME_NANOS;
      fillUntil = clockNext + GAP_FILL_NANOS;
      u.addPlayed(n);
      frameInRun++;
    }
    buffer.cancelUpstream();
    if (lastPushNanos >= 0) {
      pushTail(samples);
    }
    String played;
    Utterance.State end;
    if (failure != null) {
      end = Utterance.State.FAILED;
      played = buffer.playedText(u.playedSamples());
    } else if (cancelled) {
      end = Utterance.State.CANCELLED;
      played = buffer.playedText(u.playedSamples());
    } else {
      end = Utterance.State.FINISHED;
      played = u.text();
    }
    if (firstPushNanos >= 0 && !played.isBlank()) {
      try {
        room.spoken(u, played, trackSid, firstPushNanos, lastPushNanos + FRAME_NANOS, p.provider());
      } catch (RuntimeException e) {
        log.debug("{} - could not report the bot's speech", logPrefix, e);
      }
    }
    if (failure == null && closed && !cancelled) {
      end = Utterance.State.FINISHED;
    } else if (closed && cancelled && !u.cancelRequested()) {
      AudioPipelineException ce;
      synchronized (lock) {
        ce = closeError;
      }
      if (ce != null) {
        failure = ce;
        end = Utterance.State.FAILED;
      }
    }
    u.end(end, played, end == Utterance.State.FAILED ? failure : null);
  }

  /**
   * Ends a run of speech with {@link #TAIL_FRAMES} silent frames on the 10 ms clock, so that the
   * subscriber's decoder plays silence at once instead of concealing the missing packets.
   */
  private void pushTail(short[] scratch) {
    java.util.Arrays.fill(scratch, (short) 0);
    for (int i = 0; i < TAIL_FRAMES; i++) {
      long deadline = clockNext;
      long now;
      while ((now = System.nanoTime()) < deadline) {
        LockSupport.parkNanos(this, deadline - now);
      }
      push(scratch);
      clockNext = Math.max(deadline, now - FRAME_NANOS) + FRAME_NANOS;
    }
  }

  /** Parks until {@code deadline}; false if the utterance was cancelled or the track closed. */
  private boolean waitUntil(Utterance u, long deadline) {
    long now;
    while ((now = System.nanoTime()) < deadline) {
      LockSupport.parkNanos(this, deadline - now);
      if (u.cancelRequested() || closed) {
        return false;
      }
    }
    return !(u.cancelRequested() || closed);
  }

  /** Waits for the track; null when the utterance was cancelled or the track closed meanwhile. */
  private @Nullable String awaitReady(Utterance u) throws InterruptedException {
    CompletableFuture<String> ready = room.ready(source);
    long deadline = System.nanoTime() + readyTimeoutNanos;
    while (true) {
      if (u.cancelRequested() || closed) {
        return null;
      }
      try {
        return ready.get(20, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new LiveKitRoomException(
              "the bot's audio track was not ready within "
                  + TimeUnit.NANOSECONDS.toMillis(readyTimeoutNanos)
                  + " ms",
              null,
              null);
        }
      } catch (ExecutionException e) {
        throw asPipeline(e.getCause() == null ? e : e.getCause());
      }
    }
  }

  private void push(short[] samples) {
    byte[] b = frameBytes;
    for (int i = 0, j = 0; i < FRAME_SAMPLES; i++, j += 2) {
      short s = samples[i];
      b[j] = (byte) s;
      b[j + 1] = (byte) (s >> 8);
    }
    source.pushAudio(b, 16, RATE, 1, FRAME_SAMPLES);
    framesPushed.incrementAndGet();
  }

  static AudioPipelineException asPipeline(Throwable t) {
    if (t instanceof AudioPipelineException ape) {
      return ape;
    }
    return new AudioPipelineException("the bot's speech failed: " + t, t);
  }

  /**
   * {@code text} up to {@code cut}, extended to the end of the word {@code cut} falls in (a word
   * begun counts as said).
   */
  static String toWordEnd(String text, int cut) {
    if (cut <= 0) {
      return "";
    }
    int end = Math.min(cut, text.length());
    if (!Character.isWhitespace(text.charAt(end - 1))) {
      while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
        end++;
      }
    }
    return text.substring(0, end);
  }

  // ---------------------------------------------------------------- one utterance's audio

  /**
   * The TTS subscriber and the 48 kHz buffer between it (any thread) and the pacing thread. Demand
   * is one chunk at a time, renewed while less than {@link #BUFFER_SAMPLES} are buffered.
   */
  private final class Buffer implements Flow.Subscriber<TtsChunk> {
    private final Utterance utterance;
    private final ArrayDeque<short[]> chunks = new ArrayDeque<>();
    private final List<TtsChunk.CharTiming> alignment = new ArrayList<>();
    private int headOffset;
    private long buffered;
    private long received; // 48 kHz samples received in total
    private boolean completed;
    private boolean upstreamEnded; // completed, failed or cancelled by us
    private @Nullable AudioPipelineException error;
    private Flow.@Nullable Subscription subscription;
    private boolean demand; // a chunk is requested and not yet delivered
    private @Nullable AudioConverter converter;
    private @Nullable AudioFormat converterInput;
    private int skip; // converter delay still to drop

    Buffer(Utterance utterance) {
      this.utterance = utterance;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      boolean cancelNow;
      synchronized (this) {
        cancelNow = subscription != null || upstreamEnded;
        if (!cancelNow) {
          subscription = s;
          demand = true;
        }
      }
      if (cancelNow) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(TtsChunk chunk) {
      boolean requestMore;
      Flow.Subscription s;
      synchronized (this) {
        if (upstreamEnded) {
          return;
        }
        if (!demand) {
          fail(
              new AudioPipelineException(
                  "the TTS publisher sent a chunk that was not requested (Reactive Streams"
                      + " demand violated); utterance stopped"));
          s = subscription;
          if (s != null) {
            s.cancel();
          }
          return;
        }
        demand = false;
        try {
          append(chunk);
        } catch (IllegalArgumentException e) {
          fail(new AudioPipelineException("cannot play TTS audio: " + e.getMessage(), e));
          s = subscription;
          if (s != null) {
            s.cancel();
          }
          return;
        }
        requestMore = buffered < BUFFER_SAMPLES;
        if (requestMore) {
          demand = true;
        }
        s = subscription;
      }
      LockSupport.unpark(pacer);
      if (requestMore && s != null) {
        s.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        if (upstreamEnded) {
          return;
        }
        fail(asPipeline(t));
      }
      LockSupport.unpark(pacer);
    }

    @Override
    public void onComplete() {
      synchronized (this) {
        if (upstreamEnded) {
          return;
        }
        AudioConverter c = converter;
        if (c != null) {
          short[] out = new short[c.maxDrainLength()];
          addConverted(out, c.drain(out, 0));
        }
        completed = true;
        upstreamEnded = true;
      }
      LockSupport.unpark(pacer);
    }

    private void fail(AudioPipelineException e) {
      error = e;
      upstreamEnded = true;
    }

    /** Converts one chunk into the buffer (holding the lock). */
    private void append(TtsChunk chunk) {
      alignment.addAll(chunk.alignment());
      AudioFormat f = chunk.format();
      byte[] pcm = chunk.pcm();
      int n = pcm.length / 2;
      if (n == 0) {
        return;
      }
      short[] in = new short[n];
      for (int i = 0, j = 0; i < n; i++, j += 2) {
        in[i] = (short) ((pcm[j] & 0xff) | (pcm[j + 1] << 8));
      }
      if (f.sampleRate() == RATE && f.channels() == 1 && converter == null) {
        addConverted(in, n);
        return;
      }
      AudioConverter c = converter;
      if (c == null || !f.equals(converterInput)) {
        if (c != null) { // the format changed mid-utterance: end the old filter first
          short[] out = new short[c.maxDrainLength()];
          addConverted(out, c.drain(out, 0));
        }
        c = AudioConverter.create(f, FORMAT);
        converter = c;
        converterInput = f;
        skip = c.delayFrames();
      }
      short[] out = new short[c.maxOutputLength(n)];
      addConverted(out, c.convert(in, 0, n, out, 0));
    }

    private void addConverted(short[] out, int m) {
      int from = Math.min(skip, m);
      skip -= from;
      int len = m - from;
      if (len <= 0) {
        return;
      }
      short[] copy =
          from == 0 && len == out.length ? out : java.util.Arrays.copyOfRange(out, from, m);
      chunks.add(copy);
      buffered += len;
      received += len;
    }

    /**
     * Takes the next frame's samples, if at least {@code minBuffered} are buffered (or the audio
     * has ended).
     *
     * @return {@link #FRAME_SAMPLES}, fewer at the very end, 0 when the buffer is dry but more is
     *     coming, -1 when it is dry and the audio has ended (or failed)
     */
    int take(short[] frame, int minBuffered) {
      boolean requestMore = false;
      Flow.Subscription s;
      int got = 0;
      synchronized (this) {
        if (error != null) {
          return -1;
        }
        if (buffered < minBuffered && !upstreamEnded) {
          return 0; // wait for a full frame (or the start of a run's worth)
        }
        while (got < FRAME_SAMPLES && !chunks.isEmpty()) {
          short[] head = chunks.peek();
          int k = Math.min(FRAME_SAMPLES - got, head.length - headOffset);
          System.arraycopy(head, headOffset, frame, got, k);
          got += k;
          headOffset += k;
          if (headOffset == head.length) {
            chunks.poll();
            headOffset = 0;
          }
        }
        buffered -= got;
        if (got == 0) {
          return upstreamEnded ? -1 : 0;
        }
        if (!demand && !upstreamEnded && buffered < BUFFER_SAMPLES && subscription != null) {
          demand = true;
          requestMore = true;
        }
        s = subscription;
      }
      if (requestMore && s != null) {
        s.request(1);
      }
      return got;
    }

    synchronized @Nullable AudioPipelineException error() {
      return error;
    }

    void cancelUpstream() {
      Flow.Subscription s;
      synchronized (this) {
        if (upstreamEnded) {
          return;
        }
        upstreamEnded = true;
        s = subscription;
      }
      if (s != null) {
        s.cancel();
      }
      LockSupport.unpark(pacer);
    }

    /**
     * The words of the utterance's text begun within the first {@code playedSamples}: from the
     * character timings when the provider gave them, else in proportion to the audio received (the
     * whole utterance's audio once the TTS completed; what had arrived, otherwise).
     */
    synchronized String playedText(long playedSamples) {
      String text = utterance.text();
      if (playedSamples <= 0) {
        return "";
      }
      long playedMs = playedSamples * 1000 / RATE;
      if (!alignment.isEmpty()) {
        StringBuilder all = new StringBuilder();
        int begun = 0;
        for (TtsChunk.CharTiming c : alignment) {
          all.append(c.character());
          if (c.startMs() < playedMs) {
            begun = all.length();
          }
        }
        return toWordEnd(all.toString(), begun).strip();
      }
      if (received <= 0) {
        return "";
      }
      // the utterance's length: known once the synthesis completed; before that, at least what
      // arrived and at least the text at a brisk speaking rate (an unfinished synthesis has more)
      double total =
          completed
              ? received
              : Math.max(received, (double) text.length() / CHARS_PER_SECOND * RATE);
      double fraction = Math.min(1.0, playedSamples / total);
      int cut = (int) Math.round(text.length() * fraction);
      return toWordEnd(text, cut).strip();
    }
  }
}
