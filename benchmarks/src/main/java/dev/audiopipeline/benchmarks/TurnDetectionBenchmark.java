package dev.audiopipeline.benchmarks;

import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.turn.NeuralTurnDetector;
import dev.audiopipeline.turn.SileroVad;
import java.io.IOException;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What turn detection costs on one core (issue #12): the Silero VAD per 32 ms frame, alone ({@code
 * vadFrame}) and as the pipeline runs it, through a VAD-mode {@link NeuralTurnDetector} analysis
 * with its hysteresis ({@code detectorFrame}); and one Smart Turn inference on an 8 s window
 * ({@code smartTurn8s}: Whisper log-mel features plus the model). Each call walks on through the
 * candidate's track of the bundled interview (speech and silence), so every call sees new audio.
 * Every model call runs on the calling thread (ONNX Runtime with one intra-op thread).
 *
 * <pre>
 * ./mvnw -q -o -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar TurnDetectionBenchmark \
 *     -prof dev.audiopipeline.benchmarks.CpuTimeProfiler           # from the repository root
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TurnDetectionBenchmark {
  private static final int FRAME = SileroVad.FRAME_SAMPLES;
  private static final int WINDOW = 8 * 16_000;

  /** A 16 kHz mono WAV, relative to where the benchmark runs (the repository root). */
  @Param({"examples/src/main/resources/interview/candidate.wav"})
  @SuppressWarnings("NullAway.Init") // JMH sets @Param fields before @Setup
  public String wav;

  private short[] audio;
  private NeuralTurnDetector turnDetector;
  private NeuralTurnDetector vadDetector;
  private SileroVad vad;
  private SileroVad.Stream stream;
  private TurnDetector.Analysis analysis;
  private final Counting events = new Counting();
  private int framePosition;
  private int windowEnd;

  @Setup
  public void setUp() throws IOException {
    try (WavFile.Reader reader = WavFile.open(Path.of(wav))) {
      if (reader.format().sampleRate() != 16_000 || reader.format().channels() != 1) {
        throw new IllegalArgumentException(wav + " is " + reader.format() + ", not 16 kHz mono");
      }
      audio = reader.readAll();
    }
    turnDetector = NeuralTurnDetector.builder().build();
    vadDetector = NeuralTurnDetector.builder().mode(NeuralTurnDetector.Mode.VAD).build();
    vad = SileroVad.load();
    stream = vad.newStream();
    analysis = vadDetector.open("benchmark");
    windowEnd = WINDOW;
  }

  @TearDown
  public void tearDown() {
    analysis.close();
    stream.close();
    vad.close();
    vadDetector.close();
    turnDetector.close();
  }

  private int nextFrame() {
    int at = framePosition;
    framePosition = at + 2 * FRAME > audio.length ? 0 : at + FRAME;
    return at;
  }

  /** One 32 ms frame through the Silero model (probability only). */
  @Benchmark
  public float vadFrame() {
    return stream.speechProbability(audio, nextFrame());
  }

  /** One 32 ms frame through a VAD-mode analysis: the model plus start/stop/turn decisions. */
  @Benchmark
  public long detectorFrame() {
    analysis.accept(audio, nextFrame(), FRAME, events);
    return events.count;
  }

  /** One Smart Turn inference on the 8 s ending at the next 100 ms step of the track. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public double smartTurn8s() {
    int end = windowEnd;
    windowEnd = end + 1_600 > audio.length ? WINDOW : end + 1_600;
    return turnDetector.endOfTurnProbability(audio, end - WINDOW, WINDOW);
  }

  /** Counts events; allocates nothing. */
  static final class Counting implements TurnDetector.Events {
    long count;

    @Override
    public void speechStarted(long atSample) {
      count++;
    }

    @Override
    public void speechEnded(long atSample) {
      count++;
    }

    @Override
    public void endOfTurn(long atSample, double probability) {
      count++;
    }
  }
}
