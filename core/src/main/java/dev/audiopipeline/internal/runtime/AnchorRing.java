package dev.audiopipeline.internal.runtime;

/**
 * A fixed single-producer/single-consumer queue of timeline anchors (ring index, source timestamp,
 * converter reset), pre-allocated so that marking a gap on a real-time thread allocates nothing. It
 * carries the gaps the producer finds ({@link TimeMap#isGap}) to the drain thread, which applies
 * them to the speaker's {@link TimeMap} when it reaches their ring index. The producer publishes an
 * entry with a volatile write of {@code tail} after filling it; the consumer frees it with a
 * volatile write of {@code head} after reading it.
 *
 * <p>Overflow policy: {@link #offer} refuses when full; the caller refuses the audio that needed
 * the anchor (it could not be placed on the timeline) and counts it.
 */
final class AnchorRing {
  private final long[] index;
  private final long[] micros;
  private final boolean[] reset;
  private final int mask;
  private volatile long head;
  private volatile long tail;

  /**
   * @param capacity a power of two
   */
  AnchorRing(int capacity) {
    if (capacity < 2 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity " + capacity + " is not a power of two >= 2");
    }
    index = new long[capacity];
    micros = new long[capacity];
    reset = new boolean[capacity];
    mask = capacity - 1;
  }

  /** Producer: whether one more anchor fits right now. */
  boolean hasRoom() {
    return tail - head < index.length;
  }

  /** Producer: appends an anchor; {@code false} (nothing written) if full. */
  boolean offer(long ringIndex, long timestampMicros, boolean resetConverter) {
    long t = tail;
    if (t - head >= index.length) {
      return false;
    }
    int i = (int) (t & mask);
    index[i] = ringIndex;
    micros[i] = timestampMicros;
    reset[i] = resetConverter;
    tail = t + 1;
    return true;
  }

  /** Consumer: whether an anchor is waiting. */
  boolean hasNext() {
    return head != tail;
  }

  /** Consumer: the next anchor's ring index; only after {@link #hasNext()}. */
  long nextIndex() {
    return index[(int) (head & mask)];
  }

  long nextMicros() {
    return micros[(int) (head & mask)];
  }

  boolean nextReset() {
    return reset[(int) (head & mask)];
  }

  /** Consumer: drops the next anchor. */
  void remove() {
    head = head + 1;
  }
}
