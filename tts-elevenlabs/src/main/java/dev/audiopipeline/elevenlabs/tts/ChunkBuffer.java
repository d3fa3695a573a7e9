package dev.audiopipeline.elevenlabs.tts;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded buffer between one producer (a network reader) and one {@link Flow.Subscriber}, which
 * may attach after the first items arrive.
 *
 * <p>Policy: at most {@code capacity} items wait for demand. A producer that can pause (the HTTP
 * body reader) calls {@link #awaitDemand()} before reading more, so nothing beyond demand is read
 * from the socket and backpressure reaches TCP. A producer that cannot pause (WebSocket messages)
 * calls {@link #offer} and treats {@code false} (buffer full) as an overflow. Items queued when the
 * producer fails are delivered first while demand allows; without demand the error goes out at once
 * and the queued items are dropped. {@code onComplete} follows the last queued item. Exactly one
 * terminal signal; nothing after {@code cancel()}.
 */
final class ChunkBuffer<T> implements Flow.Subscription {
  private static final Logger log = LoggerFactory.getLogger(ChunkBuffer.class);

  private final int capacity;
  private final Runnable onFirstRequest;
  private final Runnable onCancel;
  private final Object lock = new Object();
  private final AtomicInteger wip = new AtomicInteger();

  // guarded by lock
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private Flow.@Nullable Subscriber<? super T> subscriber;
  private boolean subscribed; // onSubscribe has returned
  private long requested;
  private boolean started;
  private boolean done;
  private @Nullable Throwable error;
  private boolean cancelled;
  private boolean terminated;

  /**
   * @param capacity items that may wait for demand, at least 1
   * @param onFirstRequest runs once, on the thread of the first {@code request(n)}; must be quick
   * @param onCancel runs once when the subscriber cancels (or breaks the rules)
   */
  ChunkBuffer(int capacity, Runnable onFirstRequest, Runnable onCancel) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + " must be at least 1");
    }
    this.capacity = capacity;
    this.onFirstRequest = Objects.requireNonNull(onFirstRequest, "onFirstRequest == null");
    this.onCancel = Objects.requireNonNull(onCancel, "onCancel == null");
  }

  /** Attaches the subscriber; returns false (and tells it so) if one is attached already. */
  boolean attach(Flow.Subscriber<? super T> s) {
    Objects.requireNonNull(s, "subscriber == null");
    synchronized (lock) {
      if (subscriber != null) {
        reject(s);
        return false;
      }
      subscriber = s;
    }
    wip.incrementAndGet(); // hold the drain loop while onSubscribe runs
    try {
      s.onSubscribe(this);
    } catch (RuntimeException e) {
      log.debug("onSubscribe threw; cancelling", e);
      cancel();
    }
    synchronized (lock) {
      subscribed = true;
    }
    drainLoop();
    return true;
  }

  private static <T> void reject(Flow.Subscriber<? super T> s) {
    s.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        });
    s.onError(new IllegalStateException("this publisher allows one subscriber"));
  }

  /** Queues an item. False only when the buffer is full; items after termination are ignored. */
  boolean offer(T item) {
    Objects.requireNonNull(item, "item == null");
    synchronized (lock) {
      if (cancelled || done) {
        return true;
      }
      if (queue.size() >= capacity) {
        return false;
      }
      queue.add(item);
    }
    drain();
    return true;
  }

  /** The producer is finished: {@code onComplete} after the queued items. */
  void complete() {
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      lock.notifyAll();
    }
    drain();
  }

  /** The producer failed. Ignored after {@link #complete()} or a first failure. */
  void fail(Throwable t) {
    Objects.requireNonNull(t, "t == null");
    synchronized (lock) {
      if (done || cancelled) {
        return;
      }
      done = true;
      error = t;
      lock.notifyAll();
    }
    drain();
  }

  /** Drops queued items and completes now (the caller stopped the stream). */
  void completeNow() {
    synchronized (lock) {
      if (done && queue.isEmpty()) {
        return;
      }
      queue.clear();
      done = true;
      error = null;
      lock.notifyAll();
    }
    drain();
  }

  boolean isCancelled() {
    synchronized (lock) {
      return cancelled;
    }
  }

  /** Whether the stream has been completed, failed or cancelled. */
  boolean isDone() {
    synchronized (lock) {
      return done || cancelled;
    }
  }

  /**
   * Blocks until the subscriber wants more than what is queued. Returns false if the stream was
   * cancelled or terminated meanwhile.
   */
  boolean awaitDemand() throws InterruptedException {
    synchronized (lock) {
      while (!cancelled && !done && requested <= queue.size()) {
        lock.wait();
      }
      return !cancelled && !done;
    }
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      fail(new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"));
      cancelUpstream();
      return;
    }
    boolean first;
    synchronized (lock) {
      if (cancelled) {
        return;
      }
      requested = requested + n < 0 ? Long.MAX_VALUE : requested + n;
      first = !started;
      started = true;
      lock.notifyAll();
    }
    if (first) {
      onFirstRequest.run();
    }
    drain();
  }

  @Override
  public void cancel() {
    synchronized (lock) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      queue.clear();
      lock.notifyAll();
    }
    onCancel.run();
  }

  private void cancelUpstream() {
    boolean run;
    synchronized (lock) {
      run = !cancelled;
      cancelled = true;
      lock.notifyAll();
    }
    if (run) {
      onCancel.run();
    }
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    drainLoop();
  }

  /** Runs with wip already held (at least 1). */
  private void drainLoop() {
    int missed = wip.get();
    while (true) {
      emitAvailable();
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void emitAvailable() {
    while (true) {
      Flow.Subscriber<? super T> s;
      T item = null;
      Throwable err = null;
      boolean complete = false;
      synchronized (lock) {
        s = subscriber;
        if (s == null || !subscribed || terminated) {
          return;
        }
        if (cancelled) {
          queue.clear();
          if (error == null || terminated) {
            return;
          }
          // a rule-3.9 violation: cancelled by us, but the subscriber must hear why
        }
        if (!cancelled && !queue.isEmpty() && requested > 0) {
          item = queue.poll();
          if (requested != Long.MAX_VALUE) {
            requested--;
          }
          lock.notifyAll();
        } else if (done && error != null && (queue.isEmpty() || requested == 0 || cancelled)) {
          queue.clear();
          err = error;
          terminated = true;
        } else if (done && error == null && queue.isEmpty() && !cancelled) {
          complete = true;
          terminated = true;
        } else {
          return;
        }
      }
      try {
        if (item != null) {
          s.onNext(item);
        } else if (err != null) {
          s.onError(err);
          return;
        } else if (complete) {
          s.onComplete();
          return;
        }
      } catch (RuntimeException e) {
        log.debug("subscriber threw from a signal (rule 2.13); cancelling", e);
        cancel();
        return;
      }
    }
  }
}
