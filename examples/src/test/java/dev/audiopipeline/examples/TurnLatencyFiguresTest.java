package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.RecordingSubscriber;
import dev.audiopipeline.turn.NeuralTurnDetector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The figure "speech end → final, with and without the turn detector": the bundled interview played
 * in real time through each recogniser (Sphinx, and Deepgram and ElevenLabs against their loopback
 * fakes with the providers' default silence timers), once without a detector and once with the best
 * {@code NeuralTurnDetector} available (finalizeAtEndOfTurn on). Per turn of the reference script:
 * the final that ends the turn, from the turn's last word's end (script time) to its arrival (wall
 * clock since the session started). Prints median and P90 over the 12 turns. Takes about 5 minutes
 * (real time), so it runs only when asked: {@code AUDIO_PIPELINE_FIGURES=1}.
 */
class TurnLatencyFiguresTest {
  private static final String KEY = "made-up-key";

  record Delays(String label, double[] ms) {
    double median() {
      return percentile(0.5);
    }

    double percentile(double q) {
      double[] s = ms.clone();
      Arrays.sort(s);
      return s.length == 0 ? Double.NaN : s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
    }
  }

  record Arrived(Transcript t, double wallMs) {}

  /**
   * Per turn of the reference script: the arrival of the final that ends the turn (the speaker's
   * last final starting within the turn) minus the turn's last word's end, in ms.
   */
  static double[] turnDelays(List<Arrived> arrivals) {
    List<BundledInterview.ScriptLine> script;
    try {
      script = BundledInterview.script();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<Double> delays = new ArrayList<>();
    for (BundledInterview.ScriptLine line : script) {
      Arrived last = null;
      for (Arrived a : arrivals) {
        Transcript t = a.t();
        if (t.speaker().equals(line.speaker())
            && t.startMs() >= line.startMs() - 1_000
            && t.startMs() < line.endMs()
            && (last == null || t.startMs() > last.t().startMs())) {
          last = a;
        }
      }
      if (last != null) {
        delays.add(last.wallMs() - line.endMs());
      }
    }
    return delays.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Plays the interview in real time through {@code stt}; delays of its finals, in ms. */
  static CompletableFuture<double[]> play(
      Path dir, SttProvider stt, @Nullable TurnDetector detector) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<Arrived> arrivals = new CopyOnWriteArrayList<>();
          AudioPipeline pipeline =
              AudioPipeline.builder()
                  .stt(stt)
                  .turnDetector(detector)
                  .closeTimeout(Duration.ofSeconds(20))
                  .build();
          WavFileSource source =
              WavFileSource.builder()
                  .speaker(BundledInterview.RECRUITER, dir.resolve("recruiter.wav"))
                  .speaker(BundledInterview.CANDIDATE, dir.resolve("candidate.wav"))
                  .realTime(true)
                  .build();
          RecordingSubscriber<Transcript> done = RecordingSubscriber.unbounded();
          long[] t0 = new long[1];
          try (TranscriptionSession session = pipeline.startTranscription(source)) {
            session.subscribe(
                new Flow.Subscriber<Transcript>() {
                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                  }

                  @Override
                  public void onNext(Transcript t) {
                    if (t.isFinal() && !t.text().isBlank()) {
                      arrivals.add(new Arrived(t, (System.nanoTime() - t0[0]) / 1e6));
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onComplete() {}
                });
            t0[0] = System.nanoTime();
            session.subscribe(done); // the second subscription; the session started at the first
            done.awaitComplete(Duration.ofMinutes(4));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          return turnDelays(arrivals);
        });
  }

  @Test
  void speechEndToFinalWithAndWithoutTheDetector() throws Exception {
    assumeTrue(
        "1".equals(System.getenv("AUDIO_PIPELINE_FIGURES")),
        "real-time measurement of about 5 minutes: set AUDIO_PIPELINE_FIGURES=1 to run it");
    Path dir = BundledInterview.extract();
    List<Delays> rows = new ArrayList<>();
    String detectorName;
    try (NeuralTurnDetector detector =
            java.util.Objects.requireNonNull(TranscribeInterview.turnDetector("turn", System.err));
        FakeDeepgramServer dg = FakeDeepgramServer.builder().apiKey(KEY).build();
        FakeElevenLabsSttServer el = FakeElevenLabsSttServer.builder().apiKey(KEY).build()) {
      detectorName = detector.name();
      Supplier<SttProvider> deepgram =
          () -> DeepgramSttProvider.builder().apiKey(KEY).baseUrl(dg.baseUrl()).build();
      Supplier<SttProvider> elevenlabs =
          () -> ElevenLabsSttProvider.builder().apiKey(KEY).baseUrl(el.baseUrl()).build();
      // the cloud fakes cost little: their four runs go together
      try (SttProvider d1 = deepgram.get();
          SttProvider d2 = deepgram.get();
          SttProvider e1 = elevenlabs.get();
          SttProvider e2 = elevenlabs.get()) {
        var dOff = play(dir, d1, null);
        var dOn = play(dir, d2, detector);
        var eOff = play(dir, e1, null);
        var eOn = play(dir, e2, detector);
        rows.add(new Delays("deepgram (fake), no detector", dOff.get()));
        rows.add(new Delays("deepgram (fake), " + detector.name(), dOn.get()));
        rows.add(new Delays("elevenlabs (fake), no detector", eOff.get()));
        rows.add(new Delays("elevenlabs (fake), " + detector.name(), eOn.get()));
      }
      // Sphinx decodes on the CPU: one run at a time
      try (SphinxSttProvider sphinx = SphinxSttProvider.create()) {
        sphinx.preload(2);
        rows.add(new Delays("sphinx, no detector", play(dir, sphinx, null).get()));
        rows.add(new Delays("sphinx, " + detector.name(), play(dir, sphinx, detector).get()));
      }
    } finally {
      BundledInterview.deleteQuietly(dir);
    }
    System.out.printf(
        Locale.ROOT,
        "%nspeech end -> final on the bundled interview (real time; detector %s)%n",
        detectorName);
    System.out.printf(Locale.ROOT, "%-40s %6s %9s %9s%n", "recogniser", "turns", "median", "p90");
    for (Delays d : rows) {
      System.out.printf(
          Locale.ROOT,
          "%-40s %6d %7.0f ms %6.0f ms%n",
          d.label(),
          d.ms().length,
          d.median(),
          d.percentile(0.9));
    }
    // a measurement, not a timing assertion: every turn got its final in every run
    assertThat(rows).allSatisfy(d -> assertThat(d.ms()).as(d.label()).hasSize(12));
  }
}
