package dev.audiopipeline.freetts;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsRequest;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One subscription to {@link FreeTtsProvider#synthesize}: starts the synthesis at the first
 * request and hands chunks to the subscriber as demand allows. FreeTTS pushes a whole utterance
 * without waiting, so chunks not yet requested wait in a queue bounded by the text's length.
 */
final class Synthesis implements Flow.Subscription, PcmSink.Target {
  private final FreeTtsProvider provider;
  private final TtsRequest request;
  private final Flow.Subscriber<? super TtsChunk> subscriber;
  private final Queue<TtsChunk> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean terminated = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile boolean produced;
  private volatile @Nullable Throwable error;

  Synthesis(FreeTtsProvider provider, TtsRequest request,
      Flow.Subscriber<? super TtsChunk> subscriber) {
    this.provider = provider;
    this.request = request;
    this.subscriber = subscriber;
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      error = new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)");
      produced = true;
      cancelled = true;
      drain();
      return;
    }
    demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
    if (started.compareAndSet(false, true)) {
      try {
        provider.submit(this::produce);
      } catch (RejectedExecutionException e) {
        fail(new AudioPipelineException("freetts: provider is closed"));
      }
    }
    drain();
  }

  @Override
  public void cancel() {
    cancelled = true;
    queue.clear();
  }

  private void produce() {
    try {
      if (cancelled) {
        return;
      }
      String voice = request.voice();
      if (voice != null && !voice.equals(FreeTtsProvider.VOICE)) {
        throw new AudioPipelineException("freetts: voice '" + voice
            + "' is not available: accepted " + FreeTtsProvider.VOICE + " (or no voice)");
      }
      provider.speak(request.text(), new PcmSink(this));
      produced = true;
      drain();
    } catch (AudioPipelineException e) {
      fail(e);
    } catch (RuntimeException | LinkageError e) {
      fail(new AudioPipelineException("freetts: synthesis failed: " + e, e));
    }
  }

  private void fail(Throwable t) {
    if (cancelled) {
      return; // rule 1.8: nothing after cancel
    }
    error = t;
    produced = true;
    drain();
  }

  @Override
  public boolean pcm(byte[] littleEndian) {
    if (cancelled || Thread.currentThread().isInterrupted()) {
      return false;
    }
    queue.add(new TtsChunk(AudioFormat.MONO_16K, littleEndian, List.of()));
    drain();
    return true;
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      if (terminated.get()) {
        queue.clear();
      } else {
        while (!cancelled && demand.get() > 0) {
          TtsChunk c = queue.poll();
          if (c == null) {
            break;
          }
          demand.decrementAndGet();
          subscriber.onNext(c);
        }
        Throwable err = error;
        if (err != null && terminated.compareAndSet(false, true)) {
          queue.clear();
          subscriber.onError(err);
        } else if (!cancelled && produced && queue.isEmpty()
            && terminated.compareAndSet(false, true)) {
          subscriber.onComplete();
        }
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }
}
