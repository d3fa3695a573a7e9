package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.spi.ReconnectPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The reconnect bookkeeping of one session under a {@link ReconnectPolicy}: counts attempts, resets
 * after a stable connection, trips the quick-failure breaker. Not thread-safe (the session calls it
 * under its lock). Time comes in as nanoTime readings so tests drive it with a fake clock.
 */
public final class Backoff {
  private final ReconnectPolicy policy;
  private final Random random;
  private int attempts;
  private int quickFailures;

  public Backoff(ReconnectPolicy policy, Random random) {
    this.policy = Objects.requireNonNull(policy, "policy == null");
    this.random = Objects.requireNonNull(random, "random == null");
  }

  /**
   * A connection was lost (or never opened).
   *
   * @param nowNanos the current nanoTime
   * @param openedAtNanos when the lost connection became ready, or {@code null} if it never did
   * @return what to do next
   */
  public Decision onDrop(long nowNanos, @Nullable Long openedAtNanos) {
    if (openedAtNanos != null) {
      long lived = nowNanos - openedAtNanos;
      if (lived >= policy.stablePeriod().toNanos()) {
        attempts = 0;
      }
      if (lived < policy.quickFailureWindow().toNanos()) {
        quickFailures++;
      } else {
        quickFailures = 0;
      }
    }
    if (policy.quickFailureLimit() > 0 && quickFailures >= policy.quickFailureLimit()) {
      return Decision.giveUp(
          quickFailures
              + " connections in a row died within "
              + policy.quickFailureWindow().toMillis()
              + " ms of opening");
    }
    if (attempts >= policy.maxAttempts()) {
      return Decision.giveUp(
          policy.maxAttempts() == 0
              ? "reconnecting is disabled"
              : "gave up after " + attempts + " reconnect attempts");
    }
    attempts++;
    return Decision.retry(attempts, policy.delay(attempts, random));
  }

  /** Attempts made since the last reset. */
  public int attempts() {
    return attempts;
  }

  /**
   * What {@link #onDrop} decided.
   *
   * @param attempt the attempt about to be made (1-based), 0 when giving up
   * @param delay how long to wait before it
   * @param giveUpReason non-null when the session should fail instead
   */
  public record Decision(int attempt, Duration delay, @Nullable String giveUpReason) {
    static Decision retry(int attempt, Duration delay) {
      return new Decision(attempt, delay, null);
    }

    static Decision giveUp(String reason) {
      return new Decision(0, Duration.ZERO, reason);
    }

    public boolean retry() {
      return giveUpReason == null;
    }
  }
}
