package dev.audiopipeline.examples.live;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One browser's queue of Server-Sent Events, filled by the pipeline's threads and drained by that
 * browser's writer thread. {@link #offer} never blocks, whatever the browser does.
 *
 * <p>Overflow policy (at {@code capacity} events): the oldest event that is not a final (a partial,
 * levels, status) is dropped to make room; a new non-final event is dropped when only finals are
 * queued. Finals are never dropped: a final that finds the queue full of finals marks the client
 * {@link #overflowed()} instead, and the server closes that connection (the page reconnects and
 * gets every final again in its snapshot).
 */
final class ClientQueue {
  /** Whether an event may be dropped. */
  enum Kind {
    FINAL,
    PARTIAL,
    OTHER
  }

  private record Event(String frame, Kind kind) {}

  private final int capacity;
  private final Runnable onOverflow;
  private final ArrayDeque<Event> queue = new ArrayDeque<>(); // guarded by this
  private boolean overflowed; // guarded by this
  private boolean closed; // guarded by this
  private long dropped; // guarded by this

  ClientQueue(int capacity) {
    this(capacity, () -> {});
  }

  /** {@code onOverflow} runs once, on the offering thread, when the client is cut off. */
  ClientQueue(int capacity, Runnable onOverflow) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + " < 1");
    }
    this.capacity = capacity;
    this.onOverflow = onOverflow;
  }

  /** Queues one SSE frame; returns false if it was dropped (or the client is gone). */
  synchronized boolean offer(String frame, Kind kind) {
    if (closed || overflowed) {
      return false;
    }
    if (queue.size() >= capacity) {
      if (!dropOldestNonFinal()) {
        if (kind != Kind.FINAL) {
          dropped++;
          return false;
        }
        overflowed = true;
        notifyAll();
        onOverflow.run();
        return false;
      }
    }
    queue.addLast(new Event(frame, kind));
    notifyAll();
    return true;
  }

  private boolean dropOldestNonFinal() {
    for (Iterator<Event> it = queue.iterator(); it.hasNext(); ) {
      if (it.next().kind() != Kind.FINAL) {
        it.remove();
        dropped++;
        return true;
      }
    }
    return false;
  }

  /** The next frame, waiting at most {@code timeoutMs}; null on timeout, close or overflow. */
  synchronized @Nullable String poll(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (queue.isEmpty() && !closed && !overflowed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    if (closed || overflowed) {
      return null;
    }
    Event e = queue.pollFirst();
    return e == null ? null : e.frame();
  }

  synchronized void close() {
    closed = true;
    notifyAll();
  }

  synchronized boolean overflowed() {
    return overflowed;
  }

  synchronized boolean closed() {
    return closed;
  }

  synchronized int size() {
    return queue.size();
  }

  synchronized long dropped() {
    return dropped;
  }

  /** The kinds queued, oldest first (for tests). */
  synchronized java.util.List<Kind> kinds() {
    return queue.stream().map(Event::kind).toList();
  }
}
