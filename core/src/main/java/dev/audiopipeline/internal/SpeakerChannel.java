package dev.audiopipeline.internal;

import dev.audiopipeline.AudioConverter;
import dev.audiopipeline.AudioFormat;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AudioSink;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.Word;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One speaker inside a session: the sink its source writes into (producer side), a lock-free ring
 * buffer, and a drain thread (consumer side) that converts the audio and streams it to the speaker's
 * recogniser session. Maps recogniser results onto the session's timeline.
 */
public final class SpeakerChannel implements AudioSink {
  private static final Logger log = LoggerFactory.getLogger(SpeakerChannel.class);

  /** A jump in source timestamps beyond this re-anchors the speaker's timeline. */
  static final long GAP_MICROS = 100_000;
  /** A gap this long also resets the converter (the audio around it is unrelated). */
  static final long RESET_MICROS = 1_000_000;

  /** What the channel reports to its session. Called from library threads; must not block. */
  public interface Owner {
    void transcript(SpeakerChannel channel, Transcript transcript);

    void providerEvent(SpeakerChannel channel, TranscriptEvent event);

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
  private final ConcurrentLinkedQueue<long[]> anchors = new ConcurrentLinkedQueue<>();
  private final SpeakerTimeline timeline = new SpeakerTimeline();
  private final AudioConverter converter;
  private final Thread drainThread;
  private final CountDownLatch done = new CountDownLatch(1);
  private final AtomicLong droppedSamples = new AtomicLong();

  // Producer-side state (the source's thread only).
  private long anchorIndex = -1;
  private long anchorMicros;

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
    int samples = format.samplesIn(bufferDuration.toNanos() / 1_000);
    this.ring = new SampleRingBuffer(SampleRingBuffer.capacityFor(Math.max(samples, 4096)));
    this.drainThread =
        NamedThreadFactory.thread("drain-" + sessionId + "-" + stream.id(), this::drainLoop);
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

  /** Opens the recogniser session and starts the drain thread, then the source's delivery. */
  public void start(long nowMs) {
    joinedAtMs = nowMs;
    SttSessionOptions options =
        new SttSessionOptions(stream.id(), label, language, listener, stream.canWait());
    session = provider.openSession(options, this::onEvent);
    drainThread.start();
    stream.start(this);
  }

  /** The source reported the speaker left: process what was accepted, then finish. */
  public void leave() {
    leaving = true;
    LockSupport.unpark(drainThread);
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

  /** Interleaved input samples dropped because the ring buffer was full. */
  public long droppedSamples() {
    return ring.droppedSamples();
  }

  // ---------------------------------------------------------------- producer side (AudioSink)

  @Override
  public AudioFormat format() {
    return format;
  }

  private void checkOpen() {
    if (closedForInput || leaving) {
      throw new IllegalStateException(
          "stream " + stream.id() + " no longer accepts audio: it has left or the session closed");
    }
  }

  private void checkRange(int arrayLength, int offset, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException(
          "empty audio (length " + length + "); write at least one sample per channel");
    }
    if (offset < 0 || offset > arrayLength - length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + (offset + length) + ") is outside an array of " + arrayLength);
    }
    if (length % format.channels() != 0) {
      throw new IllegalArgumentException(
          "length " + length + " is not a multiple of " + format.channels()
              + " channels (" + format + ")");
    }
    if (length > ring.capacity()) {
      throw new IllegalArgumentException(
          "a write of " + length + " samples exceeds the buffer of " + ring.capacity()
              + "; write 10-100 ms at a time");
    }
  }

  private void markTime(long timestampMicros) {
    long index = ring.written();
    if (anchorIndex < 0) {
      anchorIndex = index;
      anchorMicros = timestampMicros;
      anchors.add(new long[] {index, timestampMicros, 0});
      return;
    }
    long expected =
        anchorMicros + (index - anchorIndex) / format.channels() * 1_000_000L / format.sampleRate();
    long gap = timestampMicros - expected;
    if (gap > GAP_MICROS) {
      anchorIndex = index;
      anchorMicros = timestampMicros;
      anchors.add(new long[] {index, timestampMicros, gap >= RESET_MICROS ? 1 : 0});
    }
  }

  private void dropped(int length) {
    long total = droppedSamples.addAndGet(length);
    listener.audioDropped(stream.id(), length, "ring buffer");
    if (total == length || total / format.sampleRate() != (total - length) / format.sampleRate()) {
      log.warn(
          "{} - speaker {}: ring buffer full, {} samples dropped so far (policy: drop newest)",
          sessionId, label, total);
    }
  }

