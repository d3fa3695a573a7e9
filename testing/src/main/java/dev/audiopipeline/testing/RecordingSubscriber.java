package dev.audiopipeline.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Flow.Subscriber} that records every signal in order, for tests. By default it requests
 * everything up front ({@link #unbounded()}); {@link #manual()} requests nothing until {@link
 * #request(long)}. The {@code await} methods wait with a timeout and fail with a clear message.
 */
public final class RecordingSubscriber<T> implements Flow.Subscriber<T> {
  private final long initialRequest;
  private final BlockingQueue<T> items = new LinkedBlockingQueue<>();
  private final List<T> all = new ArrayList<>();
  private final CountDownLatch subscribed = new CountDownLatch(1);
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile Flow.@Nullable Subscription subscription;
  private volatile @Nullable Throwable error;
  private volatile boolean completed;
  private volatile int terminalSignals;

  private RecordingSubscriber(long initialRequest) {
    this.initialRequest = initialRequest;
  }

  public static <T> RecordingSubscriber<T> unbounded() {
    return new RecordingSubscriber<>(Long.MAX_VALUE);
  }

  public static <T> RecordingSubscriber<T> manual() {
    return new RecordingSubscriber<>(0);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    subscribed.countDown();
    if (initialRequest > 0) {
      s.request(initialRequest);
    }
  }

  @Override
  public void onNext(T item) {
    Objects.requireNonNull(item, "onNext(null) violates Reactive Streams rule 2.13");
    synchronized (all) {
      all.add(item);
    }
    items.add(item);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
    terminalSignals++;
    terminated.countDown();
  }

  @Override
  public void onComplete() {
    completed = true;
    terminalSignals++;
    terminated.countDown();
  }

  /** Requests {@code n} more, after waiting for the subscription. */
  public void request(long n) {
    awaitSubscription().request(n);
  }

  public void cancel() {
    awaitSubscription().cancel();
  }

  private Flow.Subscription awaitSubscription() {
    try {
      if (!subscribed.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("no onSubscribe within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    return Objects.requireNonNull(subscription);
  }

  /** The next item not yet taken by an await method. */
  public T awaitNext(Duration timeout) throws InterruptedException {
    T t = items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (t == null) {
      throw new AssertionError("no item within " + timeout + "; terminal: " + describeTerminal());
    }
    return t;
  }

  /** Waits for {@code onComplete}; fails if {@code onError} came instead. */
  public RecordingSubscriber<T> awaitComplete(Duration timeout) throws InterruptedException {
    awaitTerminal(timeout);
    if (!completed) {
      throw new AssertionError("expected onComplete, got onError", error);
    }
    return this;
  }

  /** Waits for {@code onError} and returns its throwable; fails on {@code onComplete}. */
  public Throwable awaitError(Duration timeout) throws InterruptedException {
    awaitTerminal(timeout);
    Throwable t = error;
    if (t == null) {
      throw new AssertionError("expected onError, got onComplete");
    }
    return t;
  }

  private void awaitTerminal(Duration timeout) throws InterruptedException {
    if (!terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "no terminal signal within " + timeout + "; items so far: " + items().size());
    }
  }

  /** Every item received so far, in order. */
  public List<T> items() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  /** How many terminal signals arrived (the Reactive Streams rules allow exactly one). */
  public int terminalSignals() {
    return terminalSignals;
  }

  public boolean isCompleted() {
    return completed;
  }

  public @Nullable Throwable error() {
    return error;
  }

  private String describeTerminal() {
    return completed ? "completed" : error != null ? "error " + error : "none";
  }
}
