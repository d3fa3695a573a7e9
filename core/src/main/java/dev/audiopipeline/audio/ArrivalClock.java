package dev.audiopipeline.audio;

import dev.audiopipeline.internal.runtime.TimeMap;

/**
 * Timestamps for a source that knows only when its frames arrive (a network track, whose capture
 * clock is not available): each frame is stamped where the previous one ended, as long as its
 * arrival stays within 200 ms of that; beyond, it is stamped with its arrival (audio was really
 * missing, or the sample count ran ahead after a burst). The sink then treats a stamp jump as a gap
 * on the speaker's timeline (see {@link AudioSink}); jitter of the delivering thread never reaches
 * it.
 *
 * <p>Not thread-safe: one per stream, used by the thread that delivers its frames. Allocates
 * nothing.
 */
public final class ArrivalClock {
  private final int sampleRate;
  private long next = -1;

  /**
   * @param sampleRate the stream's sample rate (frames per second per channel)
   */
  public ArrivalClock(int sampleRate) {
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate " + sampleRate + ": accepted > 0");
    }
    this.sampleRate = sampleRate;
  }

  /**
   * The timestamp of a frame that arrived at {@code arrivalMicros} (on the source's clock, 0 = when
   * the source started) and holds {@code frames} sample frames per channel.
   */
  public long stamp(long arrivalMicros, int frames) {
    long ts = next;
    if (ts < 0 || Math.abs(arrivalMicros - ts) > TimeMap.ARRIVAL_JITTER_MICROS) {
      ts = arrivalMicros;
    }
    next = ts + frames * 1_000_000L / sampleRate;
    return ts;
  }
}
