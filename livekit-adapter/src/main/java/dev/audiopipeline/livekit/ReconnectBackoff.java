package dev.audiopipeline.livekit;

import java.util.Random;

/**
 * Delays between signal reconnect attempts, as LiveKit's own SDKs do it: the first attempt at once,
 * then exponential from 300 ms, doubling, capped at 7 s, with up to 30 % jitter; at most {@link
 * #maxAttempts()} attempts before the room is given up.
 */
final class ReconnectBackoff {
  private final int maxAttempts;
  private final long baseMillis;
  private final long capMillis;
  private final Random random;

  ReconnectBackoff(int maxAttempts, long baseMillis, long capMillis, Random random) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts " + maxAttempts + " must be >= 1");
    }
    this.maxAttempts = maxAttempts;
    this.baseMillis = baseMillis;
    this.capMillis = capMillis;
    this.random = random;
  }

  static ReconnectBackoff standard() {
    return new ReconnectBackoff(10, 300, 7_000, new Random());
  }

  int maxAttempts() {
    return maxAttempts;
  }

  /** Delay before attempt number {@code attemptsSoFar + 1}. */
  long delayMillis(int attemptsSoFar) {
    if (attemptsSoFar <= 0) {
      return 0;
    }
    long d = baseMillis << Math.min(attemptsSoFar - 1, 20);
    d = Math.min(d, capMillis);
    return d + (long) (random.nextDouble() * 0.3 * d);
  }
}
