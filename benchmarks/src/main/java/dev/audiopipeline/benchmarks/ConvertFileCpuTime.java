package dev.audiopipeline.benchmarks;

import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The Java twin of the C reference harness ({@code rsbench.c} in {@code shared/bench/resampler}):
 * streams a raw 48 kHz stereo s16le file through {@link AudioConverter} to 16 kHz mono in 10 ms
 * frames and prints the thread's CPU time per frame, so both sides are measured the same way on the
 * same file. CPU time rather than wall time, because this machine is shared.
 *
 * <pre>
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar \
 *     dev.audiopipeline.benchmarks.ConvertFileCpuTime speech10m_48k_s16.raw [runs=7]
 * </pre>
 *
 * <p>Run 0 includes JIT warm-up and is reported separately; the median is over the others.
 */
public final class ConvertFileCpuTime {
  private ConvertFileCpuTime() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: ConvertFileCpuTime in_48k_stereo_s16.raw [runs=7]");
      System.exit(2);
    }
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    byte[] bytes = Files.readAllBytes(Path.of(args[0]));
    short[] in = new short[bytes.length / 2];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(in);
    bytes = null;
    AudioFormat inFormat = AudioFormat.STEREO_48K;
    int frame = inFormat.samplesIn(10_000);
    long frames = in.length / frame;
    double audioSeconds = in.length / 2.0 / 48_000;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[] perFrame = new double[runs];
    long check = 0;
    for (int run = 0; run <= runs; run++) {
      AudioConverter c = AudioConverter.create(inFormat, AudioFormat.MONO_16K);
      short[] out = new short[c.maxOutputLength(frame)];
      long produced = 0;
      long t0 = mx.getCurrentThreadCpuTime();
      for (int p = 0; p + frame <= in.length; p += frame) {
        int n = c.convert(in, p, frame, out, 0);
        produced += n;
        check += out[n >> 1];
      }
      double cpu = (mx.getCurrentThreadCpuTime() - t0) / 1e9;
      double us = cpu / frames * 1e6;
      System.out.printf(
          Locale.ROOT,
          "run %d: frames_in=%d out=%d cpu=%.4f s xRT=%.0f us_per_10ms=%.3f%s%n",
          run,
          in.length / 2,
          produced,
          cpu,
          audioSeconds / cpu,
          us,
          run == 0 ? " (includes JIT warm-up)" : "");
      if (run > 0) {
        perFrame[run - 1] = us;
      }
    }
    Arrays.sort(perFrame);
    System.out.printf(
        Locale.ROOT,
        "AudioConverter 48k stereo -> 16k mono (%s %s): median %.3f us per 10 ms frame, min %.3f,"
            + " max %.3f over %d runs (checksum %d)%n",
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        perFrame[runs / 2],
        perFrame[0],
        perFrame[runs - 1],
        runs,
        check);
  }
}
