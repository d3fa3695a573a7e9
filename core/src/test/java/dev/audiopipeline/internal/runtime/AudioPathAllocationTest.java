package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.ProviderException;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.spi.ProtocolCodec;
import dev.audiopipeline.spi.StreamingConfig;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import dev.audiopipeline.spi.WebSocketTransport;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The per-speaker audio path allocates nothing per frame in steady state: WebRTC bytes into the
 * ring, the converter reading the ring in place, the streaming session's replay buffer and its send
 * of a slice through the codec (a transport that counts and discards). The same path as {@code
 * FullPathBenchmark} in the benchmarks module, which reports the figure; this test guards it.
 */
class AudioPathAllocationTest {
  private static final AudioFormat IN = new AudioFormat(48_000, 2);
  private static final AudioFormat OUT = AudioFormat.mono(16_000);

  /** Opens at once and discards; checks that each frame is a whole chunk of s16le. */
  static final class Discarding implements WebSocketTransport, WebSocketConnection {
    long bytes;
    long frames;

    @Override
    public WebSocketConnection open(WebSocketRequest request, WebSocketHandler h) {
      h.onOpen(this, Map.of());
      return this;
    }

    @Override
    public boolean sendText(String text) {
      return true;
    }

    @Override
    public boolean sendBinary(byte[] data, int offset, int length) {
      bytes += length;
      frames++;
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

  static final class BinaryCodec implements ProtocolCodec {
    @Override
    public WebSocketRequest request() {
      return WebSocketRequest.of(URI.create("ws://127.0.0.1:1/x"), Map.of());
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
    public void onText(String text, Events events) {}

    @Override
    public @Nullable ProviderException onClose(int code, String reason, boolean endRequested) {
      return null;
    }

    @Override
    public String provider() {
      return "alloc";
    }

    @Override
    public double maxRealtimeFactor() {
      return Double.POSITIVE_INFINITY;
    }
  }

  @Test
  void aFrameThroughTheWholePathAllocatesNothingInSteadyState() {
    assertThat(ManagementFactory.getThreadMXBean())
        .isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] frame = new byte[2 * IN.samplesIn(10_000)];
    for (int i = 0; i < frame.length; i += 2) {
      short v = (short) (8000 * Math.sin(i * 0.01));
      frame[i] = (byte) v;
      frame[i + 1] = (byte) (v >> 8);
    }
    SampleRingBuffer ring = new SampleRingBuffer(SampleRingBuffer.capacityFor(96_000));
    AudioConverter converter = AudioConverter.create(IN, OUT);
    int chunk = IN.samplesIn(20_000);
    short[] out = new short[converter.maxOutputLength(chunk)];
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    Discarding transport = new Discarding();
    StreamingSttSession session =
        StreamingSttSession.open(
            StreamingConfig.builder("alloc", OUT)
                .transport(transport)
                .codecFactory(BinaryCodec::new)
                .scheduler(scheduler)
                .responseTimeout(Duration.ofMinutes(10))
                .replayBuffer(Duration.ofSeconds(2)) // wraps around often
                // no housekeeping meanwhile: a send that finds the lock held by the tick allocates
                // the lock's queue node (JDK), which is not the path's own garbage
                .tick(Duration.ofMinutes(10))
                .build(),
            SttSessionOptions.of("alloc"),
            e -> {});
    SampleRingBuffer.Reader reader =
        (a, off, len) -> {
          int m = converter.convert(a, off, len, out, 0);
          if (m > 0) {
            session.send(out, 0, m);
          }
        };
    try {
      for (int i = 0; i < 30_000; i++) { // warm up (JIT)
        ring.offerBytes(frame, 0, frame.length);
        while (ring.poll(reader, chunk, 2) > 0) {}
      }
      long tid = Thread.currentThread().getId();
      // Garbage on the path recurs with every frame (even 16 B a frame is 80 KB a round); one-off
      // allocations outside it (a late JIT recompilation, the JDK's lock node when a send meets
      // another thread holding the session's lock) do not recur in every round. So: the quietest
      // of three rounds of 5,000 frames must allocate (almost) nothing.
      long fewest = Long.MAX_VALUE;
      for (int round = 0; round < 3 && fewest >= 1000; round++) {
        long sentBefore = transport.bytes;
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 5_000; i++) {
          ring.offerBytes(frame, 0, frame.length);
          while (ring.poll(reader, chunk, 2) > 0) {}
        }
        fewest = Math.min(fewest, mx.getThreadAllocatedBytes(tid) - before);
        // 50 s of 16 kHz mono went out (within a chunk and the converter's delay), in 50 ms frames
        assertThat(transport.bytes - sentBefore)
            .isBetween(5_000L * 320 - 1600, 5_000L * 320 + 1600);
        assertThat(transport.bytes % 1600).isZero();
      }
      assertThat(fewest)
          .as("bytes allocated for 5000 frames, quietest of 3 rounds")
          .isLessThan(1000);
    } finally {
      session.close();
      scheduler.shutdownNow();
    }
  }
}
