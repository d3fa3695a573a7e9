package dev.audiopipeline.internal.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A single-producer/single-consumer lock-free ring buffer of 16-bit PCM samples.
 *
 * <p>Fixed power-of-two capacity; no allocation and no lock on any write or read. One thread (the
 * producer, e.g. WebRTC's audio thread) calls the {@code offer} methods; one other thread (the
 * consumer) calls {@link #poll}. The positions are monotonically increasing {@code long}s published
 * with release/acquire semantics, so each side sees the other's data before it sees the moved
 * position.
 *
 * <p>Overflow policy: a write that does not fit is refused whole (drop newest) and the method
 * returns {@code false}; the caller counts it (one count of refused audio per speaker, in {@link
 * SpeakerChannel}). Samples already in the buffer are never overwritten: the consumer owns them
 * until it reads them.
 */
public final class SampleRingBuffer {
  private static final VarHandle HEAD;
  private static final VarHandle TAIL;

  /** s16le samples read straight out of a byte array (one load each, no shifts). */
  private static final VarHandle S16LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      HEAD = lookup.findVarHandle(SampleRingBuffer.class, "head", long.class);
      TAIL = lookup.findVarHandle(SampleRingBuffer.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final short[] buffer;
  private final int mask;

  // Padding: best effort to keep the producer's and the consumer's hot fields on separate cache
  // lines (the JVM decides the final field layout).
  @SuppressWarnings("unused")
  private long p01, p02, p03, p04, p05, p06, p07;

  /** Next position the consumer reads. Written by the consumer only. */
  private volatile long head;

  @SuppressWarnings("unused")
  private long p11, p12, p13, p14, p15, p16, p17;

  /** Next position the producer writes. Written by the producer only. */
  private volatile long tail;

  @SuppressWarnings("unused")
  private long p21, p22, p23, p24, p25, p26, p27;

  /** Producer-local cache of {@link #head}, refreshed only when the buffer looks full. */
  private long headCache;

  /**
   * @param capacity samples, a power of two from 2 to 2^30
   * @throws IllegalArgumentException otherwise
   */
  public SampleRingBuffer(int capacity) {
    if (capacity < 2 || capacity > (1 << 30) || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException(
          "capacity " + capacity + " is not a power of two in 2..2^30");
    }
    this.buffer = new short[capacity];
    this.mask = capacity - 1;
  }

  /** The smallest power of two that holds at least {@code samples}. */
  public static int capacityFor(int samples) {
    if (samples <= 2) {
      return 2;
    }
    int c = Integer.highestOneBit(samples - 1) << 1;
    if (c <= 0 || c > (1 << 30)) {
      throw new IllegalArgumentException("buffer of " + samples + " samples is too large");
    }
    return c;
  }

  public int capacity() {
    return buffer.length;
  }

  private boolean reserve(int length) {
    long t = (long) TAIL.getOpaque(this);
    if (t + length - headCache > buffer.length) {
      headCache = (long) HEAD.getAcquire(this);
      if (t + length - headCache > buffer.length) {
        return false;
      }
    }
    return true;
  }

  /**
   * Producer: appends {@code src[offset, offset + length)} if all of it fits.
   *
   * @return {@code false} if it did not fit (nothing written)
   */
  public boolean offer(short[] src, int offset, int length) {
    if (!reserve(length)) {
      return false;
    }
    long t = (long) TAIL.getOpaque(this);
    int start = (int) (t & mask);
    int first = Math.min(length, buffer.length - start);
    System.arraycopy(src, offset, buffer, start, first);
    if (first < length) {
      System.arraycopy(src, offset + first, buffer, 0, length - first);
    }
    TAIL.setRelease(this, t + length);
    return true;
  }

  /**
   * Producer: appends signed 16-bit little-endian PCM bytes {@code src[offset, offset +
   * byteLength)} if all of it fits. {@code byteLength} must be even.
   *
   * @return {@code false} if it did not fit (nothing written)
   */
  public boolean offerBytes(byte[] src, int offset, int byteLength) {
    int length = byteLength >> 1;
    if (!reserve(length)) {
      return false;
    }
    long t = (long) TAIL.getOpaque(this);
    int start = (int) (t & mask);
    int first = Math.min(length, buffer.length - start);
    decode(src, offset, buffer, start, first);
    if (first < length) {
      decode(src, offset + 2 * first, buffer, 0, length - first);
    }
    TAIL.setRelease(this, t + length);
    return true;
  }

  private static void decode(byte[] src, int offset, short[] dst, int at, int length) {
    if (offset < 0 || offset + 2 * length > src.length) {
      throw new IndexOutOfBoundsException(
          "bytes [" + offset + ", " + (offset + 2 * length) + ") outside " + src.length);
    }
    for (int i = 0; i < length; i++) {
      dst[at + i] = (short) S16LE.get(src, offset + 2 * i);
    }
  }

  /**
   * Consumer: moves up to {@code max} samples into {@code dst} from {@code offset}.
   *
   * @return the number of samples moved (0 if empty)
   */
  public int poll(short[] dst, int offset, int max) {
    long h = (long) HEAD.getOpaque(this);
    long t = (long) TAIL.getAcquire(this);
    int n = (int) Math.min(max, t - h);
    if (n <= 0) {
      return 0;
    }
    int start = (int) (h & mask);
    int first = Math.min(n, buffer.length - start);
    System.arraycopy(buffer, start, dst, offset, first);
    if (first < n) {
      System.arraycopy(buffer, 0, dst, offset + first, n - first);
    }
    HEAD.setRelease(this, h + n);
    return n;
  }

  /** Reads samples in place: called with one or two ranges of the ring's own array. */
  @FunctionalInterface
  public interface Reader {
    /**
     * Takes {@code array[offset, offset + length)}; must not keep the array nor write into it. The
     * range is a whole number of {@code quantum} samples (see {@link #poll(Reader, int, int)}).
     */
    void read(short[] array, int offset, int length);
  }

  /**
   * Consumer: hands up to {@code max} samples to {@code reader} where they lie in the ring (no
   * copy): one call, or two when the samples wrap around the end of the array. Each call covers a
   * multiple of {@code quantum} samples (e.g. the channel count, so no call splits a sample frame);
   * {@code quantum} must divide the capacity. The samples are released to the producer after the
   * reader returned.
   *
   * @return the number of samples read (0 if empty)
   */
  public int poll(Reader reader, int max, int quantum) {
    long h = (long) HEAD.getOpaque(this);
    long t = (long) TAIL.getAcquire(this);
    int n = (int) Math.min(max, t - h);
    n -= n % quantum;
    if (n <= 0) {
      return 0;
    }
    int start = (int) (h & mask);
    int first = Math.min(n, buffer.length - start);
    reader.read(buffer, start, first);
    if (first < n) {
      reader.read(buffer, 0, n - first);
    }
    HEAD.setRelease(this, h + n);
    return n;
  }

  /**
   * Producer: room for this many more samples right now. Only grows until the producer writes, so a
   * producer that sees room for {@code n} samples can write {@code n} without a refusal.
   */
  public int remaining() {
    return buffer.length - (int) ((long) TAIL.getOpaque(this) - (long) HEAD.getAcquire(this));
  }

  /** Samples available to the consumer right now (a snapshot). */
  public int size() {
    long h = (long) HEAD.getAcquire(this);
    long t = (long) TAIL.getAcquire(this);
    return (int) (t - h);
  }

  /** Total samples ever accepted by the producer. */
  public long written() {
    return (long) TAIL.getAcquire(this);
  }

  /** Total samples ever consumed. */
  public long read() {
    return (long) HEAD.getAcquire(this);
  }

  @Override
  public String toString() {
    return "SampleRingBuffer{capacity=" + buffer.length + ", size=" + size() + "}";
  }
}
