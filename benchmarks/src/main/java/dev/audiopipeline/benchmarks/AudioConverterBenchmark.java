package dev.audiopipeline.benchmarks;

import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of converting one 10 ms frame, the unit the pipeline works in. The headline case is 48 kHz
 * stereo s16 to 16 kHz mono s16 (WebRTC to a recogniser); run with {@code -prof gc} to see that
 * nothing is allocated per frame.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AudioConverterBenchmark -prof gc</pre>
 *
 * <p>The input is 1 s of speech-like noise (a tone plus shaped noise), walked through frame by
 * frame so that each call sees new samples, as in a stream.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2)
public class AudioConverterBenchmark {
  /** {@code inRate/inChannels->outRate}. */
  @Param({"48000/2->16000", "48000/1->16000", "44100/2->16000", "16000/1->24000"})
  @SuppressWarnings("NullAway.Init") // JMH sets @Param fields before @Setup
  public String pair;

  private AudioConverter converter;
  private short[] input;
  private short[] output;
  private int frameSamples;
  private int position;

  @Setup
  public void setUp() {
    String[] p = pair.split("->|/");
    AudioFormat in = new AudioFormat(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
    AudioFormat out = AudioFormat.mono(Integer.parseInt(p[2]));
    converter = AudioConverter.create(in, out);
    frameSamples = in.samplesIn(10_000);
    input = new short[in.samplesIn(1_000_000)];
    Random rnd = new Random(7);
    double smooth = 0;
    for (int i = 0; i < input.length; i += in.channels()) {
      smooth = 0.9 * smooth + 0.1 * rnd.nextGaussian();
      double v =
          6000 * Math.sin(2 * Math.PI * 220 * (i / in.channels()) / in.sampleRate())
              + 20000 * smooth;
      for (int c = 0; c < in.channels(); c++) {
        input[i + c] = (short) Math.max(-32768, Math.min(32767, Math.round(v)));
      }
    }
    output = new short[converter.maxOutputLength(frameSamples)];
  }

  /** One 10 ms frame; returns the sample count so the work cannot be eliminated. */
  @Benchmark
  public int convert10msFrame() {
    int n = converter.convert(input, position, frameSamples, output, 0);
    position += frameSamples;
    if (position + frameSamples > input.length) {
      position = 0;
    }
    return n + output[n >> 1];
  }
}
