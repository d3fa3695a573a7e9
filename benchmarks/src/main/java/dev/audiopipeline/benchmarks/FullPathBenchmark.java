package dev.audiopipeline.benchmarks;

import dev.audiopipeline.ProviderException;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.SampleRingBuffer;
import dev.audiopipeline.internal.runtime.StreamingSttSession;
import dev.audiopipeline.spi.ProtocolCodec;
import dev.audiopipeline.spi.StreamingConfig;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import dev.audiopipeline.spi.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
 * The whole per-speaker audio path for one 10 ms frame, as a WebRTC track delivers it (48 kHz
 * stereo s16le bytes) and a streaming recogniser takes it (16 kHz mono s16le): the sink's write
 * into the {@link SampleRingBuffer}, the drain's read, the {@link AudioConverter}, the {@link
 * StreamingSttSession}'s replay buffer and its send of whole 50 ms chunks through the codec to a
 * transport that discards. Run with {@code -prof gc} (B/op) and {@link CpuTimeProfiler} (CPU per
 * frame).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar FullPathBenchmark -prof gc
 *     -prof dev.audiopipeline.benchmarks.CpuTimeProfiler</pre>
 *
 * <p>The stages run on the benchmark thread in the order the speaker's threads run them (producer
 * write, then the drain's work, the same calls as {@code SpeakerChannel}'s drain loop), so the
 * figure is the path's own cost without a thread hand-off. The "before" figures in
 * docs/BENCHMARKS.md come from this class as first committed, whose drain copied the ring into a
 * buffer first ({@code ring.poll(in, 0, in.length)}, then {@code convert(in, ...)}), as {@code
 * SpeakerChannel} did then, run on the core of that time. The fake connection answers every second
 * of audio with a final (as a provider does), so the replay buffer discards finalized audio and the
 * server-silence watchdog stays quiet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2)
public class FullPathBenchmark {
  /**
   * What the transport does with a binary frame: {@code discard} it, or {@code okhttp-copy}: what
   * {@code OkHttpWebSocketTransport} does before OkHttp queues it ({@code ByteString.of}: one copy
   * and one array per frame, because OkHttp writes the frame later on its own thread).
   */
  @Param({"discard", "okhttp-copy"})
  @SuppressWarnings("NullAway.Init") // JMH sets @Param fields before @Setup
  public String transport;

  private static final AudioFormat IN = new AudioFormat(48_000, 2);
  private static final AudioFormat OUT = AudioFormat.mono(16_000);
  private static final int FRAME_SAMPLES = IN.samplesIn(10_000);

  private byte[] input;
  private int position;
  private int frames;
  private SampleRingBuffer ring;
  private AudioConverter converter;
  private int chunk;
  private short[] out;
  private SampleRingBuffer.Reader reader;
  private ScheduledThreadPoolExecutor scheduler;
  private StreamingSttSession session;
  private DiscardingConnection connection;

  @Setup
  public void setUp() {
    int samples = IN.samplesIn(1_000_000);
    input = new byte[2 * samples];
    Random rnd = new Random(7);
    double smooth = 0;
    for (int i = 0; i < samples; i += 2) {
      smooth = 0.9 * smooth + 0.1 * rnd.nextGaussian();
      double v = 6000 * Math.sin(2 * Math.PI * 220 * (i / 2) / 48_000.0) + 20000 * smooth;
      short s = (short) Math.max(-32768, Math.min(32767, Math.round(v)));
      for (int c = 0; c < 2; c++) {
        input[2 * (i + c)] = (byte) s;
        input[2 * (i + c) + 1] = (byte) (s >> 8);
      }
    }
    // as SpeakerChannel sizes them: the ring for the pipeline's default 2 s, a 20 ms drain chunk
    ring = new SampleRingBuffer(SampleRingBuffer.capacityFor(IN.samplesIn(2_000_000)));
    converter = AudioConverter.create(IN, OUT);
    chunk = IN.samplesIn(20_000);
    out = new short[Math.max(converter.maxOutputLength(chunk), converter.maxDrainLength())];
    reader =
        (a, off, len) -> {
          int m = converter.convert(a, off, len, out, 0);
          if (m > 0) {
            session.send(out, 0, m);
          }
        };
    scheduler = new ScheduledThreadPoolExecutor(1);
    connection = new DiscardingConnection(transport.equals("okhttp-copy"));
    StreamingConfig config =
        StreamingConfig.builder("bench", OUT)
            .transport(connection)
            .codecFactory(DiscardingCodec::new)
            .scheduler(scheduler)
            .responseTimeout(Duration.ofMinutes(10))
            .build();
    session = StreamingSttSession.open(config, SttSessionOptions.of("bench"), e -> {});
    if (connection.handler == null) {
      throw new IllegalStateException("the fake transport did not open");
    }
  }

