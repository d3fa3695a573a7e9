package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.examples.cli.Outcome;
import dev.audiopipeline.examples.cli.SessionRunner;
import dev.audiopipeline.examples.cli.StopOnSignal;
import dev.audiopipeline.examples.cli.TranscriptRecorder;
import dev.audiopipeline.examples.cli.TranscriptSummary;
import dev.audiopipeline.examples.cli.TurnEventsFile;
import dev.audiopipeline.examples.live.LiveViews;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.turn.NeuralTurnDetector;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Transcribes a two-person interview live, with speaker labels, on the embedded offline recogniser
 * (CMU Sphinx4): no API key, no network, no LiveKit server. Options and exit statuses: {@code
 * --help} ({@link InterviewOptions#USAGE}).
 *
 * <pre>
 * ./mvnw -q -pl examples -am install -DskipTests &amp;&amp; ./mvnw -q -pl examples exec:java
 * ./mvnw -q -pl examples exec:java -Dexec.args="--fast --out out"
 * </pre>
 *
 * <p>Read top to bottom: check the options, choose the recogniser and the audio (the bundled WAVs,
 * your files, or a LiveKit room when {@code LIVEKIT_URL} is set), run the pipeline while a {@link
 * TranscriptRecorder} prints each transcript, then print the summary and write the files. Ctrl-C
 * and SIGTERM end it cleanly through {@link StopOnSignal}. The reusable pieces live in {@code
 * dev.audiopipeline.examples.cli}.
 */
public final class TranscribeInterview {
  private TranscribeInterview() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, SphinxSttProvider::create);
    System.out.flush();
    if (code != 0) {
      System.exit(code); // after a signal the JVM is already exiting (130/143): this waits for it
    }
  }

  /** Parses {@code args}, transcribes and prints; returns the exit status. */
  static int run(
      String[] args,
      PrintStream out,
      PrintStream err,
      Supplier<? extends SttProvider> providerFactory) {
    return run(args, out, err, providerFactory, o -> {}, System.getenv());
  }

  /** As above, handing the outcome to tests. */
  static int run(
      String[] args,
      PrintStream out,
      PrintStream err,
      Supplier<? extends SttProvider> providerFactory,
      Consumer<Outcome> outcomes) {
    return run(args, out, err, providerFactory, outcomes, System.getenv());
  }

  /** The full form: {@code env} decides between files and a LiveKit room ({@code LIVEKIT_URL}). */
  static int run(
      String[] args,
      PrintStream out,
      PrintStream err,
      Supplier<? extends SttProvider> providerFactory,
      Consumer<Outcome> outcomes,
      Map<String, String> env) {
    InterviewOptions options;
    try {
      options = InterviewOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return ExitStatus.USAGE;
    }
    if (options.help()) {
      out.print(InterviewOptions.USAGE);
      return ExitStatus.OK;
    }
    try {
      return transcribe(options, out, err, providerFactory, outcomes, env);
    } catch (RuntimeException e) { // unexpected: still one line, the trace only on request
      err.println("error: " + e);
      if (options.verbose()) {
        e.printStackTrace(err);
      }
      return ExitStatus.FAILED;
    }
  }

  private static int transcribe(
      InterviewOptions options,
      PrintStream out,
      PrintStream err,
      Supplier<? extends SttProvider> providerFactory,
      Consumer<Outcome> outcomes,
      Map<String, String> env) {
    // 1. everything the user can get wrong is checked before the recogniser loads (exit 2)
    InterviewInput input = null;
    SttProvider provider;
    LiveViews views;
    try {
      views = LiveViews.prepare(options.tui(), options.serve(), "TranscribeInterview", out, err);
      if (options.stt() != null) {
        providerFactory = SttChoice.factory(options.stt(), env::get);
      }
      input = InterviewInput.open(options, env);
      provider = providerFactory.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      BundledInterview.deleteQuietly(input == null ? null : input.bundledCopy());
      return ExitStatus.USAGE;
    } catch (IOException | UncheckedIOException e) {
      err.println("error: " + e.getMessage());
      return ExitStatus.FAILED;
    }
    // 2. the pipeline runs until the audio ends, the room closes, --duration or a signal
    out = views.out(); // held back while --tui owns the terminal
    err = views.err();
    NeuralTurnDetector detector = turnDetector(options.turnDetection(), err);
    TurnEventsFile eventsFile =
        detector != null && options.out() != null ? new TurnEventsFile(options.out()) : null;
    try (StopOnSignal signals = StopOnSignal.install(err, "transcribe-interview-shutdown")) {
      out.println(input.banner());
      out.println(
          detector == null
              ? "Turn detection: off (each recogniser's own silence timer ends utterances)."
              : "Turn detection: " + detector.name() + " (finals asked for at each end of turn).");
      if (provider instanceof SphinxSttProvider sphinx) {
        out.print("Loading the speech model (one per speaker)... ");
        out.flush();
        long t0 = System.nanoTime();
        sphinx.preload(2);
        out.printf("ready in %.1f s.%n%n", (System.nanoTime() - t0) / 1e9);
      }
      AudioPipeline pipeline =
          AudioPipeline.builder()
              .stt(provider)
              .speakerMap(input.speakers())
              .language(options.language())
              // in --fast mode the recogniser may be well behind the reader when a file ends
              .closeTimeout(options.fast() ? Duration.ofMinutes(3) : Duration.ofSeconds(10))
              .turnDetector(views.detector(detector)) // --tui/--serve meter its 16 kHz audio
              .build();
      TranscriptRecorder recorder = new TranscriptRecorder(options.out(), views.transcriptLines());
      TranscriptionSession session = pipeline.startTranscription(input.source());
      try {
        views.attach(session, input.source(), recorder::finals);
      } catch (IOException e) {
        err.println("error: " + e.getMessage());
        session.close();
        return ExitStatus.FAILED;
      }
      if (eventsFile != null) {
        session.events().subscribe(eventsFile); // before the transcripts: misses nothing
      }
      int code =
          SessionRunner.run(
              session,
              recorder::accept,
              signals,
              options.duration(),
              err,
              options.verbose(),
              "transcribe-interview");
      if (code == ExitStatus.FAILED && recorder.finals().isEmpty()) {
        return code; // the error is printed; there is nothing to report
      }
      // 3. the report: summary and files, also after a signal (the hook waits for them)
      Outcome outcome = recorder.outcome();
      try {
        if (code == ExitStatus.INTERRUPTED) {
          out.println();
          out.println("Stopped by a signal: the transcript holds what was recognised until then.");
        }
        TranscriptSummary.print(out, outcome);
        outcomes.accept(outcome);
        recorder.writeFiles(outcome);
        if (eventsFile != null) {
          eventsFile.close();
        }
      } catch (IOException | UncheckedIOException e) {
        err.println(
            "error: cannot write the transcript to "
                + options.out()
                + ": "
                + e.getMessage()
                + (recorder.jsonlWritten()
                    ? " (the finals so far are in transcript.jsonl, in arrival order)"
                    : ""));
        return ExitStatus.FAILED;
      } finally {
        signals.written();
      }
      out.flush();
      if (code == ExitStatus.OK) {
        try {
          views.awaitDismissal(input.bundledCopy() != null || options.recruiterWav() != null);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (code == ExitStatus.OK && outcome.finals().isEmpty()) {
        err.println(
            "error: nothing was transcribed: the recogniser returned no final transcript"
                + " for this audio ("
                + outcome.partials()
                + " partials); no files were written");
        return ExitStatus.NOTHING;
      }
      return code;
    } finally {
      views.close();
      provider.close();
      if (detector != null) {
        detector.close(); // after the session: its analyses are closed by then
      }
      BundledInterview.deleteQuietly(input.bundledCopy());
    }
  }

  /**
   * The detector for {@code --turn-detection}: the best that loads at or below the mode asked for
   * (turn, then vad), saying so on {@code err} when it falls back; null for off.
   */
  static @Nullable NeuralTurnDetector turnDetector(String mode, PrintStream err) {
    if (mode.equals("off")) {
      return null;
    }
    NeuralTurnDetector.Mode wanted =
        mode.equals("vad") ? NeuralTurnDetector.Mode.VAD : NeuralTurnDetector.Mode.TURN;
    NeuralTurnDetector.Mode[] modes = NeuralTurnDetector.Mode.values(); // VAD, TURN
    for (int k = wanted.ordinal(); k >= 0; k--) {
      NeuralTurnDetector.Mode m = modes[k];
      try {
        return NeuralTurnDetector.builder().mode(m).build();
      } catch (RuntimeException | LinkageError e) {
        err.println(
            "warning: turn detection ("
                + m.name().toLowerCase(java.util.Locale.ROOT)
                + ") is not available here: "
                + e);
      }
    }
    err.println(
        "warning: turn detection is off: each recogniser's own silence timer ends utterances");
    return null;
  }
}
