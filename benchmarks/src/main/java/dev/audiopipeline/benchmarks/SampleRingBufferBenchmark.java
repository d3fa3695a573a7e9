package dev.audiopipeline.benchmarks;

import dev.audiopipeline.internal.runtime.SampleRingBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The SPSC ring buffer between a producer thread offering 10 ms frames of 48 kHz stereo (960
 * samples) and a consumer thread polling up to a frame at a time, as in the pipeline. Reports
 * operations per microsecond for each side (an offer refused because the buffer is full and a poll
 * that finds it empty both count as operations) and {@code samplesReceived}: samples actually
 * delivered to the consumer per microsecond. Run with {@code -prof gc} for the allocation (0 B/op).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class SampleRingBufferBenchmark {
  private static final int FRAME = 960;

  private SampleRingBuffer ring;

  @Setup(Level.Iteration)
  public void setUp() {
    ring = new SampleRingBuffer(SampleRingBuffer.capacityFor(FRAME * 32));
  }

  /** Producer-side state: its own frame. */
  @State(Scope.Thread)
  public static class ProducerFrame {
    final short[] frame = new short[FRAME];
  }

  /** Consumer-side state: its own buffer, and the samples it received (reported per µs). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class ConsumerBuffer {
    final short[] buffer = new short[FRAME];

    /** Samples delivered to the consumer. */
    public long samplesReceived;

    @Setup(Level.Iteration)
    public void clear() {
      samplesReceived = 0;
    }
  }

  /** Offers one 10 ms frame; false when the buffer is full (the frame is refused). */
  @Benchmark
  @Group("spsc")
  @GroupThreads(1)
  public boolean offer(ProducerFrame p) {
    return ring.offer(p.frame, 0, FRAME);
  }

  /** Polls up to one frame; returns the number of samples read (0 when empty). */
  @Benchmark
  @Group("spsc")
  @GroupThreads(1)
  public int poll(ConsumerBuffer c) {
    int n = ring.poll(c.buffer, 0, FRAME);
    c.samplesReceived += n;
    return n;
  }
}
