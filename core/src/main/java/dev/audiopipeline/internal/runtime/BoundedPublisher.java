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
 * {@link #completeNow()} and {@link #failNow} discard what is queued and signal at once.
 *
 * <h2>Single-subscriber mode</h2>
 *
 * {@link #unicast} makes a cold, single-subscriber publisher for one stream of one producer (a
 * text-to-speech synthesis), with these differences:
 *
 * <ul>
 *   <li>One subscriber: a second one gets {@code onError(IllegalStateException)}. Items submitted
 *       before it subscribes wait for it (within the same capacity). Its {@code onSubscribe} runs
 *       on the subscribing thread, before {@code subscribe} returns; later signals come from the
 *       executor.
 *   <li>Overflow: a full buffer refuses the item ({@link #submit} returns {@code false}) and
 *       changes nothing else; the producer applies its own policy (typically {@link #failNow} with
 *       an {@link OverflowException} naming its limit). A producer that can pause calls {@link
 *       #awaitDemand()} before producing each item and never overflows.
 *   <li>Errors do not wait for demand: queued items go out while the subscriber's demand allows;
 *       once it has none left, a pending error goes out at once and the rest is discarded (a
 *       subscriber that stopped requesting still learns that the stream failed).
 *   <li>Hooks: one runs on the first {@code request(n)} (to start the producer lazily), one when
 *       the subscriber cancels or breaks a rule (to stop the producer).
 * </ul>
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
  // single-subscriber mode only (null otherwise)
  private final @Nullable Hooks hooks;
  // guarded by terminalLock: items submitted before the one subscriber came, and that subscriber
  private @Nullable ArrayDeque<T> early;
  private @Nullable Sub single;
  private boolean subscribedOnce;

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
    this.hooks = null;
  }

  private BoundedPublisher(
      Executor executor, int capacity, Predicate<? super T> droppable, String name, Hooks hooks) {
    this.executor = Objects.requireNonNull(executor, "executor == null");
    if (capacity < 1 || capacity > 1_000_000) {
      throw new IllegalArgumentException(
          "subscriber buffer capacity " + capacity + " is out of range: accepted 1..1000000");
    }
    this.capacity = capacity;
    this.droppable = droppable;
    this.name = Objects.requireNonNull(name, "name == null");
    this.hooks = Objects.requireNonNull(hooks, "hooks == null");
    this.early = new ArrayDeque<>();
  }

  /**
   * A cold, single-subscriber publisher (see the class comment): for one stream of one producer.
   *
   * @param executor runs the delivery loop, as for the multi-subscriber publisher
   * @param capacity items that may wait for demand (before the subscriber comes, too), 1..1000000
   * @param name for logs
   * @param onFirstRequest runs once, on the thread of the first {@code request(n)}; must be quick
   * @param onCancel runs once when the subscriber cancels, breaks rule 3.9 or throws from a signal
   */
  public static <T> BoundedPublisher<T> unicast(
      Executor executor, int capacity, String name, Runnable onFirstRequest, Runnable onCancel) {
    return new BoundedPublisher<T>(
        executor,
        capacity,
        item -> false,
        name,
        new Hooks(
            Objects.requireNonNull(onFirstRequest, "onFirstRequest == null"),
            Objects.requireNonNull(onCancel, "onCancel == null")));
  }

  private record Hooks(Runnable onFirstRequest, Runnable onCancel) {}

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber == null");
    Sub sub = new Sub(subscriber);
    boolean term;
    Throwable err;
    synchronized (terminalLock) {
      if (hooks != null) {
        if (subscribedOnce) {
          sub = null;
        } else {
          subscribedOnce = true;
          ArrayDeque<T> waiting = early;
          early = null;
          if (waiting != null) {
            sub.queue.addAll(waiting);
          }
          single = sub;
          terminalLock.notifyAll(); // a producer in awaitDemand() has a subscriber to wait on now
        }
      }
      term = terminated;
      err = terminalError;
      if (!term && sub != null) {
        subscribers.add(sub);
      }
    }
    if (sub == null) {
      rejectSecond(subscriber);
      return;
    }
    sub.start(term, err);
  }

  private void rejectSecond(Flow.Subscriber<? super T> subscriber) {
    try {
      subscriber.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {}
          });
      subscriber.onError(
          new IllegalStateException(name + ": this publisher allows one subscriber"));
    } catch (RuntimeException e) {
      log.debug("{}: a rejected subscriber threw", name, e);
    }
  }

  /**
   * Offers an item to every current subscriber. Never blocks. Ignored after termination.
   *
   * @return {@code false} only in {@linkplain #unicast single-subscriber mode}, when the buffer is
   *     full and the item was refused; {@code true} otherwise
   */
  public boolean submit(T item) {
    Objects.requireNonNull(item, "item == null");
    if (hooks != null) {
      synchronized (terminalLock) {
        ArrayDeque<T> waiting = early;
        if (waiting != null) {
          if (terminated) {
            return true;
          }
          if (waiting.size() >= capacity) {
            return false;
          }
          waiting.addLast(item);
          return true;
        }
      }
    }
    boolean canDrop = droppable.test(item);
    boolean accepted = true;
    for (Sub sub : subscribers) {
      accepted &= sub.offer(item, canDrop);
    }
    return accepted;
  }

  /**
   * Single-subscriber mode, for a producer that can pause: blocks until the subscriber has asked
   * for more than what is queued and the buffer has room (waiting for it to subscribe first), so
   * the next {@link #submit} is accepted.
   *
   * @return {@code false} if the stream was cancelled or terminated meanwhile: stop producing
   */
  public boolean awaitDemand() throws InterruptedException {
    if (hooks == null) {
      throw new IllegalStateException("awaitDemand() is for single-subscriber publishers");
    }
    Sub s;
    synchronized (terminalLock) {
      while ((s = single) == null && !terminated) {
        terminalLock.wait();
      }
    }
    return s != null && s.awaitDemand();
  }

  /** Single-subscriber mode: whether the subscriber cancelled (or broke a rule). */
  public boolean isCancelled() {
    Sub s;
    synchronized (terminalLock) {
      s = single;
    }
    return s != null && s.isCancelled();
  }

  /**
   * Discards every queued item and completes every subscriber at once (after the {@code onNext} it
   * may be running returns), overriding a terminal signal not yet delivered. For a stream its owner
   * stopped.
   */
  public void completeNow() {
    endNow(null);
  }

  /**
   * Discards every queued item and fails every subscriber at once (after the {@code onNext} it may
   * be running returns). For an overflow or another failure that must not wait behind data.
   */
  public void failNow(Throwable error) {
    endNow(Objects.requireNonNull(error, "error == null"));
  }

  private void endNow(@Nullable Throwable error) {
    synchronized (terminalLock) {
      if (!terminated) {
        terminated = true;
        terminalError = error;
      }
      if (early != null) {
        early.clear();
      }
      terminalLock.notifyAll();
    }
    for (Sub sub : subscribers) {
      sub.endNow(error);
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
      terminalLock.notifyAll();
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
    private boolean requestedOnce; // single-subscriber mode: the first-request hook has run
    private boolean cancelHookRan; // single-subscriber mode: the cancel hook has run

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
      if (hooks == null) {
        // onSubscribe is the first signal; deliver it from the executor like every other signal.
        schedule();
        return;
      }
      // Single-subscriber mode: onSubscribe on the subscriber's thread before subscribe() returns,
      // as callers of a cold publisher expect; the delivery loop is held meanwhile (a request made
      // inside onSubscribe only marks work), and every later signal comes from the executor.
      wip.incrementAndGet();
      started = true;
      try {
        subscriber.onSubscribe(this);
      } catch (Throwable t) {
        log.debug("{}: onSubscribe threw; cancelling", name, t);
        cancel();
      }
      dispatch(); // still holding the loop: deliver what came meanwhile (or a terminal signal)
    }

    synchronized long discardedCount() {
      return discarded;
    }

    boolean offer(T item, boolean canDrop) {
      Throwable overflow = null;
      synchronized (this) {
        if (cancelled || done || terminalPending) {
          return true;
        }
        if (queue.size() >= capacity) {
          if (hooks != null) {
            return false; // single-subscriber mode: refused, the producer decides
          }
          if (removeOldestDroppable()) {
            queue.addLast(item);
            discarded++;
          } else if (canDrop) {
            discarded++;
            return true;
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
      return true;
    }

    synchronized boolean isCancelled() {
      return cancelled;
    }

    /** See {@link BoundedPublisher#awaitDemand()}. */
    synchronized boolean awaitDemand() throws InterruptedException {
      // wants more than is queued, and there is room (with unbounded demand the queue is the limit)
      while (!cancelled
          && !done
          && !terminalPending
          && (demand <= queue.size() || queue.size() >= capacity)) {
        wait();
      }
      return !cancelled && !done && !terminalPending;
    }

    void endNow(@Nullable Throwable error) {
      synchronized (this) {
        if (cancelled || done || terminalPending && queue.isEmpty()) {
          return; // ended, or its terminal signal goes out next anyway
        }
        queue.clear();
        terminalPending = true;
        pendingError = error;
        notifyAll();
      }
      schedule();
    }

    /** Single-subscriber mode: runs the cancel hook once, outside any lock. */
    private void runCancelHook() {
      Hooks h = hooks;
      if (h == null) {
        return;
      }
      synchronized (this) {
        if (cancelHookRan) {
          return;
        }
        cancelHookRan = true;
      }
      try {
        h.onCancel().run();
      } catch (RuntimeException e) {
        log.warn("{}: the cancel hook threw", name, e);
      }
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
        notifyAll();
      }
      schedule();
    }

    @Override
    public void request(long n) {
      boolean first = false;
      boolean violation = false;
      synchronized (this) {
        if (cancelled || done) {
          return;
        }
        if (n <= 0) {
          violation = true;
          // Rule 3.9: a non-positive request is an error, signalled through onError.
          queue.clear();
          terminalPending = true;
          pendingError =
              new IllegalArgumentException(
                  "request(" + n + "): Reactive Streams rule 3.9 requires a positive count");
          demand = Long.MAX_VALUE; // lets the error through the loop at once
        } else {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
          first = hooks != null && !requestedOnce;
          requestedOnce = true;
        }
        notifyAll();
      }
      Hooks h = hooks;
      if (violation) {
        runCancelHook(); // the producer stops: the subscription is over
      } else if (first && h != null) {
        try {
          h.onFirstRequest().run();
        } catch (RuntimeException e) {
          log.warn("{}: the first-request hook threw", name, e);
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
        notifyAll();
      }
      remove();
      runCancelHook();
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
                name
                    + ": "
                    + reason
                    + "; "
                    + queued
                    + " transcripts queued for this subscriber"
                    + " were not requested in time",
                capacity);
        demand = Long.MAX_VALUE; // the error needs no demand; nothing is queued any more
        notifyAll();
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
        dispatch();
      }
    }

    /** Runs the delivery loop on the executor; the caller holds the loop (wip above zero). */
    private void dispatch() {
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
          if (terminalPending
              && (queue.isEmpty()
                  || pendingError != null && (isRuleViolation() || hooks != null && demand == 0))) {
            terminal = true;
            error = pendingError;
            done = true;
            item = null;
            queue.clear();
            notifyAll();
          } else if (demand > 0 && !queue.isEmpty()) {
            item = queue.pollFirst();
            if (demand != Long.MAX_VALUE) {
              demand--;
            }
            if (hooks != null) {
              notifyAll(); // room for a producer in awaitDemand()
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

  /**
   * Wraps a non-pipeline failure for {@link #fail}: subscribers see {@link AudioPipelineException}.
   */
  public static AudioPipelineException asPipelineException(Throwable t) {
    return t instanceof AudioPipelineException ape
        ? ape
        : new AudioPipelineException(String.valueOf(t.getMessage()), t);
  }
}
