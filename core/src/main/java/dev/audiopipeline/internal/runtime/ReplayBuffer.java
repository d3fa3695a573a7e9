package dev.audiopipeline.internal.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A fixed-capacity ring of samples addressed by absolute position (0 = first sample of the
 * session). It keeps the most recent {@code capacity} samples: the audio a reconnect replays and
 * the audio not yet sent. Overflow policy: drop the oldest. {@link #append} reports how many of the
 * dropped samples had never been delivered (the caller counts and logs those as lost; dropping
 * delivered audio only shortens what a reconnect can replay). Not thread-safe.
 *
 * <p>The samples are kept in the wire format, signed 16-bit little-endian bytes, so that sending a
 * chunk is a slice of {@link #bytes()} ({@link #byteOffset}, {@link #isContiguous}), not a
 * conversion: {@link #append} is the only copy between the caller's samples and the transport.
 */
public final class ReplayBuffer {
  /** A short at a byte offset, little-endian: one store (or load) per sample. */
  private static final VarHandle S16LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  /** Two bytes per sample, little-endian. */
  private final byte[] ring;

  private final int cap;
  private long start;
  private long end;
  private long delivered;

  /** A buffer of {@code capacity} samples (for example 30 s × 16 000 Hz). */
  public ReplayBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + " must be >= 1");
    }
    if (capacity > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("capacity " + capacity + " is too large");
    }
    this.ring = new byte[2 * capacity];
    this.cap = capacity;
  }

  /**
   * Appends samples, dropping the oldest when full.
   *
   * @return how many dropped samples had never been {@linkplain #markDelivered delivered}
   */
  public long append(short[] samples, int offset, int length) {
    long lost = 0;
    int cap = this.cap;
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
    encode(samples, offset, ring, 2 * pos, first);
    if (first < length) {
      encode(samples, offset + first, ring, 0, length - first);
    }
    end = newEnd;
    return lost;
  }

  private static void encode(short[] src, int offset, byte[] dst, int at, int length) {
    for (int i = 0; i < length; i++) {
      S16LE.set(dst, at + 2 * i, src[offset + i]);
    }
  }

  private long lostBetween(long from, long to) {
    long lostFrom = Math.max(from, delivered);
    return Math.max(0, to - lostFrom);
  }

  private void checkBuffered(long from, int length) {
    if (from < start || from + length > end) {
      throw new IndexOutOfBoundsException(
          "[" + from + ", " + (from + length) + ") not in [" + start + ", " + end + ")");
    }
  }

  /** Copies {@code length} samples from absolute position {@code from} (must be buffered). */
  public void copy(long from, short[] dst, int offset, int length) {
    checkBuffered(from, length);
    int pos = (int) (from % cap);
    int first = Math.min(length, cap - pos);
    decode(ring, 2 * pos, dst, offset, first);
    if (first < length) {
      decode(ring, 0, dst, offset + first, length - first);
    }
  }

  private static void decode(byte[] src, int at, short[] dst, int offset, int length) {
    for (int i = 0; i < length; i++) {
      dst[offset + i] = (short) S16LE.get(src, at + 2 * i);
    }
  }

  /**
   * Copies {@code length} samples from absolute position {@code from} (must be buffered) as s16le
   * bytes into {@code dst} from {@code offset}: for a chunk that wraps around (see {@link
   * #isContiguous}).
   */
  public void copyBytes(long from, byte[] dst, int offset, int length) {
    checkBuffered(from, length);
    int pos = (int) (from % cap);
    int first = Math.min(length, cap - pos);
    System.arraycopy(ring, 2 * pos, dst, offset, 2 * first);
    if (first < length) {
      System.arraycopy(ring, 0, dst, offset + 2 * first, 2 * (length - first));
    }
  }

  /**
   * The buffer's own bytes (s16le), for sending a slice in place: valid only until the next {@link
   * #append}; never written by the caller.
   */
  public byte[] bytes() {
    return ring;
  }

  /** Where sample {@code position} (must be buffered) starts in {@link #bytes()}. */
  public int byteOffset(long position) {
    checkBuffered(position, 0);
    return 2 * (int) (position % cap);
  }

  /** Whether the {@code length} samples from {@code from} lie in one piece of {@link #bytes()}. */
  public boolean isContiguous(long from, int length) {
    return (int) (from % cap) + length <= cap;
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
    return cap;
  }
}
