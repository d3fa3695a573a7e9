package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.FallbackSttProvider;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback chain in batch mode (files read as fast as possible, like {@code --fast}): all the
 * audio is sent and {@code finish()} called before the preferred providers refuse. The audio must
 * move to the next provider and the finals come from there.
 */
class FallbackBatchTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long[][] RECRUITER = {{500, 2000}, {5000, 6000}};
  private static final long[][] CANDIDATE = {{2500, 4500}, {6500, 8000}};
  private static final SpeakerMap LABELS =
      SpeakerMap.builder().put("rec-1", "recruiter").put("cand-2", "candidate").build();

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAndCheckThreads() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  /**
   * A cloud recogniser that refuses the key, as Deepgram and ElevenLabs do: it takes audio while
   * "connecting" and reports the refusal from its own I/O thread; {@code when} says whether the
   * refusal arrives only after {@code finish()} (the batch case) or {@code openSession} throws.
   * Like the streaming providers, {@code close()} completes a pending finish stage at once.
   */
  static final class RefusingProvider implements SttProvider {
    enum When {
      AFTER_FINISH,
      ON_OPEN,
      REFUSES_SEND,
      ON_CONNECT
    }

    final String name;
    final When when;
    final List<Thread> ioThreads = new CopyOnWriteArrayList<>();
    volatile int opened;

    RefusingProvider(String name, When when) {
      this.name = name;
      this.when = when;
    }

    AuthenticationException refusal() {
      return new AuthenticationException(
          name, name + " refused the API key (HTTP 401)", 401, -1, "auth_error", null);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public AudioFormat inputFormat() {
      return AudioFormat.MONO_16K;
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      Objects.requireNonNull(options, "options == null");
      opened++;
      if (when == When.ON_OPEN) {
        throw new IllegalArgumentException(name + ": invalid base URL \"wss://api.example .com\"");
      }
      if (when == When.ON_CONNECT) {
        // connects in the background, as the cloud providers do, and is refused 100 ms later
        options.listener().connectStart(name, options.streamId());
      }
      return new SttSession() {
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        volatile boolean closed;

        volatile boolean refused;

        {
          if (when == When.ON_CONNECT) {
            Thread io =
                new Thread(
                    () -> {
                      try {
                        // the scenario: the refusal arrives later, on the provider's I/O thread
                        Thread.sleep(100);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      AuthenticationException e = refusal();
                      closed = true;
                      listener.onEvent(new TranscriptEvent.Failed(e));
                      finished.completeExceptionally(e);
                    },
                    "test-" + name + "-io");
            ioThreads.add(io);
            io.start();
          }
        }

        @Override
        public void send(short[] samples, int offset, int length) {
          if (when == When.ON_CONNECT) {
            return; // buffered while connecting; a refused session discards what it gets
          }
          if (when == When.REFUSES_SEND && !refused) {
            // the connection failed: the session closes itself at once, and its I/O thread
            // delivers the Failed event after its bookkeeping
            refused = true;
            closed = true;
            Thread io =
                new Thread(
                    () -> {
                      try {
                        // the scenario: the refusal arrives later, on the provider's I/O thread
                        Thread.sleep(100);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      AuthenticationException e = refusal();
                      listener.onEvent(new TranscriptEvent.Failed(e));
                      finished.completeExceptionally(e);
                    },
                    "test-" + name + "-io");
            ioThreads.add(io);
            io.start();
          }
          if (closed) {
            throw new IllegalStateException(name + ": send after finish() or close()");
          }
        }

        @Override
        public void flush() {}

        @Override
        public CompletionStage<Void> finish(Duration timeout) {
          if (when == When.REFUSES_SEND || when == When.ON_CONNECT) {
            return finished;
          }
          Thread io =
              new Thread(
                  () -> {
                    AuthenticationException e = refusal();
                    if (!closed) {
                      listener.onEvent(new TranscriptEvent.Failed(e));
                    }
                    finished.completeExceptionally(e);
                  },
                  "test-" + name + "-io");
          ioThreads.add(io);
          io.start();
          return finished;
        }

        @Override
        public void close() {
          closed = true;
          finished.complete(null);
        }
      };
    }

    void join() throws InterruptedException {
      for (Thread t : ioThreads) {
        t.join(5_000);
      }
    }
  }

  /**
   * A recogniser that works through its audio on its own thread at about ten times real time:
   * faster than real time (usable live), but slower than a short close timeout for a whole file
   * replayed at once, as the embedded Sphinx recogniser is. {@code finish(timeout)} waits at most
   * {@code timeout} for the audio already sent, then ends without the rest.
   */
  static final class PacedRecognizer implements SttProvider {
    final SpeechSegmentRecognizer inner = SpeechSegmentRecognizer.create();
    final List<Thread> workers = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "paced";
    }

    @Override
    public AudioFormat inputFormat() {
      return AudioFormat.MONO_16K;
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      SttSession session = inner.openSession(options, listener);
      java.util.concurrent.BlockingQueue<short[]> queue =
          new java.util.concurrent.LinkedBlockingQueue<>();
      short[] end = new short[0];
      CompletableFuture<Void> finished = new CompletableFuture<>();
      Thread worker =
          new Thread(
              () -> {
                try {
                  while (!finished.isDone()) {
                    short[] chunk = queue.take();
                    if (chunk == end) {
                      session.finish(Duration.ZERO);
                      finished.complete(null);
                      return;
                    }
                    Thread.sleep(
                        Math.max(1, chunk.length / 16 / 10)); // 1/10 of the chunk's duration
                    if (!finished.isDone()) {
                      session.send(chunk, 0, chunk.length);
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "test-paced-" + options.streamId());
      workers.add(worker);
      worker.start();
      return new SttSession() {
        @Override
        public void send(short[] samples, int offset, int length) {
          queue.add(java.util.Arrays.copyOfRange(samples, offset, offset + length));
        }

        @Override
        public void flush() {}

        @Override
        public CompletionStage<Void> finish(Duration timeout) {
          queue.add(end);
          finished.completeOnTimeout(
              null, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          return finished;
        }

        @Override
        public void close() {
          finished.complete(null);
          worker.interrupt();
        }
      };
    }

    void join() throws InterruptedException {
      for (Thread t : workers) {
        t.join(5_000);
      }
    }
  }

  private WavFileSource interview() throws Exception {
    Path rec = dir.resolve("recruiter.wav");
    Path cand = dir.resolve("candidate.wav");
    WavFile.write(
        rec, AudioFormat.STEREO_48K, Signals.bursts(AudioFormat.STEREO_48K, 9000, RECRUITER));
    WavFile.write(
        cand, AudioFormat.MONO_16K, Signals.bursts(AudioFormat.MONO_16K, 9000, CANDIDATE));
    return WavFileSource.builder()
        .speaker("rec-1", rec)
        .speaker("cand-2", cand)
        .realTime(false)
        .build();
  }

  private FallbackSttProvider chain(SttProvider... providers) {
    FallbackSttProvider f = FallbackSttProvider.of(providers);
    toClose.add(f);
    return f;
  }

  private static void assertInterviewFinals(List<Transcript> transcripts) {
    List<Transcript> finals =
        transcripts.stream()
            .filter(Transcript::isFinal)
            .sorted(Comparator.comparingLong(Transcript::startMs))
            .toList();
    assertThat(finals)
        .extracting(Transcript::speaker)
        .containsExactly("recruiter", "candidate", "recruiter", "candidate");
    long[][] expected = {RECRUITER[0], CANDIDATE[0], RECRUITER[1], CANDIDATE[1]};
    for (int i = 0; i < finals.size(); i++) {
      assertThat(finals.get(i).startMs())
          .as("start of %s", finals.get(i))
          .isCloseTo(expected[i][0], within(30L));
      assertThat(finals.get(i).endMs())
          .as("end of %s", finals.get(i))
          .isCloseTo(expected[i][1], within(30L));
    }
  }

  @Test
  void twoProvidersRefusingAfterFinishHandTheAudioToTheThirdWhichGivesTheFinals() throws Exception {
    RefusingProvider first = new RefusingProvider("cloud-a", RefusingProvider.When.AFTER_FINISH);
    RefusingProvider second = new RefusingProvider("cloud-b", RefusingProvider.When.AFTER_FINISH);
    SpeechSegmentRecognizer embedded = SpeechSegmentRecognizer.create();
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(chain(first, second, embedded)).speakerMap(LABELS).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(interview())) {
      session.subscribe(sub);
      session.events().subscribe(events);
      sub.awaitComplete(WAIT);
      events.awaitComplete(WAIT);
    }
    first.join();
    second.join();
    assertInterviewFinals(sub.items());
    assertThat(embedded.sessionsOpened()).isEqualTo(2);
    List<TranscriptEvent.ProviderSwitched> switches =
        events.items().stream()
            .filter(
                e ->
                    e instanceof PipelineEvent.ProviderEvent pe
                        && pe.event() instanceof TranscriptEvent.ProviderSwitched)
            .map(e -> (TranscriptEvent.ProviderSwitched) ((PipelineEvent.ProviderEvent) e).event())
            .toList();
    assertThat(switches)
        .extracting(s -> s.from() + ">" + s.to())
        .containsOnly("cloud-a>cloud-b", "cloud-b>segments")
        .hasSize(4);
    assertThat(switches).allSatisfy(s -> assertThat(s.reason()).contains("HTTP 401"));
  }

  @Test
  void theNextProviderGetsTimeForTheWholeReplayNotWhatWasLeftOfTheCloseTimeout() throws Exception {
    RefusingProvider cloud = new RefusingProvider("cloud-a", RefusingProvider.When.AFTER_FINISH);
    PacedRecognizer embedded = new PacedRecognizer();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(chain(cloud, embedded))
            .speakerMap(LABELS)
            .closeTimeout(Duration.ofMillis(300))
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(interview())) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    cloud.join();
    embedded.join();
    assertInterviewFinals(sub.items());
  }

  @Test
  void aProviderThatRefusesAudioBeforeItsFailedEventArrivesIsSwitchedAwayFromWithNothingLost()
      throws Exception {
    RefusingProvider cloud = new RefusingProvider("cloud-a", RefusingProvider.When.REFUSES_SEND);
    SpeechSegmentRecognizer embedded = SpeechSegmentRecognizer.create();
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(chain(cloud, embedded)).speakerMap(LABELS).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(interview())) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    cloud.join();
    assertInterviewFinals(sub.items());
  }

  @Test
  void aFileWaitsWhileRefusingProvidersConnectSoNothingOutgrowsTheReplayBuffer() throws Exception {
    RefusingProvider first = new RefusingProvider("cloud-a", RefusingProvider.When.ON_CONNECT);
    RefusingProvider second = new RefusingProvider("cloud-b", RefusingProvider.When.ON_CONNECT);
    SpeechSegmentRecognizer embedded = SpeechSegmentRecognizer.create();
    // a replay buffer of 1 s against 9 s files read as fast as possible: without waiting for the
    // refusals, most of the audio would be gone before the embedded recogniser took over
    FallbackSttProvider fallback =
        FallbackSttProvider.builder()
            .add(first)
            .add(second)
            .add(embedded)
            .replayBuffer(Duration.ofSeconds(1))
            .build();
    toClose.add(fallback);
    AudioPipeline pipeline = AudioPipeline.builder().stt(fallback).speakerMap(LABELS).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(interview())) {
      session.subscribe(sub);
      session.events().subscribe(events);
      sub.awaitComplete(WAIT);
      events.awaitComplete(WAIT);
    }
    first.join();
    second.join();
    assertInterviewFinals(sub.items());
    assertThat(events.items())
        .noneMatch(
            e ->
                e instanceof PipelineEvent.ProviderEvent pe
                    && pe.event() instanceof TranscriptEvent.AudioDropped);
  }

  @Test
  void providersThatCannotOpenASessionArePassedOver() throws Exception {
    RefusingProvider first = new RefusingProvider("cloud-a", RefusingProvider.When.ON_OPEN);
    RefusingProvider second = new RefusingProvider("cloud-b", RefusingProvider.When.AFTER_FINISH);
    SpeechSegmentRecognizer embedded = SpeechSegmentRecognizer.create();
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(chain(first, second, embedded)).speakerMap(LABELS).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(interview())) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    second.join();
    assertInterviewFinals(sub.items());
    assertThat(first.opened).isEqualTo(2); // tried once per speaker, then passed over
  }

  @Test
  void whenEveryProviderRefusesTheTranscriptionFailsInsteadOfEndingEmpty() throws Exception {
    RefusingProvider first = new RefusingProvider("cloud-a", RefusingProvider.When.AFTER_FINISH);
    RefusingProvider second = new RefusingProvider("cloud-b", RefusingProvider.When.AFTER_FINISH);
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(chain(first, second)).speakerMap(LABELS).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session = pipeline.startTranscription(interview());
    session.subscribe(sub);
    Throwable error = sub.awaitError(WAIT);
    assertThat(session.awaitCompletion(WAIT)).isTrue();
    session.close();
    first.join();
    second.join();
    assertThat(error)
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("cloud-b")
        .hasMessageContaining("401");
    assertThat(sub.terminalSignals()).isEqualTo(1);
    assertThat(sub.items()).noneMatch(Transcript::isFinal);
  }
}
