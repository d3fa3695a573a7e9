package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AudioSource;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptWriter;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.WavFileSource;
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
import java.util.Collections;
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
                                Accepted: WAV, 16-bit PCM, any rate, mono or multi-channel
                                (down-mixed and resampled to 16 kHz mono by the pipeline)
        --language CODE         recognition language; the embedded model accepts en or en-US
        --stt NAME              recogniser: sphinx (default, offline), elevenlabs, deepgram, or
                                fallback (ElevenLabs -> Deepgram -> Sphinx, those with a key)
        --help                  this text

      Output: "mm:ss.s-mm:ss.s speaker: text" for finals, "... mm:ss.s speaker: text" for
      partials (times on the interview's timeline), then a summary.
      Exit status: 0 done, 2 bad option or input file (nothing written), 1 transcription failed.

      Cloud recognisers read their keys from the environment:
        --stt elevenlabs        ELEVENLABS_API_KEY (optional ELEVENLABS_BASE_URL,
                                ELEVENLABS_STT_MODEL, ELEVENLABS_STT_LANGUAGE)
        --stt deepgram          DEEPGRAM_API_KEY (optional DEEPGRAM_BASE_URL, DEEPGRAM_MODEL,
                                DEEPGRAM_LANGUAGE)

      LiveKit room instead of files: set LIVEKIT_URL and either LIVEKIT_TOKEN, or
      LIVEKIT_API_KEY + LIVEKIT_API_SECRET + LIVEKIT_ROOM (optional LIVEKIT_IDENTITY for the
      bot). The bot joins the room and transcribes every participant until --duration runs out
      or you press Ctrl-C; then the summary and --out files are written.
        --recruiter-identity ID the recruiter's participant identity (default: recruiter)
        --candidate-identity ID the candidate's participant identity (default: candidate)
                                other participants are labelled with their identity
        --duration SECONDS      leave the room after this long (default: until Ctrl-C)
      """;

  private TranscribeInterview() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, SphinxSttProvider::create);
    if (code != 0) {
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
      @Nullable Duration duration) {

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
          default -> throw new IllegalArgumentException(
              "unknown option '" + a + "': accepted --fast, --out DIR, --recruiter-wav FILE,"
                  + " --candidate-wav FILE, --language CODE, --stt NAME, --recruiter-identity ID,"
                  + " --candidate-identity ID, --duration SECONDS, --help");
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
          candidateIdentity, duration);
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
      return 2;
    }
    if (options.help()) {
      out.print(USAGE);
      return 0;
    }
    String stt = options.stt();
    if (stt != null) {
      try {
        providerFactory = SttChoice.factory(stt);
      } catch (IllegalArgumentException | IllegalStateException e) {
        err.println("error: " + e.getMessage());
        return 2;
      }
    }
    String livekitUrl = env.get("LIVEKIT_URL");
    if (livekitUrl != null && !livekitUrl.isBlank()) {
      return runRoom(options, env, out, err, providerFactory, outcomes);
    }
    Path bundledDir = null;
    try {
      Path recruiterWav = options.recruiterWav();
      Path candidateWav = options.candidateWav();
      if (recruiterWav == null || candidateWav == null) {
        bundledDir = extractBundledInterview();
        recruiterWav = bundledDir.resolve("recruiter.wav");
        candidateWav = bundledDir.resolve("candidate.wav");
      }
      WavFileSource source;
      try {
        source = source(recruiterWav, candidateWav, options.fast());
        if (options.out() != null) {
          checkOutputDir(options.out());
        }
      } catch (IllegalArgumentException e) {
        err.println("error: " + e.getMessage());
        return 2;
      }
      out.printf("Transcribing %s (%s) with %s, %s.%n",
          bundledDir != null ? "the bundled interview" : "your recordings",
          RECRUITER + " + " + CANDIDATE,
          stt == null || stt.equals("sphinx") ? "the embedded offline recogniser" : stt,
          options.fast() ? "as fast as it goes" : "paced in real time");
      try (SttProvider provider = providerFactory.get()) {
        preload(provider, out);
        Outcome outcome =
            transcribe(provider, source, SpeakerMap.identity(), options.language(), null,
                t -> print(out, t));
        return report(options, outcome, out, outcomes);
      }
    } catch (AudioPipelineException e) {
      err.println("error: transcription failed: " + e.getMessage());
      return 1;
    } catch (IOException | UncheckedIOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("error: interrupted");
      return 1;
    } finally {
      if (bundledDir != null) {
        deleteQuietly(bundledDir);
      }
    }
  }

  /** Joins the LiveKit room named by the environment and transcribes it until stopped. */
  static int runRoom(Options options, Map<String, String> env, PrintStream out, PrintStream err,
      Supplier<? extends SttProvider> providerFactory, Consumer<Outcome> outcomes) {
    LiveKitRoomSource room;
    try {
      if (options.recruiterWav() != null) {
        throw new IllegalArgumentException("LIVEKIT_URL is set: the room is the source, so"
            + " --recruiter-wav/--candidate-wav cannot be used (unset LIVEKIT_URL for files)");
      }
      if (options.out() != null) {
        checkOutputDir(options.out());
      }
      room = LiveKitRoomSource.fromEnv(env).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    SpeakerMap speakers = SpeakerMap.builder()
        .put(options.recruiterIdentity(), RECRUITER)
        .put(options.candidateIdentity(), CANDIDATE)
        .build();
    out.printf("Joining LiveKit room %s as a bot; %s is the recruiter, %s the candidate. %s%n",
        room, options.recruiterIdentity(), options.candidateIdentity(),
        options.duration() != null ? "Leaving after " + options.duration().toSeconds() + " s."
            : "Ctrl-C to stop.");
    try (SttProvider provider = providerFactory.get()) {
      preload(provider, out);
      Outcome outcome = transcribe(provider, room, speakers, options.language(),
          options.duration(), t -> print(out, t));
      return report(options, outcome, out, outcomes);
    } catch (AudioPipelineException e) {
      err.println("error: transcription failed: " + e.getMessage());
      return 1;
    } catch (IOException | UncheckedIOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("error: interrupted");
      return 1;
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

  /** Prints the summary, hands the outcome on and writes the transcript files; returns 0. */
  private static int report(Options options, Outcome outcome, PrintStream out,
      Consumer<Outcome> outcomes) throws IOException {
    printSummary(out, outcome);
    outcomes.accept(outcome);
    if (options.out() != null) {
      List<Path> written = writeTranscripts(options.out(), outcome.finals());
      out.println("  wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
    }
    return 0;
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
   * Runs the pipeline over {@code source} until it ends and returns every final (and how many
   * partials arrived). {@code onTranscript} sees partials and finals as they arrive.
   */
  static Outcome transcribe(SttProvider provider, AudioSource source, SpeakerMap speakers,
      @Nullable String language, @Nullable Duration stopAfter,
      Consumer<Transcript> onTranscript) throws InterruptedException {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(provider)
            .speakerMap(speakers)
            .language(language)
            // in --fast mode the recogniser may be well behind the reader when a file ends
            .closeTimeout(Duration.ofMinutes(3))
            .build();
    List<Transcript> finals = Collections.synchronizedList(new ArrayList<>());
    int[] partials = new int[1];
    CompletableFuture<Void> done = new CompletableFuture<>();
    long t0 = System.nanoTime();
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.subscribe(
          new Flow.Subscriber<Transcript>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
              s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Transcript t) {
              if (t.isFinal()) {
                if (!t.text().isBlank()) {
                  finals.add(t);
                }
              } else {
                partials[0]++;
              }
              onTranscript.accept(t);
            }

            @Override
            public void onError(Throwable t) {
              done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
              done.complete(null);
            }
          });
      // a room never ends by itself: stop after the duration, or at Ctrl-C
      CountDownLatch finished = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        session.close();
        try {
          finished.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "transcribe-interview-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        if (stopAfter != null) {
          try {
            done.get(stopAfter.toMillis(), TimeUnit.MILLISECONDS);
          } catch (TimeoutException e) {
            session.close();
          }
        }
        done.get(stopAfter != null ? 5 : 30, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof AudioPipelineException ape
            ? ape
            : new AudioPipelineException(String.valueOf(cause), cause);
      } catch (TimeoutException e) {
        throw new AudioPipelineException("transcription did not finish within 30 minutes", e);
      } finally {
        finished.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down: the hook is running
        }
      }
    }
    List<Transcript> ordered = new ArrayList<>(finals);
    ordered.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
    return new Outcome(List.copyOf(ordered), partials[0], (System.nanoTime() - t0) / 1e9);
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

  /** Refuses an output path that exists and is not a directory, before any work is done. */
  static void checkOutputDir(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--out " + dir + " exists and is not a directory: give a directory (created if absent)");
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

  private static void deleteQuietly(Path dir) {
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
