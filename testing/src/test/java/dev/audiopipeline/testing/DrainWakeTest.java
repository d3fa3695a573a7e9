package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The speaker's threads wake on data instead of polling: an idle drain thread parks without a
 * timeout until audio arrives, and a source that can wait parks in {@code put} until the drain has
 * made room (no timed park-spins on either side).
 */
class DrainWakeTest {
  private static final AudioFormat FORMAT = AudioFormat.mono(16_000);
  private static final int FRAME = 160; // 10 ms

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  /** A recogniser whose {@code send} waits until the test opens its gate; counts what it got. */
  static final class GatedProvider implements SttProvider {
    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicLong received = new AtomicLong();

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public AudioFormat inputFormat() {
      return FORMAT;
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      return new SttSession() {
        @Override
        public void send(short[] samples, int offset, int length) {
          try {
            gate.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
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

  /** One speaker whose sink the test writes into. */
  static final class OneSpeaker implements AudioSource, SpeakerStream {
    final boolean canWait;
    final CountDownLatch started = new CountDownLatch(1);
    volatile Listener listener;
    volatile AudioSink sink;

    OneSpeaker(boolean canWait) {
      this.canWait = canWait;
    }

    @Override
    public void start(Listener l) {
      listener = l;
      l.speakerJoined(this);
    }

    @Override
    public void close() {}

    @Override
    public String id() {
      return "TR_wake";
    }

    @Override
    public String identity() {
      return "wake";
    }

    @Override
    public AudioFormat format() {
      return FORMAT;
    }

    @Override
    public boolean canWait() {
      return canWait;
    }

    @Override
    public void start(AudioSink s) {
      sink = s;
      started.countDown();
    }
  }

  private static Thread libraryThread(String prefix) {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        return t;
      }
    }
    throw new AssertionError("no thread named " + prefix + "...");
  }

  /** Thread states have no event to wait on: samples {@code condition} for up to 10 s. */
  private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
    return Await.holds(Duration.ofSeconds(10), condition);
  }

  @Test
  void anIdleDrainThreadParksWithoutATimeoutAndWakesOnData() throws Exception {
    GatedProvider provider = new GatedProvider();
    provider.gate.countDown();
    OneSpeaker source = new OneSpeaker(false);
    AudioPipeline pipeline = AudioPipeline.builder().stt(provider).build();
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.subscribe(RecordingSubscriber.unbounded()); // the source starts on subscription
      assertThat(source.started.await(10, TimeUnit.SECONDS)).isTrue();
      short[] frame = new short[FRAME];
      for (int f = 0; f < 10; f++) {
        assertThat(source.sink.offer(frame, 0, FRAME, f * 10_000L)).isTrue();
      }
      assertThat(waitFor(() -> provider.received.get() == 10 * FRAME)).isTrue();
      Thread drain = libraryThread("audio-pipeline-drain-");
      // idle: parked until the producer unparks it (WAITING), not re-polling on a timer
      assertThat(waitFor(() -> drain.getState() == Thread.State.WAITING))
          .as("idle drain thread state: %s", drain.getState())
          .isTrue();
      for (int i = 0; i < 20; i++) { // sampled over 100 ms: a timed poll would show TIMED_WAITING
        assertThat(drain.getState()).isEqualTo(Thread.State.WAITING);
        Thread.sleep(5);
      }
      // and it wakes on the next write
      assertThat(source.sink.offer(frame, 0, FRAME, 100_000L)).isTrue();
      assertThat(waitFor(() -> provider.received.get() == 11 * FRAME)).isTrue();
    }
  }

  @Test
  void aSourceThatCanWaitParksInPutUntilTheDrainMadeRoom() throws Exception {
    GatedProvider provider = new GatedProvider();
    OneSpeaker source = new OneSpeaker(true);
    // the smallest ring (4096 samples, 256 ms); the writer offers 1 s
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(provider).bufferDuration(Duration.ofMillis(100)).build();
    int frames = 100;
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.subscribe(RecordingSubscriber.unbounded()); // the source starts on subscription
      assertThat(source.started.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                short[] frame = new short[FRAME];
                try {
                  for (int f = 0; f < frames; f++) {
                    source.sink.put(frame, 0, FRAME, f * 10_000L);
                  }
                  source.listener.speakerLeft(source);
                } catch (Throwable e) {
                  failure.set(e);
                }
              },
              "test-writer");
      writer.start();
      // the drain is held in send(): the ring fills and put() waits, parked until woken
      assertThat(waitFor(() -> writer.getState() == Thread.State.WAITING))
          .as("writer state while the ring is full: %s", writer.getState())
          .isTrue();
      assertThat(provider.received.get()).isZero();
      provider.gate.countDown();
      writer.join(20_000);
      assertThat(writer.isAlive()).isFalse();
      assertThat(failure.get()).isNull();
      // nothing the source handed over was lost
      assertThat(waitFor(() -> provider.received.get() == (long) frames * FRAME))
          .as("samples received: %s", provider.received.get())
          .isTrue();
    }
  }
}
