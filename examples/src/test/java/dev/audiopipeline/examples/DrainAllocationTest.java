package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.testing.Await;
import dev.audiopipeline.testing.EnergyTurnDetector;
import dev.audiopipeline.testing.Signals;
import dev.audiopipeline.turn.NeuralTurnDetector;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Bytes the speaker's drain thread allocates per 10 ms WebRTC frame (48 kHz stereo bytes in, 16 kHz
 * mono to a recogniser that discards), through the real {@code SpeakerChannel}: none without a
 * detector and none with an allocation-free one ({@link EnergyTurnDetector}); the figure with
 * {@link NeuralTurnDetector} (ONNX Runtime's Java binding allocates per model call) is printed.
 */
class DrainAllocationTest {
  private static final AudioFormat IN = new AudioFormat(48_000, 2);

  /** Takes 16 kHz mono and drops it, counting the samples (allocation-free). */
  static final class Discarding implements SttProvider {
    final AtomicLong received = new AtomicLong();

    @Override
    public String name() {
      return "discard";
    }

    @Override
    public AudioFormat inputFormat() {
      return AudioFormat.MONO_16K;
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      return new SttSession() {
        @Override
        public void send(short[] samples, int offset, int length) {
          received.addAndGet(length);
        }

        @Override
        public void flush() {}

        @Override
        public CompletionStage<Void> finish(Duration timeout) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {}
      };
    }
  }

  /** One speaker whose frames the test writes with put() (waits for room: nothing dropped). */
  static final class OneSpeaker implements AudioSource, SpeakerStream {
    final CountDownLatch started = new CountDownLatch(1);
    volatile @Nullable AudioSink sink;
    volatile @Nullable Listener listener;

    @Override
    public void start(Listener l) {
      listener = l;
      l.speakerJoined(this);
    }

    @Override
    public void close() {}

    @Override
    public String id() {
      return "TR_alloc";
    }

    @Override
    public String identity() {
      return "alice";
    }

    @Override
    public AudioFormat format() {
      return IN;
    }

    @Override
    public boolean canWait() {
      return true;
    }

    @Override
    public void start(AudioSink s) {
      sink = s;
      started.countDown();
    }
  }

  /** Drain-thread bytes per frame over {@code frames} frames after a warm-up. */
  static double bytesPerFrame(@Nullable TurnDetector detector, int frames) throws Exception {
    // one continuous sound: events (which allocate, a few per turn) come once, at the start
    short[] audio = Signals.bursts(IN, 4_000, new long[][] {{0, 4_000}});
    int frame = 480 * 2;
    Discarding stt = new Discarding();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(stt)
            .turnDetector(detector)
            .bufferDuration(Duration.ofSeconds(1))
            .build();
    OneSpeaker source = new OneSpeaker();
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.start();
      assertThat(source.started.await(5, TimeUnit.SECONDS)).isTrue();
      AudioSink sink = java.util.Objects.requireNonNull(source.sink);
      long t = 0;
      int pos = 0;
      long drainId = -1;
      long before = 0;
      int warmup = 3_000;
      for (int f = 0; f < warmup + frames; f++) {
        if (f == warmup) {
          awaitCaughtUp(stt, f);
          drainId = drainThreadId();
          before = mx.getThreadAllocatedBytes(drainId);
        }
        sink.put(audio, pos, frame, t);
        t += 10_000;
        pos = (pos + frame) % audio.length;
      }
      awaitCaughtUp(stt, warmup + frames);
      long after = mx.getThreadAllocatedBytes(drainId);
      java.util.Objects.requireNonNull(source.listener).speakerLeft(source);
      java.util.Objects.requireNonNull(source.listener).sourceEnded();
      session.awaitCompletion(Duration.ofSeconds(20));
      return (after - before) / (double) frames;
    }
  }

  /**
   * Waits until the recogniser has had {@code frames} frames (160 samples each at 16 kHz), less one
   * frame the resampler may still hold: the drain has caught up with the writer and is idle.
   */
  private static void awaitCaughtUp(Discarding stt, int frames) throws InterruptedException {
    long expected = frames * 160L - 160;
    Await.until(
        Duration.ofSeconds(30),
        () -> "the drain caught up: " + stt.received.get() + " of " + expected + " samples",
        () -> stt.received.get() >= expected);
  }

  private static long drainThreadId() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().contains("drain-") && t.getName().endsWith("TR_alloc")) {
        return t.getId();
      }
    }
    throw new AssertionError("no drain thread");
  }

  @Test
  void theDrainAllocatesNothingPerFrameWithoutADetectorOrWithAnAllocationFreeOne()
      throws Exception {
    double none = bytesPerFrame(null, 20_000);
    double energy = bytesPerFrame(EnergyTurnDetector.create(), 20_000);
    double neural;
    try (NeuralTurnDetector vad =
        NeuralTurnDetector.builder().mode(NeuralTurnDetector.Mode.VAD).build()) {
      neural = bytesPerFrame(vad, 20_000);
    }
    System.out.printf(
        Locale.ROOT,
        "drain thread, bytes per 10 ms frame: no detector %.2f, EnergyTurnDetector %.2f,"
            + " NeuralTurnDetector(VAD) %.1f%n",
        none,
        energy,
        neural);
    // events (a few per second of speech) allocate; a frame does not
    assertThat(none).isLessThan(1.0);
    assertThat(energy).isLessThan(1.0);
  }
}
