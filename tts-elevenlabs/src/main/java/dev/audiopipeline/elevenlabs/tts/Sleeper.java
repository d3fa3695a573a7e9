package dev.audiopipeline.elevenlabs.tts;

import java.time.Duration;

/**
 * Waits before a retry. Injected so tests can record the delays instead of waiting for them; the
 * default is {@link #SYSTEM}.
 */
@FunctionalInterface
public interface Sleeper {
  /** Sleeps with {@link Thread#sleep}. */
  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));

  /** Waits {@code duration}; interruptible. */
  void sleep(Duration duration) throws InterruptedException;
}
