package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.TtsChunk;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Records every signal of a TtsChunk stream; awaits with timeouts. */
final class Recorder implements Flow.Subscriber<TtsChunk> {
  private final long initial;
  final BlockingQueue<TtsChunk> items = new LinkedBlockingQueue<>();
  final List<TtsChunk> all = new ArrayList<>();
  final CountDownLatch terminated = new CountDownLatch(1);
  final AtomicInteger terminalSignals = new AtomicInteger();
  volatile Flow.@Nullable Subscription subscription;
  volatile @Nullable Throwable error;
  volatile boolean completed;

  private Recorder(long initial) {
    this.initial = initial;
  }

  static Recorder unbounded() {
    return new Recorder(Long.MAX_VALUE);
  }

  static Recorder manual() {
    return new Recorder(0);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (initial > 0) {
      s.request(initial);
    }
  }

  @Override
  public void onNext(TtsChunk item) {
    synchronized (all) {
      all.add(item);
    }
    items.add(item);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
    terminalSignals.incrementAndGet();
    terminated.countDown();
  }

  @Override
  public void onComplete() {
    completed = true;
    terminalSignals.incrementAndGet();
    terminated.countDown();
  }

  void request(long n) {
    Flow.Subscription s = subscription;
    assertThat(s).as("subscribed").isNotNull();
    s.request(n);
  }

  void cancel() {
    Flow.Subscription s = subscription;
    assertThat(s).as("subscribed").isNotNull();
    s.cancel();
  }

  TtsChunk awaitNext(Duration timeout) throws InterruptedException {
    TtsChunk c = items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(c).as("a chunk within %s (error: %s)", timeout, error).isNotNull();
    return c;
  }

  Recorder awaitComplete(Duration timeout) throws InterruptedException {
    assertThat(terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
        .as("terminated within %s", timeout)
        .isTrue();
    assertThat(error).as("no error").isNull();
    assertThat(completed).isTrue();
    assertThat(terminalSignals.get()).isEqualTo(1);
    return this;
  }

  Throwable awaitError(Duration timeout) throws InterruptedException {
    assertThat(terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
        .as("terminated within %s", timeout)
        .isTrue();
    Throwable e = error;
    assertThat(e).as("an error, not onComplete").isNotNull();
    assertThat(terminalSignals.get()).as("exactly one terminal signal").isEqualTo(1);
    return e;
  }

  List<TtsChunk> chunks() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  byte[] pcm() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (TtsChunk c : chunks()) {
      out.writeBytes(c.pcm());
    }
    return out.toByteArray();
  }

  List<TtsChunk.CharTiming> alignment() {
    List<TtsChunk.CharTiming> out = new ArrayList<>();
    for (TtsChunk c : chunks()) {
      out.addAll(c.alignment());
    }
    return out;
  }
}
