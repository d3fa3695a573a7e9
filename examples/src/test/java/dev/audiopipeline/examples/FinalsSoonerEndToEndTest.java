package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.RecordingSubscriber;
import dev.audiopipeline.turn.NeuralTurnDetector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, on the same audio (the interview's first turn, 0.5 to 5.955 s, then silence to 8 s,
 * played in real time): with the Silero turn detector ({@code NeuralTurnDetector}, VAD mode: end of
 * turn after 0.8 s of silence) the final that ends the turn arrives sooner than without it, because
 * the end of turn asks the recogniser for it ({@code Finalize}, {@code commit}) instead of waiting
 * for the provider's own silence timer: ElevenLabs' VAD commit (1.5 s, its default), Deepgram's
 * endpointing set to 1.5 s (a deployment that lets speakers hesitate; with its 300 ms default
 * Deepgram's own timer is the sooner one, see docs/BENCHMARKS.md). The two runs of a recogniser go
 * side by side; the margin expected is large (about 0.45 s) against a loaded machine's noise. The
 * embedded recogniser's cut is proven without wall clocks by {@code SphinxFlushTest} (stt-sphinx);
 * its wall-clock figure, which swings with the machine's load, is {@code TurnLatencyFiguresTest}'s.
 */
class FinalsSoonerEndToEndTest {
  private static final String KEY = "made-up-key";
  private static final long TURN_END_MS = 5_955;

  @TempDir static Path dir;
  static Path firstTurn;
  static NeuralTurnDetector detector;

  @BeforeAll
  static void audio() throws Exception {
    Path bundled = BundledInterview.extract();
    try (WavFile.Reader r = WavFile.open(bundled.resolve("recruiter.wav"))) {
      assertThat(r.format()).isEqualTo(AudioFormat.MONO_16K);
      short[] all = r.readAll();
      firstTurn = dir.resolve("first-turn.wav");
      WavFile.write(firstTurn, AudioFormat.MONO_16K, Arrays.copyOf(all, 8 * 16_000));
    } finally {
      BundledInterview.deleteQuietly(bundled);
    }
    detector = NeuralTurnDetector.builder().mode(NeuralTurnDetector.Mode.VAD).build();
  }

  @AfterAll
  static void closeDetector() {
    detector.close();
  }

  record Result(double delayMs, List<PipelineEvent> events) {}

  /** Wall ms from the turn's end to the arrival of the final that ends it. */
  static CompletableFuture<Result> play(SttProvider stt, @Nullable TurnDetector d) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<double[]> finals = new CopyOnWriteArrayList<>(); // {startMs, arrival}
          RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
          RecordingSubscriber<Transcript> done = RecordingSubscriber.unbounded();
          long[] t0 = new long[1];
          try (TranscriptionSession session =
              AudioPipeline.builder()
                  .stt(stt)
                  .turnDetector(d)
                  .build()
                  .startTranscription(
                      WavFileSource.builder()
                          .speaker(BundledInterview.RECRUITER, firstTurn)
                          .realTime(true)
                          .build())) {
            session.events().subscribe(events);
            session.subscribe(
                new Flow.Subscriber<Transcript>() {
                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                  }

                  @Override
                  public void onNext(Transcript t) {
                    if (t.isFinal() && !t.text().isBlank()) {
                      finals.add(new double[] {t.startMs(), (System.nanoTime() - t0[0]) / 1e6});
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onComplete() {}
                });
            t0[0] = System.nanoTime();
            session.subscribe(done);
            done.awaitComplete(Duration.ofSeconds(60));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          double[] last = finals.stream().max((a, b) -> Double.compare(a[0], b[0])).orElseThrow();
          return new Result(last[1] - TURN_END_MS, events.items());
        });
  }

  static void assertSooner(SttProvider without, SttProvider with) throws Exception {
    CompletableFuture<Result> off = play(without, null);
    CompletableFuture<Result> on = play(with, detector);
    Result a = off.get();
    Result b = on.get();
    System.out.printf(
        "%s: speech end -> final %.0f ms without, %.0f ms with the detector%n",
        with.name(), a.delayMs(), b.delayMs());
    assertThat(b.events()).anyMatch(e -> e instanceof PipelineEvent.EndOfTurn);
    assertThat(b.delayMs()).isLessThan(a.delayMs());
  }

  @Test
  void elevenLabsCommitsAtTheEndOfTurnInsteadOfAfterItsVadSilence() throws Exception {
    try (FakeElevenLabsSttServer el = FakeElevenLabsSttServer.builder().apiKey(KEY).build();
        SttProvider a = ElevenLabsSttProvider.builder().apiKey(KEY).baseUrl(el.baseUrl()).build();
        SttProvider b = ElevenLabsSttProvider.builder().apiKey(KEY).baseUrl(el.baseUrl()).build()) {
      assertSooner(a, b);
    }
  }

  @Test
  void deepgramFinalizesAtTheEndOfTurnInsteadOfAfterItsEndpointing() throws Exception {
    try (FakeDeepgramServer dg = FakeDeepgramServer.builder().apiKey(KEY).build();
        SttProvider a =
            DeepgramSttProvider.builder()
                .apiKey(KEY)
                .baseUrl(dg.baseUrl())
                .endpointingMs(1_500)
                .build();
        SttProvider b =
            DeepgramSttProvider.builder()
                .apiKey(KEY)
                .baseUrl(dg.baseUrl())
                .endpointingMs(1_500)
                .build()) {
      assertSooner(a, b);
    }
  }
}
