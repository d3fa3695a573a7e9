package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.OverflowException;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Subscribers of one session are isolated: a slow one affects only itself, and every one of them
 * gets exactly one terminal signal, also when one closes the session from inside {@code onNext}.
 */
class SessionSubscribersTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int BURSTS = 24;

  @TempDir Path dir;

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  /** {@code n} utterances of 200 ms, each followed by 500 ms of silence: one final each. */
  private Path utterances(int n) throws Exception {
    long[][] bursts = new long[n][];
    for (int i = 0; i < n; i++) {
      bursts[i] = new long[] {300 + i * 700L, 500 + i * 700L};
    }
    Path wav = dir.resolve("utterances.wav");
    WavFile.write(
        wav,
        AudioFormat.MONO_16K,
        Signals.bursts(AudioFormat.MONO_16K, 300 + n * 700L + 500, bursts));
    return wav;
  }

  /** Blocks in its first {@code onNext} until released, as a consumer stuck on slow I/O. */
  static final class StuckSubscriber implements Flow.Subscriber<Transcript> {
    final CountDownLatch inOnNext = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger items = new AtomicInteger();
    final AtomicInteger terminals = new AtomicInteger();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final CountDownLatch terminated = new CountDownLatch(1);

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Transcript item) {
      items.incrementAndGet();
      inOnNext.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
      terminals.incrementAndGet();
      terminated.countDown();
    }

    @Override
    public void onComplete() {
      terminals.incrementAndGet();
      terminated.countDown();
    }
  }

  @Test
  void aStuckSubscriberNeitherStarvesNorFailsAFastOneAndOverflowsAlone() throws Exception {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(SpeechSegmentRecognizer.create())
            .subscriberBufferSize(16)
            .build();
    StuckSubscriber stuck = new StuckSubscriber();
    RecordingSubscriber<Transcript> fast = RecordingSubscriber.unbounded();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    try (TranscriptionSession session =
        pipeline.startTranscription(
            WavFileSource.builder().speaker("solo", utterances(BURSTS)).realTime(false).build())) {
      session.subscribe(stuck);
      session.subscribe(fast);
      session.events().subscribe(events);
      // the fast subscriber receives every final and completes while the stuck one is still
      // inside its first onNext
      fast.awaitComplete(WAIT);
      assertThat(stuck.inOnNext.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(stuck.terminated.getCount()).isEqualTo(1);
      events.awaitComplete(WAIT);
      stuck.release.countDown();
      assertThat(stuck.terminated.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }
    assertThat(fast.items().stream().filter(Transcript::isFinal)).hasSize(BURSTS);
    assertThat(fast.terminalSignals()).isEqualTo(1);
    assertThat(events.items().stream().filter(e -> e instanceof PipelineEvent.TranscriptReceived))
        .hasSizeGreaterThanOrEqualTo(BURSTS);
    // 24 finals into a buffer of 16 while stuck: it fails, alone, once
    assertThat(stuck.error.get()).isInstanceOf(OverflowException.class);
    assertThat(stuck.terminals.get()).isEqualTo(1);
    assertThat(stuck.items.get()).isLessThan(BURSTS);
  }

  /** Closes the session from inside onNext at the first final, the usual "stop after one". */
  static final class ClosingSubscriber implements Flow.Subscriber<Transcript> {
    final AtomicReference<TranscriptionSession> session = new AtomicReference<>();
    final AtomicInteger terminals = new AtomicInteger();
    final AtomicInteger closesReturned = new AtomicInteger();
    final CountDownLatch completed = new CountDownLatch(1);
    final AtomicInteger finals = new AtomicInteger();

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Transcript item) {
      if (item.isFinal() && finals.incrementAndGet() == 1) {
        session.get().close();
        closesReturned.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable t) {
      terminals.incrementAndGet();
    }

    @Override
    public void onComplete() {
      terminals.incrementAndGet();
      completed.countDown();
    }
  }

  @Test
  void closingFromInsideOnNextCompletesEverySubscriberExactlyOnce() throws Exception {
    // a close timeout longer than the test's wait: close() must not wait for its own thread
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(SpeechSegmentRecognizer.create())
            .closeTimeout(Duration.ofSeconds(60))
            .build();
    ClosingSubscriber closer = new ClosingSubscriber();
    RecordingSubscriber<Transcript> other = RecordingSubscriber.unbounded();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    TranscriptionSession session =
        pipeline.startTranscription(
            WavFileSource.builder().speaker("solo", utterances(BURSTS)).realTime(true).build());
    closer.session.set(session);
    session.subscribe(closer);
    session.subscribe(other);
    session.events().subscribe(events);

    assertThat(closer.completed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    other.awaitComplete(WAIT);
    events.awaitComplete(WAIT);
    assertThat(session.awaitCompletion(WAIT)).isTrue();
    session.close(); // joins the close under way; idempotent
    assertThat(closer.closesReturned.get()).isEqualTo(1);
    assertThat(closer.terminals.get()).isEqualTo(1);
    assertThat(other.terminalSignals()).isEqualTo(1);
    assertThat(events.terminalSignals()).isEqualTo(1);
    // the file was cut short: the other subscriber saw the first final but not all of them
    assertThat(other.items().stream().filter(Transcript::isFinal).count())
        .isBetween(1L, (long) BURSTS - 1);
  }
}