  @TearDown
  public void tearDown() {
    session.close();
    scheduler.shutdownNow();
  }

  /** One 10 ms frame through the whole path; returns bytes sent so the work stays. */
  @Benchmark
  public long frame() {
    ring.offerBytes(input, position, 2 * FRAME_SAMPLES);
    position += 2 * FRAME_SAMPLES;
    if (position + 2 * FRAME_SAMPLES > input.length) {
      position = 0;
    }
    // the drain, as SpeakerChannel does it: the converter reads the ring in place (20 ms at most
    // per read, whole stereo frames) and its output goes to the session
    while (ring.poll(reader, chunk, 2) > 0) {}
    if (++frames == 100) {
      frames = 0;
      connection.answer(); // a final for everything sent, once a second of audio
    }
    return connection.bytes;
  }

  /** Opens at once on the caller's thread and throws every frame away. */
  static final class DiscardingConnection implements WebSocketTransport, WebSocketConnection {
    private final boolean copy;
    @Nullable WebSocketHandler handler;
    long bytes;

    DiscardingConnection(boolean copy) {
      this.copy = copy;
    }

    @Override
    public WebSocketConnection open(WebSocketRequest request, WebSocketHandler h) {
      handler = h;
      h.onOpen(this, Map.of());
      return this;
    }

    void answer() {
      WebSocketHandler h = handler;
      if (h != null) {
        h.onText("final");
      }
    }

    @Override
    public boolean sendText(String text) {
      return true;
    }

    @Override
    public boolean sendBinary(byte[] data, int offset, int length) {
      if (copy) {
        okio.ByteString frame = okio.ByteString.of(data, offset, length);
        bytes += frame.size() + frame.getByte(0);
      } else {
        bytes += length + data[offset];
      }
      return true;
    }

    @Override
    public long queueSize() {
      return 0;
    }

    @Override
    public boolean close(int code, String reason) {
      return true;
    }

    @Override
    public void cancel() {}
  }

  /** Binary PCM frames as Deepgram takes them; every text from the "server" is a final. */
  static final class DiscardingCodec implements ProtocolCodec {
    private static final WebSocketRequest REQUEST =
        WebSocketRequest.of(URI.create("ws://127.0.0.1:1/bench"), Map.of());

    @Override
    public WebSocketRequest request() {
      return REQUEST;
    }

    @Override
    public boolean sendAudio(WebSocketConnection c, byte[] pcm, int offset, int length) {
      return c.sendBinary(pcm, offset, length);
    }

    @Override
    public Duration keepAliveAfter() {
      return Duration.ofMinutes(10);
    }

    @Override
    public int keepAliveSilenceMs(boolean audioSentOnConnection) {
      return 0;
    }

    @Override
    public void flush(WebSocketConnection c) {}

    @Override
    public void endOfStream(WebSocketConnection c, Events events) {
      events.drained();
    }

    @Override
    public void onText(String text, Events events) {
      events.finalizedUpTo(events.audioSentMs());
    }

    @Override
    public @Nullable ProviderException onClose(int code, String reason, boolean endRequested) {
      return null;
    }

    @Override
    public String provider() {
      return "bench";
    }

    @Override
    public double maxRealtimeFactor() {
      return Double.POSITIVE_INFINITY; // the benchmark runs faster than real time
    }
  }
}
