package dev.audiopipeline.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits in a test for a condition it can observe but not be told of (a counter, a thread's state, a
 * client count): samples it every few milliseconds until it holds or a deadline passes. For
 * anything that can signal (a future, a latch, a subscriber), wait on that instead.
 *
 * <p>The deadline is a hang bound, not a timing assertion: make it generous (seconds), since a
 * loaded machine is slow and a condition that holds returns at once.
 */
public final class Await {
  private static final long POLL_MS = 5;

  private Await() {}

  /**
   * Returns as soon as {@code condition} holds; throws an {@link AssertionError} naming {@code
   * what} if it does not within {@code within}.
   */
  public static void until(Duration within, String what, BooleanSupplier condition)
      throws InterruptedException {
    if (!holds(within, condition)) {
      throw new AssertionError("not within " + within + ": " + what);
    }
  }

  /**
   * As {@link #until(Duration, String, BooleanSupplier)}, with a description computed when it fails
   * (to show the state the condition was about).
   */
  public static void until(Duration within, Supplier<String> what, BooleanSupplier condition)
      throws InterruptedException {
    if (!holds(within, condition)) {
      throw new AssertionError("not within " + within + ": " + what.get());
    }
  }

  /** Whether {@code condition} holds within {@code within} (for a test that asserts it itself). */
  public static boolean holds(Duration within, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return condition.getAsBoolean();
      }
      TimeUnit.MILLISECONDS.sleep(POLL_MS);
    }
    return true;
  }
}
