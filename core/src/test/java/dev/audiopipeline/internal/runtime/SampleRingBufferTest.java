package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class SampleRingBufferTest {

  @Test
  void rejectsCapacitiesThatAreNotPowersOfTwo() {
    assertThatThrownBy(() -> new SampleRingBuffer(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1000")
        .hasMessageContaining("power of two");
    assertThatThrownBy(() -> new SampleRingBuffer(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(SampleRingBuffer.capacityFor(1000)).isEqualTo(1024);
    assertThat(SampleRingBuffer.capacityFor(1024)).isEqualTo(1024);
  }

  @Test
  void overflowRefusesTheWholeWriteAndCountsIt() {
    SampleRingBuffer ring = new SampleRingBuffer(8);
    assertThat(ring.offer(new short[] {1, 2, 3, 4, 5, 6}, 0, 6)).isTrue();
    assertThat(ring.offer(new short[] {7, 8, 9}, 0, 3)).isFalse();
    assertThat(ring.written()).isEqualTo(6); // nothing of the refused write went in
    assertThat(ring.size()).isEqualTo(6);
    short[] out = new short[8];
    assertThat(ring.poll(out, 0, 8)).isEqualTo(6);
    assertThat(out).startsWith((short) 1, (short) 2, (short) 3, (short) 4, (short) 5, (short) 6);
    // wraps around the end of the array
    assertThat(ring.offer(new short[] {7, 8, 9, 10, 11}, 0, 5)).isTrue();
    assertThat(ring.poll(out, 0, 8)).isEqualTo(5);
    assertThat(out).startsWith((short) 7, (short) 8, (short) 9, (short) 10, (short) 11);
  }

  @Test
  void decodesLittleEndianBytes() {
    SampleRingBuffer ring = new SampleRingBuffer(4);
    byte[] pcm = {0x34, 0x12, (byte) 0xff, (byte) 0xff, 0x00, (byte) 0x80};
    assertThat(ring.offerBytes(pcm, 0, 6)).isTrue();
    short[] out = new short[3];
    ring.poll(out, 0, 3);
    assertThat(out).containsExactly((short) 0x1234, (short) -1, Short.MIN_VALUE);
  }

  @Test
  void decodesLittleEndianBytesAcrossTheEndOfTheArray() {
    SampleRingBuffer ring = new SampleRingBuffer(4);
    short[] out = new short[4];
    ring.offer(new short[] {9, 9, 9}, 0, 3);
    ring.poll(out, 0, 3); // the next write starts at index 3 and wraps
    byte[] pcm = {0x00, 0x00, 0x34, 0x12, (byte) 0xff, (byte) 0xff, 0x00, (byte) 0x80};
    assertThat(ring.offerBytes(pcm, 2, 6)).isTrue();
    assertThat(ring.poll(out, 0, 4)).isEqualTo(3);
    assertThat(out).startsWith((short) 0x1234, (short) -1, Short.MIN_VALUE);
    assertThat(ring.offerBytes(pcm, 0, 10 - 2)).isTrue();
    assertThat(ring.offerBytes(pcm, 0, 2)).isFalse(); // full: refused whole
    assertThat(ring.written()).isEqualTo(10);
  }

  /**
   * Pushes 10^7 samples from one thread to another through a small buffer: every sample arrives, in
   * order, and the checksums of both sides match.
   */
  @Test
  void transfersTenMillionSamplesInOrderBetweenTwoThreads() throws Exception {
    final long total = 10_000_000L;
    SampleRingBuffer ring = new SampleRingBuffer(4096);
    AtomicLong producerSum = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread producer =
        new Thread(
            () -> {
              short[] chunk = new short[480];
              long next = 0;
              long sum = 0;
              int size = 1;
              while (next < total) {
                int n = (int) Math.min(size, total - next);
                for (int i = 0; i < n; i++) {
                  chunk[i] = (short) (next + i);
                }
                if (ring.offer(chunk, 0, n)) {
                  for (int i = 0; i < n; i++) {
                    sum += chunk[i];
                  }
                  next += n;
                  size = size % 479 + 1; // odd sizes, 1..479
                } else {
                  Thread.onSpinWait();
                }
              }
              producerSum.set(sum);
            },
            "ring-producer");
    long consumerSum = 0;
    long received = 0;
    long expected = 0;
    short[] buf = new short[1000];
    producer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    producer.start();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (received < total && System.nanoTime() < deadline) {
      int n = ring.poll(buf, 0, 1 + (int) (received % 997));
      if (n == 0) {
        LockSupport.parkNanos(1000);
        continue;
      }
      for (int i = 0; i < n; i++) {
        if (buf[i] != (short) expected) {
          throw new AssertionError("sample " + expected + " arrived as " + buf[i]);
        }
        expected++;
        consumerSum += buf[i];
      }
      received += n;
    }
    producer.join(10_000);
    assertThat(failure.get()).isNull();
    assertThat(received).isEqualTo(total);
    assertThat(consumerSum).isEqualTo(producerSum.get());
    assertThat(ring.written()).isEqualTo(total);
    assertThat(ring.read()).isEqualTo(total);
  }

  @Test
  void inPlaceReadHandsTheRingsOwnRangesWholeFramesAtATime() {
    SampleRingBuffer ring = new SampleRingBuffer(8);
    ring.offer(new short[] {1, 2, 3, 4, 5, 6}, 0, 6);
    short[] out = new short[6];
    ring.poll(out, 0, 6); // the next write wraps around the end of the array
    ring.offer(new short[] {7, 8, 9, 10, 11, 12}, 0, 6);
    java.util.List<String> ranges = new java.util.ArrayList<>();
    StringBuilder seen = new StringBuilder();
    SampleRingBuffer.Reader reader =
        (a, off, len) -> {
          ranges.add(off + "+" + len);
          for (int i = off; i < off + len; i++) {
            seen.append(a[i]).append(' ');
          }
        };
    // at most 5 in whole frames of 2: 4 samples, in two ranges (2 before the end, 2 after)
    assertThat(ring.poll(reader, 5, 2)).isEqualTo(4);
    assertThat(ranges).containsExactly("6+2", "0+2");
    assertThat(seen.toString()).isEqualTo("7 8 9 10 ");
    assertThat(ring.size()).isEqualTo(2);
    assertThat(ring.poll(reader, 8, 2)).isEqualTo(2);
    assertThat(seen.toString()).isEqualTo("7 8 9 10 11 12 ");
    assertThat(ring.poll(reader, 8, 2)).isZero();
    assertThat(ring.read()).isEqualTo(12);
  }

  /** The in-place read keeps the SPSC guarantees: 10^7 samples in order between two threads. */
  @Test
  void inPlaceReadTransfersTenMillionSamplesInOrderBetweenTwoThreads() throws Exception {
    final long total = 10_000_000L;
    SampleRingBuffer ring = new SampleRingBuffer(4096);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread producer =
        new Thread(
            () -> {
              short[] chunk = new short[480];
              long next = 0;
              int size = 2;
              while (next < total) {
                int n = (int) Math.min(size, total - next);
                for (int i = 0; i < n; i++) {
                  chunk[i] = (short) (next + i);
                }
                if (ring.offer(chunk, 0, n)) {
                  next += n;
                  size = size % 478 + 2; // even sizes (stereo frames), 2..478
                } else {
                  Thread.onSpinWait();
                }
              }
            },
            "ring-producer");
    long[] expected = {0};
    SampleRingBuffer.Reader check =
        (a, off, len) -> {
          if (len % 2 != 0) {
            throw new AssertionError("a range of " + len + " samples splits a frame");
          }
          for (int i = off; i < off + len; i++) {
            if (a[i] != (short) expected[0]) {
              throw new AssertionError("sample " + expected[0] + " arrived as " + a[i]);
            }
            expected[0]++;
          }
        };
    producer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    producer.start();
    long received = 0;
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (received < total && System.nanoTime() < deadline) {
      int n = ring.poll(check, 2 + 2 * (int) (received % 499), 2);
      if (n == 0) {
        LockSupport.parkNanos(1000);
      }
      received += n;
    }
    producer.join(10_000);
    assertThat(failure.get()).isNull();
    assertThat(received).isEqualTo(total);
    assertThat(expected[0]).isEqualTo(total);
  }
}
