package dev.audiopipeline.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds Audio Pipeline's own threads (every one is named {@code audio-pipeline-...}), so a test can
 * assert that none outlives {@code close()}.
 */
public final class LibraryThreads {
  /** The prefix of every thread the library creates. */
  public static final String PREFIX = "audio-pipeline-";

  private LibraryThreads() {}

  /** Live library threads right now. */
  public static List<String> alive() {
    List<String> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith(PREFIX)) {
        out.add(t.getName());
      }
    }
    return out;
  }

  /**
   * Waits up to {@code grace} for library threads to end (a thread that has finished its last
   * statement may still be unwinding), then returns the ones still alive.
   */
  public static List<String> aliveAfter(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    List<String> alive = alive();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith(PREFIX)) {
          t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
      }
      alive = alive();
    }
    return alive;
  }
}
