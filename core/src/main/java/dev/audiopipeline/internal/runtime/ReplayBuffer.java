package dev.audiopipeline.internal.runtime;

/**
 * A fixed-capacity ring of samples addressed by absolute position (0 = first sample of the
 * session). It keeps the most recent {@code capacity} samples: the audio a reconnect replays and
 * the audio not yet sent. Overflow policy: drop the oldest. {@link #append} reports how many of the
 * dropped samples had never been delivered (the caller counts and logs those as lost; dropping
 * delivered audio only shortens what a reconnect can replay). Not thread-safe.
 */
public final class ReplayBuffer {
  private final short[] ring;
  private long start;
  private long end;
  private long delivered;

  /** A buffer of {@code capacity} samples (for example 30 s × 16 000 Hz). */
  public ReplayBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + " must be >= 1");
    }
    this.ring = new short[capacity];
  }

  /**
   * Appends samples, dropping the oldest when full.
   *
   * @return how many dropped samples had never been {@linkplain #markDelivered delivered}
   */
  public long append(short[] samples, int offset, int length) {
    long lost = 0;
    int cap = ring.length;
    if (length > cap) {
      // only the newest `cap` samples can be kept
      int skip = length - cap;
      lost += lostBetween(start, end); // everything buffered goes
      lost += lostBetween(end, end + skip); // and the head of this chunk is never stored
      start = end + skip;
      end = start;
      offset += skip;
      length = cap;
    }
    long newEnd = end + length;
    if (newEnd - start > cap) {
      long newStart = newEnd - cap;
      lost += lostBetween(start, newStart);
      start = newStart;
    }
    int pos = (int) (end % cap);
    int first = Math.min(length, cap - pos);
    System.arraycopy(samples, offset, ring, pos, first);
    if (first < length) {
      System.arraycopy(samples, offset + first, ring, 0, length - first);
    }
    end = newEnd;
    return lost;
  }

  private long lostBetween(long from, long to) {
    long lostFrom = Math.max(from, delivered);
    return Math.max(0, to - lostFrom);
  }

  /** Copies {@code length} samples from absolute position {@code from} (must be buffered). */
  public void copy(long from, short[] dst, int offset, int length) {
    if (from < start || from + length > end) {
      throw new IndexOutOfBoundsException(
          "[" + from + ", " + (from + length) + ") not in [" + start + ", " + end + ")");
    }
    int cap = ring.length;
    int pos = (int) (from % cap);
    int first = Math.min(length, cap - pos);
    System.arraycopy(ring, pos, dst, offset, first);
    if (first < length) {
      System.arraycopy(ring, 0, dst, offset + first, length - first);
    }
  }

  /** Records that everything before {@code position} reached a provider at least once. */
  public void markDelivered(long position) {
    delivered = Math.max(delivered, position);
  }

  /** Frees everything before {@code position} (already finalized; never needs a replay). */
  public void discardBefore(long position) {
    start = Math.max(start, Math.min(position, end));
  }

  /** Oldest buffered position. */
  public long start() {
    return start;
  }

  /** Next position to be written (= samples appended so far). */
  public long end() {
    return end;
  }

  public long delivered() {
    return delivered;
  }

  public int capacity() {
    return ring.length;
  }
}