  @Override
  public boolean offer(short[] samples, int offset, int length, long timestampMicros) {
    checkOpen();
    checkRange(samples.length, offset, length);
    markTime(timestampMicros);
    if (!ring.offer(samples, offset, length)) {
      dropped(length);
      return false;
    }
    LockSupport.unpark(drainThread);
    return true;
  }

  @Override
  public boolean offerBytes(byte[] pcm, int offset, int length, long timestampMicros) {
    checkOpen();
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
    checkRange(length / 2, 0, length / 2);
    markTime(timestampMicros);
    if (!ring.offerBytes(pcm, offset, length)) {
      dropped(length / 2);
      return false;
    }
    LockSupport.unpark(drainThread);
    return true;
  }

  @Override
  public void put(short[] samples, int offset, int length, long timestampMicros)
      throws InterruptedException {
    checkOpen();
    checkRange(samples.length, offset, length);
    while (ring.remaining() < length) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      checkOpen();
      LockSupport.unpark(drainThread);
      LockSupport.parkNanos(this, 1_000_000);
    }
    markTime(timestampMicros);
    ring.offer(samples, offset, length);
    LockSupport.unpark(drainThread);
  }

  // ---------------------------------------------------------------- consumer side (drain thread)

  private void drainLoop() {
    SttSession s = session;
    try {
      int ch = format.channels();
      int chunk = Math.max(ch, format.samplesIn(20_000));
      short[] in = new short[chunk];
      short[] out =
          new short[Math.max(converter.maxOutputLength(chunk), converter.maxDrainLength())];
      long readIndex = 0;
      // The filter delays its output by delayFrames(): drop that many leading samples so that
      // sent-audio time equals input time, and drain the tail at every discontinuity and the end.
      skip = converter.delayFrames();
      while (!aborted && s != null) {
        long[] a = anchors.peek();
        int max = chunk;
        if (a != null) {
          if (a[0] <= readIndex) {
            anchors.poll();
            long audioMs = readIndex / ch * 1000 / format.sampleRate();
            timeline.anchor(audioMs, a[1] / 1000);
            if (a[2] == 1 && readIndex > 0) {
              sendSkipping(s, out, converter.drain(out, 0)); // drain() also resets
              skip = converter.delayFrames();
            }
            continue;
          }
          max = (int) Math.min(max, a[0] - readIndex);
        }
        int n = ring.poll(in, 0, max);
        if (n > 0) {
          int m = converter.convert(in, 0, n, out, 0);
          readIndex += n;
          if (!firstResultSeen) {
            markSent(readIndex / ch * 1000 / format.sampleRate());
          }
          sendSkipping(s, out, m);
          continue;
        }
        if (leaving && ring.size() == 0 && anchors.isEmpty()) {
          break;
        }
        LockSupport.parkNanos(this, 20_000_000);
      }
      closedForInput = true;
      if (!aborted && s != null && readIndex > 0) {
        sendSkipping(s, out, converter.drain(out, 0));
      }
      if (!aborted && s != null) {
        try {
          s.finish(finishTimeout)
              .toCompletableFuture()
              .get(finishTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          log.warn("{} - speaker {}: recogniser did not finish in {}", sessionId, label,
              finishTimeout);
          s.close();
        } catch (ExecutionException e) {
          log.debug("{} - speaker {}: recogniser finish failed", sessionId, label, e.getCause());
          s.close();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (s != null) {
        s.close();
      }
    } catch (RuntimeException e) {
      if (s != null) {
        s.close();
      }
      owner.failed(this, BoundedPublisher.asPipelineException(e));
    } finally {
      closedForInput = true;
      listener.sessionClosed(stream.id(), aborted ? "aborted" : "finished");
      done.countDown();
      owner.done(this);
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

  private void sendSkipping(SttSession s, short[] out, int m) {
    int off = Math.min(skip, m);
    skip -= off;
    if (m - off > 0) {
      s.send(out, off, m - off);
    }
  }

  // ---------------------------------------------------------------- recogniser events

  private void onEvent(TranscriptEvent event) {
    try {
      if (event instanceof TranscriptEvent.Result r) {
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
      } else {
        owner.providerEvent(this, event);
      }
    } catch (RuntimeException e) {
      log.debug("{} - speaker {}: could not handle {}", sessionId, label, event, e);
    }
  }

  private Transcript toTranscript(TranscriptEvent.Result r) {
    long start = timeline.toTimeline(r.startMs());
    long end = Math.max(start, timeline.toTimeline(r.endMs()));
    List<Word> words = new ArrayList<>(r.words().size());
    for (Word w : r.words()) {
      long ws = timeline.toTimeline(w.startMs());
      words.add(new Word(w.text(), ws, Math.max(ws, timeline.toTimeline(w.endMs())),
          w.confidence()));
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
