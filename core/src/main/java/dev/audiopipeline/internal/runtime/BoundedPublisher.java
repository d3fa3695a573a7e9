package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.OverflowException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hot, multi-subscriber {@link Flow.Publisher} with a bounded buffer per subscriber.
 *
 * <p>{@link #submit} never blocks: producers are audio and network threads. Each subscriber has its
 * own queue of at most {@code capacity} items and its own drain task, run on the given executor as
 * the subscriber's demand allows; signals to one subscriber are serial. Subscribers are isolated
 * from each other: give the publisher an executor that runs each task on its own thread (a cached
 * pool), and a subscriber that is slow in {@code onNext} holds up only its own queue.
 *
 * <p>Overflow policy when a subscriber's queue is full: if the queue holds a <em>droppable</em>
 * item (for transcripts: a partial, which the next partial or the final supersedes), the oldest one
 * is discarded to make room; if the incoming item is droppable and nothing queued is, the incoming
 * item is discarded; otherwise (the queue is full of items that must not be lost) the subscription
 * is cancelled and the subscriber gets {@code onError(OverflowException)}. Discards are counted.
 *
 * <p>Terminal signals: {@link #complete()} and {@link #fail} reach each subscriber after the items
 * queued before them. Subscribers that arrive after termination get the terminal signal at once.
 */
public final class BoundedPublisher<T> implements Flow.Publisher<T> {
  private static final Logger log = LoggerFactory.getLogger(BoundedPublisher.class);

  private final Executor executor;
  private final int capacity;
  private final Predicate<? super T> droppable;
  private final String name;
  private final CopyOnWriteArrayList<Sub> subscribers = new CopyOnWriteArrayList<>();
  private final Object terminalLock = new Object();
  private boolean terminated;
  private @Nullable Throwable terminalError;

  /**
   * @param executor runs the delivery loops, one task per subscriber at a time; must not run tasks
   *     on the caller's thread, and should not queue one subscriber's task behind another's (a
   *     cached pool), or a slow subscriber delays the others
   * @param capacity per-subscriber buffer, 1..1_000_000
   * @param droppable items that may be discarded when a subscriber is too slow
   * @param name for logs
   */
  public BoundedPublisher(
      Executor executor, int capacity, Predicate<? super T> droppable, String name) {
    this.executor = Objects.requireNonNull(executor, "executor == null");
    if (capacity < 1 || capacity > 1_000_000) {
      throw new IllegalArgumentException(
          "subscriber buffer capacity " + capacity + " is out of range: accepted 1..1000000");
    }
    this.capacity = capacity;
    this.droppable = Objects.requireNonNull(droppable, "droppable == null");
    this.name = Objects.requireNonNull(name, "name == null");
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber == null");
    Sub sub = new Sub(subscriber);
    boolean term;
    Throwable err;
    synchronized (terminalLock) {
      term = terminated;
      err = terminalError;
      if (!term) {
        subscribers.add(sub);
      }
    }
    sub.start(term, err);
  }

  /** Offers an item to every current subscriber. Never blocks. Ignored after termination. */
  public void submit(T item) {
    Objects.requireNonNull(item, "item == null");
    boolean canDrop = droppable.test(item);
    for (Sub sub : subscribers) {
      sub.offer(item, canDrop);
    }
  }

  /** Completes every subscriber after its queued items. Idempotent with {@link #fail}. */
  public void complete() {
    terminate(null);
  }

  /** Fails every subscriber after its queued items. Only the first terminal signal counts. */
  public void fail(Throwable error) {
    terminate(Objects.requireNonNull(error, "error == null"));
  }

  private void terminate(@Nullable Throwable error) {
    synchronized (terminalLock) {
      if (terminated) {
        return;
      }
      terminated = true;
      terminalError = error;
    }
    for (Sub sub : subscribers) {
      sub.terminate(error);
    }
  }

  public boolean isTerminated() {
    synchronized (terminalLock) {
      return terminated;
    }
  }

  /**
   * After {@link #complete()} or {@link #fail}: waits until every subscriber has been handed its
   * terminal signal (or cancelled), at most {@code timeout}.
   *
   * @return {@code true} if none is left waiting
   */
  public boolean awaitDelivered(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (terminalLock) {
      while (!subscribers.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(terminalLock, left);
      }
      return true;
    }
  }

  /**
   * Ends every subscription still waiting for its terminal signal at once: its queued items are
   * discarded and it gets {@code onError(OverflowException)} (after the {@code onNext} it may be
   * running returns). For a session's close deadline: a subscriber that did not take its queued
   * items in time is told so instead of being left without a terminal signal.
   *
   * @return how many subscribers were cut off
   */
  public int abandon(String reason) {
    int n = 0;
    for (Sub sub : subscribers) {
      if (sub.abandon(reason)) {
        n++;
      }
    }
    return n;
  }

  /** Current subscriber count. */
  public int subscriberCount() {
    return subscribers.size();
  }

  /** Items discarded for slow subscribers, over all subscribers so far. */
  public long discarded() {
    long n = discardedByGone;
    for (Sub s : subscribers) {
      n += s.discardedCount();
    }
    return n;
  }

  private volatile long discardedByGone;

  private final class Sub implements Flow.Subscription, Runnable {
    private final Flow.Subscriber<? super T> subscriber;
    private final AtomicInteger wip = new AtomicInteger();
    // Guarded by this:
    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private long demand;
    private boolean cancelled;
    private boolean done;
    private boolean terminalPending;
    private @Nullable Throwable pendingError;
    private boolean started;
    private long discarded;

    Sub(Flow.Subscriber<? super T> subscriber) {
      this.subscriber = subscriber;
    }

    void start(boolean alreadyTerminated, @Nullable Throwable error) {
      synchronized (this) {
        if (alreadyTerminated) {
          terminalPending = true;
          pendingError = error;
        }
      }
      // onSubscribe is the first signal; deliver it from the executor like every other signal.
      schedule();
    }

    synchronized long discardedCount() {
      return discarded;
    }

    void offer(T item, boolean canDrop) {
      Throwable overflow = null;
      synchronized (this) {
        if (cancelled || done || terminalPending) {
          return;
        }
        if (queue.size() >= capacity) {
          if (removeOldestDroppable()) {
            queue.addLast(item);
            discarded++;
          } else if (canDrop) {
            discarded++;
            return;
          } else {
            overflow =
                new OverflowException(
                    name
                        + ": subscriber too slow, its buffer of "
                        + capacity
                        + " undroppable items is full; request more, or raise the buffer size",
                    capacity);
            queue.clear();
            terminalPending = true;
            pendingError = overflow;
          }
        } else {
          queue.addLast(item);
        }
      }
      if (overflow != null) {
        log.warn("{}: failing a slow subscriber: {}", name, overflow.getMessage());
      }
      schedule();
    }

    private boolean removeOldestDroppable() {
      for (Iterator<T> it = queue.iterator(); it.hasNext(); ) {
        if (droppable.test(it.next())) {
          it.remove();
          return true;
        }
      }
      return false;
    }

    void terminate(@Nullable Throwable error) {
      synchronized (this) {
        if (cancelled || done || terminalPending) {
          return;
        }
        terminalPending = true;
        pendingError = error;
      }
      schedule();
    }

    @Override
    public void request(long n) {
      synchronized (this) {
        if (cancelled || done) {
          return;
        }
        if (n <= 0) {
          // Rule 3.9: a non-positive request is an error, signalled through onError.
          queue.clear();
          terminalPending = true;
          pendingError =
              new IllegalArgumentException(
                  "request(" + n + "): Reactive Streams rule 3.9 requires a positive count");
          demand = Long.MAX_VALUE; // lets the error through the loop at once
        } else {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
      }
      schedule();
    }

    @Override
    public void cancel() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        queue.clear();
      }
      remove();
    }

    boolean abandon(String reason) {
      int queued;
      synchronized (this) {
        if (cancelled || done) {
          return false;
        }
        queued = queue.size();
        queue.clear();
        terminalPending = true;
        pendingError =
            new OverflowException(
                name + ": " + reason + "; " + queued + " transcripts queued for this subscriber"
                    + " were not requested in time",
                capacity);
        demand = Long.MAX_VALUE; // the error needs no demand; nothing is queued any more
      }
      log.warn("{}: {}; ending a subscriber that still had {} items queued", name, reason, queued);
      schedule();
      return true;
    }

    private void remove() {
      if (subscribers.remove(this)) {
        synchronized (BoundedPublisher.this) {
          discardedByGone += discardedCount();
        }
        synchronized (terminalLock) {
          terminalLock.notifyAll();
        }
      }
    }

    private void schedule() {
      if (wip.getAndIncrement() == 0) {
        try {
          executor.execute(this);
        } catch (RejectedExecutionException e) {
          if (isTerminated()) {
            // The delivery threads are gone (the session closed) and only a terminal signal can be
            // left to deliver (a late subscriber, or a request after the end): deliver it here.
            run();
          } else {
            log.warn("{}: delivery executor rejected work; dropping signals", name);
            wip.set(0);
          }
        }
      }
    }

    @Override
    public void run() {
      int missed = 1;
      do {
        drainOnce();
        missed = wip.addAndGet(-missed);
      } while (missed != 0);
    }

    private void drainOnce() {
      if (!started) {
        started = true;
        try {
          subscriber.onSubscribe(this);
        } catch (Throwable t) {
          log.debug("{}: onSubscribe threw; cancelling", name, t);
          cancel();
          return;
        }
      }
      while (true) {
        T item;
        Throwable error = null;
        boolean terminal = false;
        synchronized (this) {
          if (cancelled || done) {
            return;
          }
          if (terminalPending && (queue.isEmpty() || pendingError != null && isRuleViolation())) {
            terminal = true;
            error = pendingError;
            done = true;
            item = null;
          } else if (demand > 0 && !queue.isEmpty()) {
            item = queue.pollFirst();
            if (demand != Long.MAX_VALUE) {
              demand--;
            }
          } else {
            return;
          }
        }
        if (terminal) {
          remove();
          try {
            if (error == null) {
              subscriber.onComplete();
            } else {
              subscriber.onError(error);
            }
          } catch (Throwable t) {
            log.debug("{}: subscriber threw from its terminal method", name, t);
          }
          return;
        }
        try {
          subscriber.onNext(item);
        } catch (Throwable t) {
          // Rule 2.13: a throwing subscriber is broken; cancel it.
          log.debug("{}: onNext threw; cancelling the subscription", name, t);
          cancel();
          return;
        }
      }
    }

    private boolean isRuleViolation() {
      return pendingError instanceof IllegalArgumentException
          || pendingError instanceof OverflowException;
    }
  }

  /** Wraps a non-pipeline failure for {@link #fail}: subscribers see {@link AudioPipelineException}. */
  public static AudioPipelineException asPipelineException(Throwable t) {
    return t instanceof AudioPipelineException ape
        ? ape
        : new AudioPipelineException(String.valueOf(t.getMessage()), t);
  }
}
