package dev.audiopipeline.testing;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.TranscriptEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records a session's events; {@code await} helpers wait with a timeout. */
public final class EventRecorder implements SttSession.Listener {
  private final LinkedBlockingQueue<TranscriptEvent> queue = new LinkedBlockingQueue<>();
  private final List<TranscriptEvent> all = new ArrayList<>();

  @Override
  public void onEvent(TranscriptEvent event) {
    synchronized (all) {
      all.add(event);
    }
    queue.add(event);
  }

  /** Waits for the next event of this type, skipping others (they stay in {@link #all()}). */
  public <T extends TranscriptEvent> T await(Class<T> type, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      TranscriptEvent e = queue.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError(
            "no " + type.getSimpleName() + " within " + timeout + "; events so far: " + all());
      }
      if (type.isInstance(e)) {
        return type.cast(e);
      }
    }
  }

  /**
   * An absence check: waits out {@code window} for an event of this type and says whether none came
   * (returns false at once when one does). Other events are skipped (they stay in {@link #all()}).
   */
  public <T extends TranscriptEvent> boolean noneWithin(Class<T> type, Duration window)
      throws InterruptedException {
    if (!ofType(type).isEmpty()) {
      return false;
    }
    long deadline = System.nanoTime() + window.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return true;
      }
      TranscriptEvent e = queue.poll(left, TimeUnit.NANOSECONDS);
      if (e == null) {
        return true;
      }
      if (type.isInstance(e)) {
        return false;
      }
    }
  }

  public TranscriptEvent.Result awaitFinal(Duration timeout) throws InterruptedException {
    while (true) {
      TranscriptEvent.Result r = await(TranscriptEvent.Result.class, timeout);
      if (r.isFinal()) {
        return r;
      }
    }
  }

  public List<TranscriptEvent> all() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  public List<TranscriptEvent.Result> finals() {
    List<TranscriptEvent.Result> out = new ArrayList<>();
    for (TranscriptEvent e : all()) {
      if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
        out.add(r);
      }
    }
    return out;
  }

  public <T extends TranscriptEvent> List<T> ofType(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (TranscriptEvent e : all()) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }
}
