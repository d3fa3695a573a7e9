package dev.audiopipeline.sphinx;

import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded pipe from the pipeline's drain thread (writer: 16-bit samples) to the recogniser's
 * thread (reader: the little-endian byte stream Sphinx4's {@code StreamDataSource} reads).
 *
 * <p>Overflow policy: {@link #write} waits while the pipe is full (back-pressure: a file read as
 * fast as possible is paced by the recogniser, nothing is lost). Each wait is bounded by {@code
 * maxWaitNanos}; when the recogniser is that far behind, the samples that do not fit are dropped
 * and counted ({@link #droppedSamples()}).
 *
 * <p>End of input: {@link #finish(long)} lets the reader drain what is buffered until a deadline,
 * then reports end of stream (what was left is counted as dropped); {@link #close()} reports end of
 * stream at once and discards what is buffered.
 */
final class PcmPipe extends InputStream {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final byte[] buf;
  private int head; // next byte to read
  private int size;
  private boolean finished;
  private long deadlineNanos = Long.MAX_VALUE;
  private boolean closed;
  private long dropped; // samples
  private long written; // samples

  /**
   * @param capacitySamples how many 16-bit samples the pipe holds (at least 1)
   */
  PcmPipe(int capacitySamples) {
    if (capacitySamples < 1) {
      throw new IllegalArgumentException("capacitySamples " + capacitySamples + " < 1");
    }
    this.buf = new byte[capacitySamples * 2];
  }

  /**
   * Writes samples as little-endian bytes, waiting at most {@code maxWaitNanos} in total for room.
   *
   * @return how many samples were accepted (the rest was dropped and counted)
   * @throws IllegalStateException after {@link #finish} or {@link #close}
   */
  int write(short[] samples, int offset, int length, long maxWaitNanos)
      throws InterruptedException {
    lock.lock();
    try {
      if (finished || closed) {
        throw new IllegalStateException("pipe is " + (closed ? "closed" : "finished"));
      }
      long deadline = System.nanoTime() + maxWaitNanos;
      int i = 0;
      while (i < length) {
        while (size == buf.length && !closed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            dropped += length - i;
            written += i;
            return i;
          }
          notFull.awaitNanos(left);
        }
        if (closed) {
          written += i;
          return i;
        }
        int tail = (head + size) % buf.length;
        int room = Math.min(buf.length - size, buf.length - tail) / 2;
        int n = Math.min(room, length - i);
        for (int k = 0; k < n; k++) {
          short s = samples[offset + i + k];
          buf[tail + 2 * k] = (byte) s;
          buf[tail + 2 * k + 1] = (byte) (s >> 8);
        }
        size += 2 * n;
        i += n;
        notEmpty.signalAll();
      }
      written += length;
      return length;
    } finally {
      lock.unlock();
    }
  }

  /**
   * No more input: the reader gets what is buffered, then end of stream; past {@code deadlineNanos}
   * ({@link System#nanoTime()} scale) the rest is dropped and counted.
   */
  void finish(long deadlineNanos) {
    lock.lock();
    try {
      finished = true;
      this.deadlineNanos = deadlineNanos;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Samples dropped so far (full pipe, or left unread at a finish deadline). */
  long droppedSamples() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }

  /** Samples accepted so far. */
  long writtenSamples() {
    lock.lock();
    try {
      return written;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    lock.lock();
    try {
      while (size == 0) {
        if (closed || finished) {
          return -1;
        }
        notEmpty.await(100, TimeUnit.MILLISECONDS);
      }
      if (closed) {
        return -1;
      }
      if (finished && System.nanoTime() - deadlineNanos > 0) {
        dropped += size / 2;
        size = 0;
        notFull.signalAll();
        return -1;
      }
      // whole samples only, so that the byte order never splits across reads
      int n = Math.min(len & ~1, Math.min(size, buf.length - head));
      if (n == 0) {
        n = Math.min(len, Math.min(size, buf.length - head));
      }
      System.arraycopy(buf, head, b, off, n);
      head = (head + n) % buf.length;
      size -= n;
      notFull.signalAll();
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int available() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  /** End of stream for the reader at once; buffered audio is discarded. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      size = 0;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
