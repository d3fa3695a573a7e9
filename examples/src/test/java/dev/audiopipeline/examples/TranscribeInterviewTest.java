package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.examples.BundledInterview.ScriptLine;
import dev.audiopipeline.examples.cli.Outcome;
import dev.audiopipeline.examples.cli.TranscriptSummary;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.LibraryThreads;
import dev.audiopipeline.testing.WordErrorRate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled interview through the full pipeline (fast mode) on the embedded recogniser, checked
 * against the reference script. One provider (two loaded recognisers) serves the whole class.
 */
class TranscribeInterviewTest {
  static SphinxSttProvider sphinx;
  static List<ScriptLine> script;
  static Outcome outcome;
  static String stdout;
  static int exitCode;
  static Path outDir;
  static List<String> threadsBefore;

  /** The shared provider, which {@code run} must not close. */
  static Supplier<SttProvider> shared() {
    return () ->
        new SttProvider() {
          @Override
          public String name() {
            return sphinx.name();
          }

          @Override
          public AudioFormat inputFormat() {
            return sphinx.inputFormat();
          }

          @Override
          public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
            return sphinx.openSession(options, listener);
          }
        };
  }

  /** A provider factory for runs that must fail before any recognition. */
  static Supplier<SttProvider> never() {
    return () -> {
      throw new AssertionError("the provider must not be created for bad input");
    };
  }

  @BeforeAll
  static void transcribeTheBundledInterview(@TempDir Path dir) throws Exception {
    threadsBefore = LibraryThreads.alive();
    sphinx = SphinxSttProvider.create();
    sphinx.preload(2);
    script = BundledInterview.script();
    outDir = dir.resolve("out");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    AtomicReference<Outcome> o = new AtomicReference<>();
    exitCode =
        TranscribeInterview.run(
            new String[] {"--fast", "--out", outDir.toString()},
            new PrintStream(buf, true, StandardCharsets.UTF_8),
            System.err,
            shared(),
            o::set);
    stdout = buf.toString(StandardCharsets.UTF_8);
    outcome = o.get();
  }

  @AfterAll
  static void closeProvider() throws Exception {
    sphinx.close();
    // every thread this class's runs started (source, drain, delivery, recogniser) has stopped
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isSubsetOf(threadsBefore);
  }

  static String reference(String speaker) {
    return String.join(
        " ",
        script.stream().filter(l -> l.speaker().equals(speaker)).map(ScriptLine::text).toList());
  }

  static String hypothesis(List<Transcript> finals, String speaker) {
    return String.join(
        " ",
        finals.stream().filter(t -> t.speaker().equals(speaker)).map(Transcript::text).toList());
  }

  /** Total edits over total reference words, both speakers. */
  static double wer(String recruiterHyp, String candidateHyp) {
    String rr = reference(BundledInterview.RECRUITER);
    String cr = reference(BundledInterview.CANDIDATE);
    int edits = WordErrorRate.edits(rr, recruiterHyp) + WordErrorRate.edits(cr, candidateHyp);
    return (double) edits / (WordErrorRate.words(rr).length + WordErrorRate.words(cr).length);
  }

  static double pipelineWer() {
    return wer(
        hypothesis(outcome.finals(), BundledInterview.RECRUITER),
        hypothesis(outcome.finals(), BundledInterview.CANDIDATE));
  }

  /** The same recogniser fed the original files directly, without the pipeline. */
  static String direct(String speaker) throws Exception {
    short[] samples;
    try (InputStream in =
            TranscribeInterview.class.getResourceAsStream("/interview/" + speaker + ".wav");
        WavFile.Reader r = WavFile.open(in, speaker + ".wav")) {
      samples = r.readAll();
    }
    List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
    SttSession session = sphinx.openSession(SttSessionOptions.of(speaker), events::add);
    for (int off = 0; off < samples.length; off += 1600) {
      session.send(samples, off, Math.min(1600, samples.length - off));
    }
    session.finish(Duration.ofMinutes(3)).toCompletableFuture().get(4, TimeUnit.MINUTES);
    session.close();
    List<String> texts = new ArrayList<>();
    for (TranscriptEvent e : events) {
      if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
        texts.add(r.text());
      }
    }
    return String.join(" ", texts);
  }

  @Test
  void theRunSucceedsAndPrintsTranscriptsAndASummary() {
    assertThat(exitCode).isZero();
    assertThat(outcome).isNotNull();
    assertThat(stdout)
        .contains("Summary")
        .containsPattern("recruiter +talk time +\\d+\\.\\d s +turns +\\d+")
        .containsPattern("candidate +talk time +\\d+\\.\\d s +turns +\\d+")
        .containsPattern("\\d\\d:\\d\\d\\.\\d-\\d\\d:\\d\\d\\.\\d recruiter")
        .contains("    ... "); // partials are printed, marked apart from finals
    assertThat(outcome.partials()).isPositive();
    // the interview alternates: 6 turns each
    assertThat(TranscriptSummary.turns(outcome.finals()))
        .containsEntry(BundledInterview.RECRUITER, 6)
        .containsEntry(BundledInterview.CANDIDATE, 6);
  }

  @Test
  void wordErrorRateAgainstTheReferenceScriptIsAtMost15Percent() {
    assertThat(pipelineWer()).as("pipeline WER").isLessThanOrEqualTo(0.15);
  }

  @Test
  void everyFinalIsAttributedToTheSpeakerWhoSaidIt() {
    assertThat(outcome.finals()).hasSizeGreaterThanOrEqualTo(script.size());
    for (Transcript t : outcome.finals()) {
      ScriptLine best = null;
      long bestOverlap = 0;
      for (ScriptLine l : script) {
        long overlap = Math.min(l.endMs(), t.endMs()) - Math.max(l.startMs(), t.startMs());
        if (overlap > bestOverlap) {
          bestOverlap = overlap;
          best = l;
        }
      }
      assertThat(best).as("script line under %s", t).isNotNull();
      assertThat(t.speaker()).as("speaker of %s", t).isEqualTo(best.speaker());
    }
    // and every line of the script is heard
    for (ScriptLine l : script) {
      assertThat(outcome.finals())
          .as("a final during %s", l)
          .anyMatch(
              t ->
                  t.speaker().equals(l.speaker())
                      && t.startMs() < l.endMs()
                      && t.endMs() > l.startMs());
    }
  }

  @Test
  void thePipelineIsNoMoreThanOnePointWorseThanTheRecogniserOnTheOriginalFiles() throws Exception {
    // both speakers at once, as in the pipeline (the provider holds two loaded recognisers)
    CompletableFuture<String> recruiter = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                recruiter.complete(direct(BundledInterview.RECRUITER));
              } catch (Exception | AssertionError e) {
                recruiter.completeExceptionally(e);
              }
            },
            "test-direct-recruiter");
    t.start();
    String candidate = direct(BundledInterview.CANDIDATE);
    double direct = wer(recruiter.get(5, TimeUnit.MINUTES), candidate);
    assertThat(pipelineWer())
        .as("pipeline vs direct %.3f", direct)
        .isLessThanOrEqualTo(direct + 0.01);
  }

  static final Pattern JSON_TIMES = Pattern.compile("\"startMs\":(\\d+),\"endMs\":(\\d+)");
  static final Pattern CUE =
      Pattern.compile(
          "(\\d\\d):(\\d\\d):(\\d\\d)[,.](\\d{3}) --> (\\d\\d):(\\d\\d):(\\d\\d)[,.](\\d{3})");

  static long ms(Matcher m, int group) {
    return ((Long.parseLong(m.group(group)) * 60 + Long.parseLong(m.group(group + 1))) * 60
                + Long.parseLong(m.group(group + 2)))
            * 1000
        + Long.parseLong(m.group(group + 3));
  }

  @Test
  void transcriptFilesParseAndTheirTimesAreMonotonic() throws IOException {
    try (var listing = Files.list(outDir)) {
      assertThat(listing.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "transcript.jsonl", "transcript.srt", "transcript.vtt", "events.jsonl");
    }
    List<String> jsonl = Files.readAllLines(outDir.resolve("transcript.jsonl"));
    assertThat(jsonl).hasSize(outcome.finals().size());
    long prevStart = -1;
    for (String line : jsonl) {
      assertThat(line).startsWith("{").endsWith("}").contains("\"isFinal\":true");
      Matcher m = JSON_TIMES.matcher(line);
      assertThat(m.find()).as(line).isTrue();
      long start = Long.parseLong(m.group(1));
      assertThat(start).isGreaterThanOrEqualTo(prevStart);
      assertThat(Long.parseLong(m.group(2))).isGreaterThanOrEqualTo(start);
      prevStart = start;
    }
    for (String name : List.of("transcript.srt", "transcript.vtt")) {
      String text = Files.readString(outDir.resolve(name));
      if (name.endsWith(".vtt")) {
        assertThat(text).startsWith("WEBVTT");
      }
      Matcher m = CUE.matcher(text);
      int cues = 0;
      long prev = -1;
      while (m.find()) {
        long start = ms(m, 1);
        long end = ms(m, 5);
        assertThat(start).as(name).isGreaterThanOrEqualTo(prev);
        assertThat(end).as(name).isGreaterThanOrEqualTo(start);
        prev = start;
        cues++;
      }
      assertThat(cues).as(name).isGreaterThanOrEqualTo(outcome.finals().size());
    }
  }

  @Test
  void ownRecordingsInAnotherRateAndChannelCountAreConverted(@TempDir Path dir) throws Exception {
    // the first three turns (22 s), as 48 kHz stereo files
    Path rec = dir.resolve("rec-48k-stereo.wav");
    Path can = dir.resolve("can-48k-stereo.wav");
    for (String speaker : List.of("recruiter", "candidate")) {
      short[] mono;
      try (InputStream in =
              TranscribeInterview.class.getResourceAsStream("/interview/" + speaker + ".wav");
          WavFile.Reader r = WavFile.open(in, speaker)) {
        mono = r.readAll();
      }
      int n = 22_400 * 16;
      short[] stereo48 = new short[n * 3 * 2];
      for (int i = 0; i < n * 3; i++) {
        int j = i / 3;
        int next = Math.min(j + 1, mono.length - 1);
        short v = (short) (mono[j] + (mono[next] - mono[j]) * (i % 3) / 3);
        stereo48[2 * i] = v;
        stereo48[2 * i + 1] = v;
      }
      WavFile.write(speaker.equals("recruiter") ? rec : can, new AudioFormat(48_000, 2), stereo48);
    }
    AtomicReference<Outcome> o = new AtomicReference<>();
    int code =
        TranscribeInterview.run(
            new String[] {
              "--fast",
              "--recruiter-wav",
              rec.toString(),
              "--candidate-wav",
              can.toString(),
              "--language",
              "en-US"
            },
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            System.err,
            shared(),
            o::set);
    assertThat(code).isZero();
    List<ScriptLine> first = script.subList(0, 3);
    String ref = String.join(" ", first.stream().map(ScriptLine::text).toList());
    String hyp = String.join(" ", o.get().finals().stream().map(Transcript::text).toList());
    assertThat(WordErrorRate.of(ref, hyp)).as(hyp).isLessThanOrEqualTo(0.15);
    assertThat(o.get().finals())
        .allSatisfy(
            t ->
                assertThat(t.speaker())
                    .isEqualTo(
                        t.startMs() < first.get(1).startMs()
                                || t.startMs() >= first.get(2).startMs()
                            ? "recruiter"
                            : "candidate"));
  }

  // ------------------------------------------------------------------ options and bad input

  static CliRun cli(String... args) {
    return CliRun.of((out, err) -> TranscribeInterview.run(args, out, err, never()));
  }

  @Test
  void helpDescribesEveryOptionAndExitsZero() {
    CliRun r = cli("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains(
            "--fast",
            "--out DIR",
            "--recruiter-wav FILE",
            "--candidate-wav FILE",
            "--language CODE",
            "Deepgram",
            "LiveKit");
  }

  @Test
  void badOptionsExitTwoWithTheReason() {
    assertThat(cli("--loud"))
        .satisfies(
            r -> {
              assertThat(r.code()).isEqualTo(2);
              assertThat(r.err()).contains("unknown option '--loud'", "accepted --fast");
            });
    assertThat(cli("--recruiter-wav", "a.wav").err()).contains("give both");
    assertThat(cli("--language", "de"))
        .satisfies(
            r -> {
              assertThat(r.code()).isEqualTo(2);
              assertThat(r.err()).contains("'de'", "accepted en, en-US");
            });
    assertThat(cli("--out").err()).contains("--out needs a value");
  }

  @Test
  void aMissingFileIsNamedAndNothingIsWritten(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Path missing = dir.resolve("nope.wav");
    Path good = goodWav(dir);
    CliRun r =
        cli(
            "--recruiter-wav",
            missing.toString(),
            "--candidate-wav",
            good.toString(),
            "--out",
            out.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(missing.toString());
    assertThat(out).doesNotExist();
  }

  @Test
  void aFileThatIsNotWavIsNamedWithWhatIsAccepted(@TempDir Path dir) throws IOException {
    Path text = Files.writeString(dir.resolve("notes.wav"), "these are not samples");
    CliRun r =
        cli(
            "--recruiter-wav",
            goodWav(dir).toString(),
            "--candidate-wav",
            text.toString(),
            "--out",
            dir.resolve("out").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(text.toString(), "not a WAV file", "16-bit");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void anUnsupportedEncodingIsNamedWithWhatIsAccepted(@TempDir Path dir) throws IOException {
    // a valid WAV header for 32-bit IEEE float samples
    Path flt = dir.resolve("float.wav");
    int rate = 16_000;
    int dataBytes = 4 * 1600;
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(44 + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII))
        .putInt(36 + dataBytes)
        .put("WAVE".getBytes(StandardCharsets.US_ASCII))
        .put("fmt ".getBytes(StandardCharsets.US_ASCII))
        .putInt(16)
        .putShort((short) 3)
        .putShort((short) 1)
        .putInt(rate)
        .putInt(rate * 4)
        .putShort((short) 4)
        .putShort((short) 32)
        .put("data".getBytes(StandardCharsets.US_ASCII))
        .putInt(dataBytes);
    Files.write(flt, b.array());
    CliRun r = cli("--recruiter-wav", flt.toString(), "--candidate-wav", goodWav(dir).toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(flt.toString(), "accepted", "16-bit");
  }

  @Test
  void anOutputPathThatIsAFileIsRefusedBeforeAnyWork(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("taken"), "x");
    CliRun r = cli("--out", file.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(file.toString(), "not a directory");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  static Path goodWav(Path dir) throws IOException {
    Path p = dir.resolve("good.wav");
    if (!Files.exists(p)) {
      WavFile.write(p, AudioFormat.MONO_16K, new short[16_000]);
    }
    return p;
  }
}
