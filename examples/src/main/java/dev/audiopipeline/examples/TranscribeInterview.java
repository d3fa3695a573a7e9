package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.io.TranscriptWriter;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Transcribes a two-person interview live, with speaker labels, on the embedded offline recogniser
 * (CMU Sphinx4): no API key, no network, no LiveKit server.
 *
 * <pre>
 * ./mvnw -q -pl examples -am install -DskipTests &amp;&amp; ./mvnw -q -pl examples exec:java
 * ./mvnw -q -pl examples exec:java -Dexec.args="--fast --out out"
 * </pre>
 *
 * <p>With no options it plays the bundled interview (one WAV per speaker, aligned on one timeline)
 * in real time and prints each transcript as it arrives; partials are marked {@code ...}, finals
 * show their time span. At the end: talk time and turns per speaker, and with {@code --out DIR}
 * the transcript as JSON Lines, SubRip and WebVTT.
 *
 * <p>Ctrl-C (SIGINT) and SIGTERM end it cleanly: a shutdown hook ({@link StopOnSignal}) stops the
 * session with a bounded finish, waits until the summary is printed and the files are written,
 * and only then lets the JVM exit. Exit statuses are listed in {@link #USAGE}.
 */
public final class TranscribeInterview {
  static final String RECRUITER = "recruiter";
  static final String CANDIDATE = "candidate";

  static final String USAGE =
      """
      Usage: TranscribeInterview [options]

      Transcribes a two-person interview live with speaker labels, offline: the embedded
      CMU Sphinx4 recogniser (US English) runs in this JVM; no API key, no network.
      Without options it plays the bundled 83-second interview in real time.

      Options:
        --fast                  read the audio as fast as the recogniser goes (no real-time pacing)
        --out DIR               also write DIR/transcript.jsonl, .srt and .vtt (finals only)
        --recruiter-wav FILE    the recruiter's recording (give --candidate-wav too)
        --candidate-wav FILE    the candidate's recording; both files start at the same instant.
                                Accepted: WAV, 16-bit PCM, any rate from 1 to 384 kHz, 1-8 channels
                                (down-mixed and resampled to 16 kHz mono by the pipeline)
        --language CODE         recognition language; the embedded model accepts en or en-US
        --stt NAME              recogniser: sphinx (default, offline), elevenlabs, deepgram, or
                                fallback (ElevenLabs -> Deepgram -> Sphinx, those with a key)
        --verbose               show the stack trace of an unexpected error
        --help                  this text

      Output: "mm:ss.s-mm:ss.s speaker: text" for finals, "... mm:ss.s speaker: text" for
      partials (times on the interview's timeline), then a summary. With --out, each final is
      appended to transcript.jsonl as it arrives; at the end that file is rewritten in timeline
      order and transcript.srt and .vtt are added. Ctrl-C (SIGINT) or SIGTERM stops the
      transcription: the finals for audio already heard are awaited for a few seconds, then the
      summary and the files are written before the process exits.

      Exit status:
        0    done: at least one final transcript
        1    the transcription failed (the finals so far are still printed and written)
        2    bad option, input file, output directory or environment (nothing was started)
        3    finished, but nothing was transcribed (no final transcript): no files written
        130  stopped by Ctrl-C (143 for SIGTERM); the summary and files are written

      Cloud recognisers read their keys from the environment:
        --stt elevenlabs        ELEVENLABS_API_KEY (optional ELEVENLABS_STT_BASE_URL,
                                ELEVENLABS_STT_MODEL, ELEVENLABS_STT_LANGUAGE)
        --stt deepgram          DEEPGRAM_API_KEY (optional DEEPGRAM_BASE_URL, DEEPGRAM_MODEL,
                                DEEPGRAM_LANGUAGE)
      Base URLs: wss://host (ws:// for a local fake); https:// and http:// are accepted and mean
      wss:// and ws://. ELEVENLABS_BASE_URL is read when ELEVENLABS_STT_BASE_URL is unset.

      LiveKit room instead of files: set LIVEKIT_URL and either LIVEKIT_TOKEN, or
      LIVEKIT_API_KEY + LIVEKIT_API_SECRET + LIVEKIT_ROOM (optional LIVEKIT_IDENTITY for the
      bot). The bot joins the room and transcribes every participant until the room closes,
      --duration runs out or you press Ctrl-C; then the summary and --out files are written
      and the process exits.
        --recruiter-identity ID the recruiter's participant identity (default: recruiter)
        --candidate-identity ID the candidate's participant identity (default: candidate)
                                other participants are labelled with their identity
        --duration SECONDS      leave the room after this long (default: until it closes)
      """;

  /** Exit status: at least one final. */
  static final int EXIT_OK = 0;
  /** Exit status: the transcription failed. */
  static final int EXIT_FAILED = 1;
  /** Exit status: bad option, input or environment; nothing started. */
  static final int EXIT_USAGE = 2;
  /** Exit status: the run finished without a single final transcript. */
  static final int EXIT_NOTHING = 3;
  /** Exit status: stopped by Ctrl-C (the JVM reports 128 + the signal number). */
  static final int EXIT_INTERRUPTED = 130;

  /** After a signal: how long the session may take to deliver the finals of audio it accepted. */
  static final Duration STOP_GRACE = Duration.ofSeconds(4);
  /** After a signal: how long the hook waits for the summary and files. */
  static final Duration WRITE_GRACE = Duration.ofSeconds(5);

  private TranscribeInterview() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, SphinxSttProvider::create);
    System.out.flush();
    if (code != 0) {
      // after a signal the JVM is already exiting (130/143); this call then waits for it
      System.exit(code);
    }
  }

  /** Options after parsing (immutable). */
  record Options(
      boolean fast,
      @Nullable Path out,
      @Nullable Path recruiterWav,
      @Nullable Path candidateWav,
      @Nullable String language,
      boolean help,
      @Nullable String stt,
      String recruiterIdentity,
      String candidateIdentity,
      @Nullable Duration duration,
      boolean verbose) {

    static Options parse(String[] args) {
      boolean fast = false;
      boolean help = false;
      Path out = null;
      Path recruiter = null;
      Path candidate = null;
      String language = null;
      String stt = null;
      String recruiterIdentity = RECRUITER;
      String candidateIdentity = CANDIDATE;
      Duration duration = null;
      boolean verbose = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--fast" -> fast = true;
          case "--help", "-h" -> help = true;
          case "--out" -> out = Path.of(value(args, ++i, a));
          case "--recruiter-wav" -> recruiter = Path.of(value(args, ++i, a));
          case "--candidate-wav" -> candidate = Path.of(value(args, ++i, a));
          case "--language" -> language = value(args, ++i, a);
          case "--stt" -> stt = value(args, ++i, a);
          case "--recruiter-identity" -> recruiterIdentity = identity(value(args, ++i, a), a);
          case "--candidate-identity" -> candidateIdentity = identity(value(args, ++i, a), a);
          case "--duration" -> duration = seconds(value(args, ++i, a), a);
          case "--verbose", "--debug" -> verbose = true;
          default -> throw new IllegalArgumentException(
              "unknown option '" + a + "': accepted --fast, --out DIR, --recruiter-wav FILE,"
                  + " --candidate-wav FILE, --language CODE, --stt NAME, --recruiter-identity ID,"
                  + " --candidate-identity ID, --duration SECONDS, --verbose, --help");
        }
      }
      if ((recruiter == null) != (candidate == null)) {
        throw new IllegalArgumentException(
            "give both --recruiter-wav and --candidate-wav (one recording per speaker), or"
                + " neither for the bundled interview");
      }
      if (stt != null && !SttChoice.NAMES.contains(stt)) {
        throw new IllegalArgumentException("--stt '" + stt + "' is not a recogniser: accepted "
            + String.join(", ", SttChoice.NAMES));
      }
      if (language != null) {
        try {
          AudioPipeline.builder().language(language);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--language " + e.getMessage(), e);
        }
      }
      boolean embedded = stt == null || stt.equals("sphinx");
      if (embedded && language != null && !SphinxLanguages.accepts(language)) {
        throw new IllegalArgumentException("--language '" + language + "' is not supported by the"
            + " embedded recogniser: accepted en, en-US");
      }
      if (recruiterIdentity.equals(candidateIdentity)) {
        throw new IllegalArgumentException("--recruiter-identity and --candidate-identity are both '"
            + recruiterIdentity + "': give each speaker their own identity");
      }
      return new Options(fast, out, recruiter, candidate, language, help, stt, recruiterIdentity,
          candidateIdentity, duration, verbose);
    }

    private static String identity(String v, String option) {
      if (v.isBlank()) {
        throw new IllegalArgumentException(option + " is blank: give a participant identity");
      }
      return v;
    }

    private static Duration seconds(String v, String option) {
      try {
        long n = Long.parseLong(v);
        if (n >= 1 && n <= 86_400) {
          return Duration.ofSeconds(n);
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
      throw new IllegalArgumentException(option + " '" + v + "': accepted 1 to 86400 seconds");
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length || args[i].startsWith("--")) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }
  }

  /** What a run produced: every final in timeline order, and the audio length. */
  record Outcome(List<Transcript> finals, int partials, double wallSeconds) {}

  /**
   * Parses {@code args}, transcribes and prints; returns the exit status. The provider is created
   * only after the options and files were checked.
   */
  static int run(String[] args, PrintStream out, PrintStream err,
      Supplier<? extends SttProvider> providerFactory) {
    return run(args, out, err, providerFactory, o -> {});
  }

  /** As {@link #run(String[], PrintStream, PrintStream, Supplier)}, handing the outcome to tests. */
  static int run(String[] args, PrintStream out, PrintStream err,
      Supplier<? extends SttProvider> providerFactory, Consumer<Outcome> outcomes) {
    return run(args, out, err, providerFactory, outcomes, System.getenv());
  }

  /** The full form: {@code env} decides between files and a LiveKit room ({@code LIVEKIT_URL}). */
  static int run(String[] args, PrintStream out, PrintStream err,
      Supplier<? extends SttProvider> providerFactory, Consumer<Outcome> outcomes,
      Map<String, String> env) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return EXIT_USAGE;
    }
    if (options.help()) {
      out.print(USAGE);
      return EXIT_OK;
    }
    try {
      return runChecked(options, out, err, providerFactory, outcomes, env);
    } catch (RuntimeException e) {
      // an unexpected failure: still one line, the trace only on request
      err.println("error: " + e);
      if (options.verbose()) {
        e.printStackTrace(err);
      }
      return EXIT_FAILED;
    }
  }

  private static int runChecked(Options options, PrintStream out, PrintStream err,
      Supplier<? extends SttProvider> providerFactory, Consumer<Outcome> outcomes,
      Map<String, String> env) {
    String stt = options.stt();
    if (stt != null) {
      try {
        providerFactory = SttChoice.factory(stt, env::get);
      } catch (IllegalArgumentException | IllegalStateException e) {
        err.println("error: " + e.getMessage());
        return EXIT_USAGE;
      }
    }
    String livekitUrl = env.get("LIVEKIT_URL");
    boolean room = livekitUrl != null && !livekitUrl.isBlank();
    AudioSource source;
    String what;
    Path bundledDir = null;
    SpeakerMap speakers = SpeakerMap.identity();
    try {
      if (room) {
        if (options.recruiterWav() != null) {
          throw new IllegalArgumentException("LIVEKIT_URL is set: the room is the source, so"
              + " --recruiter-wav/--candidate-wav cannot be used (unset LIVEKIT_URL for files)");
        }
        LiveKitRoomSource r = LiveKitRoomSource.fromEnv(env).build();
        if (options.out() != null) {
          prepareOutputDir(options.out());
        }
        speakers = SpeakerMap.builder()
            .put(options.recruiterIdentity(), RECRUITER)
            .put(options.candidateIdentity(), CANDIDATE)
            .build();
        source = r;
        what = String.format("Joining LiveKit room %s as a bot; %s is the recruiter, %s the"
                + " candidate. %s", r, options.recruiterIdentity(), options.candidateIdentity(),
            options.duration() != null
                ? "Leaving after " + options.duration().toSeconds() + " s or at Ctrl-C."
                : "Transcribing until the room closes or Ctrl-C.");
      } else {
        Path recruiterWav = options.recruiterWav();
        Path candidateWav = options.candidateWav();
        if (recruiterWav == null || candidateWav == null) {
          bundledDir = extractBundledInterview();
          recruiterWav = bundledDir.resolve("recruiter.wav");
          candidateWav = bundledDir.resolve("candidate.wav");
        }
        source = source(recruiterWav, candidateWav, options.fast());
        if (options.out() != null) {
          prepareOutputDir(options.out());
        }
        what = String.format("Transcribing %s (%s) with %s, %s.",
            bundledDir != null ? "the bundled interview" : "your recordings",
            RECRUITER + " + " + CANDIDATE,
            stt == null || stt.equals("sphinx") ? "the embedded offline recogniser" : stt,
            options.fast() ? "as fast as it goes" : "paced in real time");
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      deleteQuietly(bundledDir);
      return EXIT_USAGE;
    } catch (IOException | UncheckedIOException e) {
      err.println("error: " + e.getMessage());
      deleteQuietly(bundledDir);
      return EXIT_FAILED;
    }
    SttProvider provider;
    try {
      provider = providerFactory.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      deleteQuietly(bundledDir);
      return EXIT_USAGE;
    }
    try (StopOnSignal signals = StopOnSignal.install(err)) {
      out.println(what);
      preload(provider, out);
      Recorder recorder = new Recorder(options.out(), out);
      int code = transcribe(provider, source, speakers, options, recorder, signals, err);
      if (code == EXIT_FAILED && recorder.finals().isEmpty()) {
        return code; // the error is printed; there is nothing to report
      }
      Outcome outcome = recorder.outcome();
      try {
        if (code == EXIT_INTERRUPTED) {
          out.println();
          out.println("Stopped by a signal: the transcript holds what was recognised until then.");
        }
        printSummary(out, outcome);
        outcomes.accept(outcome);
        recorder.writeFiles(outcome);
      } catch (IOException | UncheckedIOException e) {
        err.println("error: cannot write the transcript to " + options.out() + ": "
            + e.getMessage() + (recorder.jsonlWritten()
                ? " (the finals so far are in transcript.jsonl, in arrival order)" : ""));
        return EXIT_FAILED;
      } finally {
        signals.written();
      }
      out.flush();
      if (code != EXIT_OK) {
        return code;
      }
      if (outcome.finals().isEmpty()) {
        err.println("error: nothing was transcribed: the recogniser returned no final transcript"
            + " for this audio (" + outcome.partials() + " partials); no files were written");
        return EXIT_NOTHING;
      }
      return EXIT_OK;
    } finally {
      provider.close();
      deleteQuietly(bundledDir);
    }
  }

  /** Loads the embedded recogniser's models up front (one per speaker), saying how long it took. */
  private static void preload(SttProvider provider, PrintStream out) {
    if (provider instanceof SphinxSttProvider sphinx) {
      out.print("Loading the speech model (one per speaker)... ");
      out.flush();
      long t0 = System.nanoTime();
      sphinx.preload(2);
      out.printf("ready in %.1f s.%n%n", (System.nanoTime() - t0) / 1e9);
    }
  }

  /** The source for two aligned recordings; fails at once naming a bad file. */
  static WavFileSource source(Path recruiterWav, Path candidateWav, boolean fast) {
    return WavFileSource.builder()
        .speaker(RECRUITER, recruiterWav)
        .speaker(CANDIDATE, candidateWav)
        .realTime(!fast)
        .build();
  }

  /**
   * Runs the pipeline over {@code source} until it ends (files), the room closes, {@code
   * --duration} passes or a signal arrives; every transcript goes to {@code recorder}. Returns
   * {@link #EXIT_OK}, {@link #EXIT_INTERRUPTED} (a signal stopped it; what arrived is kept) or
   * {@link #EXIT_FAILED} (the error is printed). Never waits for a session close that a signal
   * has cut short: the shutdown hook is waiting for the report.
   */
  static int transcribe(SttProvider provider, AudioSource source, SpeakerMap speakers,
      Options options, Recorder recorder, StopOnSignal signals, PrintStream err) {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(provider)
            .speakerMap(speakers)
            .language(options.language())
            // in --fast mode the recogniser may be well behind the reader when a file ends
            .closeTimeout(options.fast() ? Duration.ofMinutes(3) : Duration.ofSeconds(10))
            .build();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    TranscriptionSession session = pipeline.startTranscription(source);
    session.subscribe(
        new Flow.Subscriber<Transcript>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(Transcript t) {
            recorder.accept(t);
          }

          @Override
          public void onError(Throwable t) {
            ended.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            ended.complete(null);
          }
        });
    boolean stoppedBySignal = !signals.onSignal(() -> {
      // on the shutdown hook's thread: stop capture, give the finals for audio already accepted
      // a bounded time, then let the main flow report whatever has arrived
      closeInBackground(session, "transcribe-interview-stop");
      try {
        ended.get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // reported by the main flow
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ended.complete(null);
    });
    if (stoppedBySignal) {
      closeInBackground(session, "transcribe-interview-stop");
      return EXIT_INTERRUPTED;
    }
    Duration stopAfter = options.duration();
    try {
      if (stopAfter != null) {
        try {
          ended.get(stopAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // the room goes on; --duration says leave: the close delivers the last finals
          closeInBackground(session, "transcribe-interview-leave");
        }
      }
      ended.get(); // files end, rooms close, --duration and Ctrl-C stop: no other limit
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      err.println("error: transcription failed: " + (cause instanceof AudioPipelineException
          ? cause.getMessage() : String.valueOf(cause)));
      if (options.verbose()) {
        cause.printStackTrace(err);
      }
      return signals.signalled() ? EXIT_INTERRUPTED : EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeInBackground(session, "transcribe-interview-stop");
      return EXIT_INTERRUPTED;
    }
    if (signals.signalled()) {
      return EXIT_INTERRUPTED; // the hook's closer owns the session now
    }
    session.close(); // ended by itself: returns once its threads are gone
    return EXIT_OK;
  }

  private static void closeInBackground(TranscriptionSession session, String name) {
    Thread t = new Thread(session::close, name);
    t.setDaemon(true);
    t.start();
  }

  /**
   * The JVM shutdown hook for Ctrl-C (SIGINT) and SIGTERM. The hook itself stops the session with a
   * bounded finish ({@link #STOP_GRACE}), then blocks until the main flow has printed the summary
   * and written the files, at most {@link #WRITE_GRACE}; only then does it return and let the JVM
   * halt (exit status 130 for SIGINT, 143 for SIGTERM).
   */
  static final class StopOnSignal implements AutoCloseable {
    private final PrintStream err;
    private final CountDownLatch written = new CountDownLatch(1);
    private final Object lock = new Object();
    private @Nullable Runnable stop; // guarded by lock
    private boolean signalled; // guarded by lock
    private final @Nullable Thread hook;

    private StopOnSignal(PrintStream err, boolean install) {
      this.err = err;
      if (install) {
        Thread h = new Thread(this::onShutdown, "transcribe-interview-shutdown");
        Runtime.getRuntime().addShutdownHook(h);
        this.hook = h;
      } else {
        this.hook = null;
      }
    }

    static StopOnSignal install(PrintStream err) {
      return new StopOnSignal(err, true);
    }

    /** For tests: no JVM hook; {@link #signal()} plays the signal. */
    static StopOnSignal detached(PrintStream err) {
      return new StopOnSignal(err, false);
    }

    /**
     * Registers how to stop the running session. Returns false if a signal came first (then the
     * caller stops at once).
     */
    boolean onSignal(Runnable stopSession) {
      synchronized (lock) {
        if (signalled) {
          return false;
        }
        stop = stopSession;
        return true;
      }
    }

    boolean signalled() {
      synchronized (lock) {
        return signalled;
      }
    }

    /** The summary and files are done (or failed): the hook may return. */
    void written() {
      written.countDown();
    }

    /** Plays a signal on the calling thread, as the hook does. */
    void signal() {
      onShutdown();
    }

    private void onShutdown() {
      Runnable s;
      synchronized (lock) {
        signalled = true;
        s = stop;
      }
      if (s == null) {
        if (written.getCount() > 0) {
          err.println();
          err.println("Interrupted before the transcription started: nothing to write.");
        }
        return;
      }
      if (written.getCount() == 0) {
        return; // already reported: nothing left to save
      }
      err.println();
      err.println("Stopping: finishing the transcript (at most "
          + (STOP_GRACE.plus(WRITE_GRACE).toSeconds()) + " s)...");
      s.run();
      try {
        if (!written.await(WRITE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          err.println("error: the transcript was not written within " + WRITE_GRACE.toSeconds()
              + " s; transcript.jsonl holds the finals that arrived, in arrival order");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      written.countDown();
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook is running or has run
        }
      }
    }
  }

  /**
   * Receives every transcript: prints it, keeps the finals and, with {@code --out}, appends each
   * final to {@code transcript.jsonl} as it arrives (flushed per line), so even a hard kill leaves
   * the finals so far. At the end {@link #writeFiles} replaces that file with the finals in
   * timeline order and adds the SubRip and WebVTT files.
   */
  static final class Recorder {
    private final @Nullable Path dir;
    private final PrintStream out;
    private final long t0 = System.nanoTime();
    private final Object lock = new Object();
    private final List<Transcript> finals = new ArrayList<>(); // guarded by lock
    private int partials; // guarded by lock
    private @Nullable Writer jsonl; // guarded by lock
    private @Nullable TranscriptWriter jsonlWriter; // guarded by lock
    private boolean closed; // guarded by lock
    private @Nullable IOException appendFailure; // guarded by lock

    Recorder(@Nullable Path dir, PrintStream out) {
      this.dir = dir;
      this.out = out;
    }

    void accept(Transcript t) {
      synchronized (lock) {
        if (t.isFinal()) {
          if (t.text().isBlank()) {
            return;
          }
          finals.add(t);
          append(t);
        } else {
          partials++;
        }
      }
      print(out, t);
    }

    private void append(Transcript t) {
      Path dir = this.dir;
      if (dir == null || closed || appendFailure != null) {
        return;
      }
      try {
        Writer w = jsonl;
        TranscriptWriter tw = jsonlWriter;
        if (w == null || tw == null) {
          w = Files.newBufferedWriter(dir.resolve("transcript.jsonl"), StandardCharsets.UTF_8);
          tw = TranscriptWriter.jsonl(w);
          jsonl = w;
          jsonlWriter = tw;
        }
        tw.write(t);
        w.flush();
      } catch (IOException | UncheckedIOException e) {
        appendFailure = e instanceof IOException io ? io : ((UncheckedIOException) e).getCause();
      }
    }

    List<Transcript> finals() {
      synchronized (lock) {
        return List.copyOf(finals);
      }
    }

    boolean jsonlWritten() {
      synchronized (lock) {
        return jsonlWriter != null;
      }
    }

    /** The finals so far in timeline order. Later arrivals are printed but no longer saved. */
    Outcome outcome() {
      synchronized (lock) {
        closeJsonl();
        List<Transcript> ordered = new ArrayList<>(finals);
        ordered.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
        return new Outcome(List.copyOf(ordered), partials, (System.nanoTime() - t0) / 1e9);
      }
    }

    private void closeJsonl() {
      closed = true;
      TranscriptWriter tw = jsonlWriter;
      if (tw != null) {
        try {
          tw.close();
        } catch (IOException e) {
          if (appendFailure == null) {
            appendFailure = e;
          }
        }
      }
    }

    /** With {@code --out}: the three files, in timeline order; nothing for an empty outcome. */
    void writeFiles(Outcome outcome) throws IOException {
      Path dir = this.dir;
      if (dir == null || outcome.finals().isEmpty()) {
        return;
      }
      List<Path> written = writeTranscripts(dir, outcome.finals());
      out.println("  wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
    }
  }

  static String clock(long ms) {
    return String.format(Locale.ROOT, "%02d:%04.1f", ms / 60_000, (ms % 60_000) / 1000.0);
  }

  static void print(PrintStream out, Transcript t) {
    if (t.isFinal()) {
      if (!t.text().isBlank()) {
        out.printf("%s-%s %-9s: %s%n", clock(t.startMs()), clock(t.endMs()), t.speaker(),
            t.text());
      }
    } else {
      out.printf("    ... %s %-9s: %s%n", clock(t.startMs()), t.speaker(), t.text());
    }
  }

  /** Talk time (sum of final spans) per speaker, in milliseconds, in order of first appearance. */
  static Map<String, Long> talkTimeMs(List<Transcript> finals) {
    Map<String, Long> talk = new LinkedHashMap<>();
    for (Transcript t : finals) {
      talk.merge(t.speaker(), t.durationMs(), Long::sum);
    }
    return talk;
  }

  /** Turns per speaker: runs of consecutive finals by the same speaker, in timeline order. */
  static Map<String, Integer> turns(List<Transcript> finals) {
    Map<String, Integer> turns = new LinkedHashMap<>();
    String previous = null;
    for (Transcript t : finals) {
      if (!t.speaker().equals(previous)) {
        turns.merge(t.speaker(), 1, Integer::sum);
        previous = t.speaker();
      }
    }
    return turns;
  }

  static void printSummary(PrintStream out, Outcome o) {
    Map<String, Long> talk = talkTimeMs(o.finals());
    Map<String, Integer> turns = turns(o.finals());
    int total = turns.values().stream().mapToInt(Integer::intValue).sum();
    out.println();
    out.println("Summary");
    for (Map.Entry<String, Long> e : talk.entrySet()) {
      long words = o.finals().stream()
          .filter(t -> t.speaker().equals(e.getKey()))
          .mapToLong(t -> t.text().split("\\s+").length)
          .sum();
      out.printf(Locale.ROOT, "  %-9s  talk time %5.1f s  turns %2d  words %3d%n", e.getKey(),
          e.getValue() / 1000.0, turns.getOrDefault(e.getKey(), 0), words);
    }
    long lastMs = o.finals().isEmpty() ? 0 : o.finals().get(o.finals().size() - 1).endMs();
    out.printf(Locale.ROOT,
        "  %d turns, %d finals, %d partials; last words at %s, transcribed in %.1f s%n",
        total, o.finals().size(), o.partials(), clock(lastMs), o.wallSeconds());
  }

  /**
   * Creates the output directory and checks that a file can be created in it, before any work is
   * done; refuses a path that exists and is not a directory.
   */
  static void prepareOutputDir(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--out " + dir + " exists and is not a directory: give a directory (created if absent)");
    }
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".transcript-", ".probe");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException("--out " + dir + " cannot be written: " + e
          + ": give a directory you can write to (created if absent)", e);
    }
  }

  /**
   * Writes transcript.jsonl, .srt and .vtt into {@code dir}: each to a temporary file first, moved
   * into place only when all three are complete, so a failure leaves no half-written transcript.
   */
  static List<Path> writeTranscripts(Path dir, List<Transcript> finals) throws IOException {
    Files.createDirectories(dir);
    List<Path> temps = new ArrayList<>();
    List<Path> targets = new ArrayList<>();
    try {
      for (String ext : List.of("jsonl", "srt", "vtt")) {
        Path target = dir.resolve("transcript." + ext);
        Path temp = dir.resolve(".transcript." + ext + ".part");
        temps.add(temp);
        targets.add(target);
        try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
            TranscriptWriter tw = switch (ext) {
              case "jsonl" -> TranscriptWriter.jsonl(w);
              case "srt" -> TranscriptWriter.srt(w);
              default -> TranscriptWriter.webVtt(w);
            }) {
          for (Transcript t : finals) {
            tw.write(t);
          }
        }
      }
      for (int i = 0; i < temps.size(); i++) {
        try {
          Files.move(temps.get(i), targets.get(i), StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temps.get(i), targets.get(i), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return targets;
    } finally {
      for (Path t : temps) {
        Files.deleteIfExists(t);
      }
    }
  }

  /** One line of the bundled interview's reference script. */
  record ScriptLine(String speaker, long startMs, long endMs, String text) {}

  /** The bundled interview's reference script (who says what, when). */
  static List<ScriptLine> bundledScript() throws IOException {
    try (InputStream in = resource("script.tsv")) {
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      List<ScriptLine> script = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isBlank()) {
          continue;
        }
        String[] f = lines[i].split("\t", 4);
        script.add(new ScriptLine(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].trim()));
      }
      return script;
    }
  }

  /** Copies the bundled WAVs to a temporary directory (they may sit inside a jar). */
  static Path extractBundledInterview() throws IOException {
    Path dir = Files.createTempDirectory("audio-pipeline-interview-");
    for (String name : List.of("recruiter.wav", "candidate.wav")) {
      try (InputStream in = resource(name)) {
        Files.copy(in, dir.resolve(name));
      }
    }
    return dir;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = TranscribeInterview.class.getResourceAsStream("/interview/" + name);
    if (in == null) {
      throw new IOException("bundled interview file /interview/" + name + " is missing");
    }
    return in;
  }

  private static void deleteQuietly(@Nullable Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary copy of the bundled interview: the OS cleans it up eventually
    }
  }

  /** Languages the embedded model accepts. */
  static final class SphinxLanguages {
    private SphinxLanguages() {}

    static boolean accepts(String language) {
      Objects.requireNonNull(language, "language == null");
      String l = language.toLowerCase(Locale.ROOT).replace('_', '-');
      return l.equals("en") || l.equals("en-us");
    }
  }
}
