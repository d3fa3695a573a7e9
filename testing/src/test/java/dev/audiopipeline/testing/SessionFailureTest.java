package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ConnectionException;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A speaker whose recogniser session cannot open, fails, or fails while finishing fails the whole
 * transcription at once with that error: no hang, no empty success, one terminal signal.
 */
class SessionFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  enum Fault {
    /** openSession throws (a base URL that does not parse, a key refused synchronously). */
    THROWS_ON_OPEN,
    /** the session reports Failed from the provider's thread right after opening. */
    FAILED_EVENT_AFTER_OPEN,
    /** the session takes the audio, then its finish stage fails without a Failed event. */
    FINISH_FAILS,
    /** the session cannot reach its server (Reconnecting), then finishes without any final. */
    RECONNECTING_THEN_SILENT,
    /**
     * the session fails on its I/O thread: it refuses audio at once ("send after close") and its
     * Failed event, which names the cause, arrives a little later.
     */
    REFUSES_SEND_BEFORE_FAILED
  }

  /**
   * A provider (a real implementation of the SPI) that recognises every speaker with the
   * deterministic recogniser except {@code faulty}, whose session has {@code fault}. It records
   * every session it opened and whether it was closed.
   */
  static final class FaultyProvider implements SttProvider {
    final SpeechSegmentRecognizer good = SpeechSegmentRecognizer.create();
    final String faulty;
    final Fault fault;
    final RuntimeException error;
    final List<Tracked> opened = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    FaultyProvider(String faulty, Fault fault, RuntimeException error) {
      this.faulty = faulty;
      this.fault = fault;
      this.error = error;
    }

    @Override
    public String name() {
      return "faulty";
    }

    @Override
    public AudioFormat inputFormat() {
      return AudioFormat.MONO_16K;
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      if (!options.speaker().equals(faulty)) {
        Tracked t = new Tracked(good.openSession(options, listener), null);
        opened.add(t);
        return t;
      }
      switch (fault) {
        case THROWS_ON_OPEN:
          throw error;
        case RECONNECTING_THEN_SILENT:
          {
            Tracked t =
                new Tracked(
                    new SttSession() {
                      @Override
                      public void send(short[] samples, int offset, int length) {}

                      @Override
                      public void flush() {}

                      @Override
                      public CompletionStage<Void> finish(Duration timeout) {
                        return CompletableFuture.completedFuture(null);
                      }

                      @Override
                      public void close() {}
                    },
                    null);
            opened.add(t);
            // reported before any audio: the connection attempt failed and is being retried
            listener.onEvent(
                new TranscriptEvent.Reconnecting(
                    1, Duration.ofMillis(100), (AudioPipelineException) error));
            return t;
          }
        case REFUSES_SEND_BEFORE_FAILED:
          {
            java.util.concurrent.atomic.AtomicBoolean failed =
                new java.util.concurrent.atomic.AtomicBoolean();
            Tracked t =
                new Tracked(
                    new SttSession() {
                      @Override
                      public void send(short[] samples, int offset, int length) {
                        if (failed.compareAndSet(false, true)) {
                          Thread th =
                              new Thread(
                                  () -> {
                                    try {
                                      Thread.sleep(
                                          100); // the I/O thread delivers the event after its
                                      // bookkeeping
                                    } catch (InterruptedException e) {
                                      Thread.currentThread().interrupt();
                                    }
                                    listener.onEvent(
                                        new TranscriptEvent.Failed((AudioPipelineException) error));
                                  },
                                  "test-provider-io");
                          threads.add(th);
                          th.start();
                        }
                        throw new IllegalStateException("faulty: send after finish() or close()");
                      }

                      @Override
                      public void flush() {}

                      @Override
                      public CompletionStage<Void> finish(Duration timeout) {
                        return CompletableFuture.failedFuture(error);
                      }

                      @Override
                      public void close() {}
                    },
                    null);
            opened.add(t);
            return t;
          }
        case FAILED_EVENT_AFTER_OPEN:
          {
            Tracked t = new Tracked(good.openSession(options, e -> {}), null);
            opened.add(t);
            Thread th =
                new Thread(
                    () ->
                        listener.onEvent(
                            new TranscriptEvent.Failed((AudioPipelineException) error)),
                    "test-provider-io");
            threads.add(th);
            th.start();
            return t;
          }
        default:
          {
            Tracked t = new Tracked(good.openSession(options, listener), error);
            opened.add(t);
            return t;
          }
      }
    }

    void joinThreads() throws InterruptedException {
      for (Thread t : threads) {
        t.join(5_000);
      }
    }
  }

  /** Delegates to a session; remembers close(); optionally fails its finish stage. */
  static final class Tracked implements SttSession {
    final SttSession inner;
    final RuntimeException finishError;
    volatile boolean closed;
    final CountDownLatch closedLatch = new CountDownLatch(1);

    Tracked(SttSession inner, RuntimeException finishError) {
      this.inner = inner;
      this.finishError = finishError;
    }

    @Override
    public void send(short[] samples, int offset, int length) {
      inner.send(samples, offset, length);
    }

    @Override
    public void flush() {
      inner.flush();
    }

    @Override
    public CompletionStage<Void> finish(Duration timeout) {
      if (finishError != null) {
        inner.close();
        return CompletableFuture.failedFuture(finishError);
      }
      return inner.finish(timeout);
    }

    @Override
    public void close() {
      closed = true;
      closedLatch.countDown();
      inner.close();
    }
  }

  private static final AuthenticationException REFUSED =
      new AuthenticationException(
          "faulty", "invalid API key (HTTP 401)", 401, -1, "auth_error", null);
  private static final ConnectionException UNREACHABLE =
      new ConnectionException(
          "faulty: connect to 127.0.0.1:9 failed", new java.io.IOException("Connection refused"));

  @Test
  void aSpeakerWhoseSessionCannotOpenFailsTheTranscriptionAtOnceAndClosesTheOthers()
      throws Exception {
    // the CLI's case: DEEPGRAM_BASE_URL with a space, both speakers read from files in real time
    Path rec = dir.resolve("recruiter.wav");
    Path cand = dir.resolve("candidate.wav");
    long[][] speech = {{500, 1500}, {20_000, 21_000}, {50_000, 51_000}};
    WavFile.write(rec, AudioFormat.MONO_16K, Signals.bursts(AudioFormat.MONO_16K, 60_000, speech));
    WavFile.write(cand, AudioFormat.MONO_16K, Signals.bursts(AudioFormat.MONO_16K, 60_000, speech));
    IllegalArgumentException badUrl =
        new IllegalArgumentException("Invalid URL host: \"api.deepgram .com\"");
    FaultyProvider provider = new FaultyProvider("candidate", Fault.THROWS_ON_OPEN, badUrl);
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(provider)
            .speakerMap(
                SpeakerMap.builder().put("rec", "recruiter").put("cand", "candidate").build())
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session =
        pipeline.startTranscription(
            WavFileSource.builder()
                .speaker("rec", rec)
                .speaker("cand", cand)
                .realTime(true)
                .build());
    session.subscribe(sub);

    Throwable error = sub.awaitError(WAIT);
    assertThat(error)
        .isInstanceOf(AudioPipelineException.class)
        .hasMessageContaining("candidate")
        .hasMessageContaining("faulty")
        .hasMessageContaining("api.deepgram .com")
        .hasCause(badUrl);
    assertThat(session.awaitCompletion(WAIT)).isTrue();
    assertThat(session.completion().toCompletableFuture().isCompletedExceptionally()).isTrue();
    session.close();
    assertThat(sub.terminalSignals()).isEqualTo(1);
    // the recruiter's session (if it opened before the candidate's failed) was stopped, not left
    // streaming a 60 s file
    assertThat(provider.opened)
        .hasSizeLessThanOrEqualTo(1)
        .allSatisfy(t -> assertThat(t.closed).isTrue());
  }

  @Test
  void aSessionOpenedWhileTheTranscriptionClosesIsClosedToo() throws Exception {
    // the provider is slow to open: the transcription is closed meanwhile (here, from inside
    // openSession itself, which is as late as it gets), and the session it then returns must
    // not be left open
    List<Tracked> opened = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicReference<TranscriptionSession> transcription =
        new java.util.concurrent.atomic.AtomicReference<>();
    SpeechSegmentRecognizer good = SpeechSegmentRecognizer.create();
    SttProvider slowToOpen =
        new SttProvider() {
          @Override
          public String name() {
            return "slow";
          }

          @Override
          public AudioFormat inputFormat() {
            return AudioFormat.MONO_16K;
          }

          @Override
          public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
            transcription.get().close();
            Tracked t = new Tracked(good.openSession(options, listener), null);
            opened.add(t);
            return t;
          }
        };
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(slowToOpen).closeTimeout(Duration.ZERO).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session = pipeline.startTranscription(source);
    transcription.set(session);
    session.subscribe(sub);
    source.join("TR_a", "alice");
    sub.awaitComplete(WAIT);
    assertThat(opened.get(0).closedLatch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(sub.terminalSignals()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void aLateSpeakerWhoseSessionFailsFailsTheTranscriptionWithThatError(Fault fault)
      throws Exception {
    AudioPipelineException expected =
        fault == Fault.RECONNECTING_THEN_SILENT ? UNREACHABLE : REFUSED;
    FaultyProvider provider = new FaultyProvider("bob", fault, expected);
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(provider).bufferDuration(Duration.ofSeconds(10)).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    short[] speech = Signals.bursts(AudioFormat.MONO_48K, 1500, new long[][] {{0, 1000}});
    TranscriptionSession session = pipeline.startTranscription(source);
    session.subscribe(sub);
    ScriptedSourceTest.Track alice = source.join("TR_a", "alice");
    alice.play(speech, 0);
    Transcript first = sub.awaitNext(WAIT); // alice is being transcribed
    assertThat(first.speaker()).isEqualTo("alice");

    ScriptedSourceTest.Track bob = source.join("TR_b", "bob"); // joins late
    assertThat(bob.sink).as("the source's stream is started even so").isNotNull();
    if (fault == Fault.FINISH_FAILS
        || fault == Fault.RECONNECTING_THEN_SILENT
        || fault == Fault.REFUSES_SEND_BEFORE_FAILED) {
      bob.play(speech, 3000);
      source.listener.speakerLeft(bob); // finishing bob's session fails
    }

    Throwable error = sub.awaitError(WAIT);
    assertThat(error).isSameAs(expected);
    assertThat(session.awaitCompletion(WAIT)).isTrue();
    ExecutionException ee =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            () -> session.completion().toCompletableFuture().get(1, TimeUnit.SECONDS),
            ExecutionException.class);
    assertThat(ee).hasCause(expected);
    session.close();
    provider.joinThreads();
    assertThat(sub.terminalSignals()).isEqualTo(1);
    assertThat(provider.opened.get(0).closed).as("alice's session is closed").isTrue();
    // nothing bob offers now throws on the source's thread
    assertThat(bob.sink.offer(new short[480], 0, 480, 9_000_000)).isFalse();
  }

  /**
   * A recogniser that takes audio, never gives a final and never finishes: when the close timeout
   * runs out the transcription fails with a typed error naming the speaker, even though the
   * recogniser never reported trouble before (it used to end as an empty success).
   */
  @Test
  void aRecogniserThatNeverAnswersNorFinishesFailsTheTranscriptionInsteadOfEndingEmpty()
      throws Exception {
    CountDownLatch audioTaken = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    SttProvider mute =
        new SttProvider() {
          @Override
          public String name() {
            return "mute";
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
                audioTaken.countDown();
              }

              @Override
              public void flush() {}

              @Override
              public CompletionStage<Void> finish(Duration timeout) {
                return new CompletableFuture<>(); // never answers
              }

              @Override
              public void close() {
                closed.countDown();
              }
            };
          }
        };
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(mute).closeTimeout(Duration.ofMillis(300)).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session = pipeline.startTranscription(source);
    session.subscribe(sub);
    ScriptedSourceTest.Track alice = source.join("TR_a", "alice");
    alice.play(Signals.bursts(AudioFormat.MONO_48K, 1000, new long[][] {{0, 800}}), 0);
    assertThat(audioTaken.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    source.listener.speakerLeft(alice);
    source.listener.sourceEnded();

    Throwable error = sub.awaitError(WAIT);
    assertThat(error)
        .isInstanceOf(AudioPipelineException.class)
        .hasMessageContaining("speaker alice")
        .hasMessageContaining("mute gave no final")
        .hasMessageContaining("close timeout of 300 ms");
    assertThat(sub.items()).isEmpty();
    assertThat(closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    session.close();
  }
}
