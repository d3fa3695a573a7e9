package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.examples.cli.Outcome;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.WordErrorRate;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second bundled interview ({@code interview2/}: other flite voices, {@code awb} and {@code
 * kal16}, and another text than the first) through {@code TranscribeInterview --fast} and, on the
 * same provider afterwards, fed to the recogniser directly. The pipeline must not cost words: on 16
 * kHz mono files it hands the recogniser the very samples of the files, so both decodes must be the
 * same — also though the direct decode runs on recognisers that already decoded the other path's
 * streams (issue #9: the recogniser's normalisation state used to carry over).
 */
class SecondInterviewTest {
  static final List<String> SPEAKERS =
      List.of(BundledInterview.RECRUITER, BundledInterview.CANDIDATE);

  static SphinxSttProvider sphinx;
  static final Map<String, String> reference = new ConcurrentHashMap<>();
  static final Map<String, String> pipeline = new ConcurrentHashMap<>();
  static final Map<String, String> direct = new ConcurrentHashMap<>();
  static int exitCode;

  @BeforeAll
  static void transcribeBothWays(@TempDir Path dir) throws Exception {
    for (String speaker : SPEAKERS) {
      try (InputStream in = resource(speaker + ".wav")) {
        Files.copy(in, dir.resolve(speaker + ".wav"));
      }
    }
    String[] lines;
    try (InputStream in = resource("script.tsv")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
    }
    for (String speaker : SPEAKERS) {
      List<String> said = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        String[] f = lines[i].split("\t", 4);
        if (f.length == 4 && f[0].equals(speaker)) {
          said.add(f[3].trim());
        }
      }
      reference.put(speaker, String.join(" ", said));
    }

    sphinx = SphinxSttProvider.create();
    sphinx.preload(2);
    AtomicReference<Outcome> outcome = new AtomicReference<>();
    exitCode =
        TranscribeInterview.run(
            new String[] {
              "--fast",
              "--recruiter-wav",
              dir.resolve("recruiter.wav").toString(),
              "--candidate-wav",
              dir.resolve("candidate.wav").toString()
            },
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            System.err,
            () -> shared(sphinx),
            outcome::set);
    for (String speaker : SPEAKERS) {
      pipeline.put(
          speaker,
          String.join(
              " ",
              outcome.get().finals().stream()
                  .filter(t -> t.speaker().equals(speaker))
                  .map(Transcript::text)
                  .toList()));
    }

    // both speakers at once, as in the pipeline, on the recognisers the pipeline used
    CompletableFuture<String> recruiter = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                recruiter.complete(decodeDirectly(dir.resolve("recruiter.wav")));
              } catch (RuntimeException | AssertionError e) {
                recruiter.completeExceptionally(e);
              }
            },
            "test-direct-recruiter");
    t.start();
    direct.put(BundledInterview.CANDIDATE, decodeDirectly(dir.resolve("candidate.wav")));
    direct.put(BundledInterview.RECRUITER, recruiter.get(5, TimeUnit.MINUTES));
    t.join();
  }

  @AfterAll
  static void closeProvider() {
    if (sphinx != null) {
      sphinx.close();
    }
  }

  static InputStream resource(String name) {
    return Objects.requireNonNull(
        SecondInterviewTest.class.getResourceAsStream("/interview2/" + name),
        "/interview2/" + name + " missing");
  }

  /** The shared provider, which {@code run} must not close. */
  static SttProvider shared(SphinxSttProvider p) {
    return new SttProvider() {
      @Override
      public String name() {
        return p.name();
      }

      @Override
      public AudioFormat inputFormat() {
        return p.inputFormat();
      }

      @Override
      public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
        return p.openSession(options, listener);
      }
    };
  }

  /** The file's samples straight into one session, 100 ms at a time; the finals' text. */
  static String decodeDirectly(Path wav) {
    try {
      short[] samples;
      try (WavFile.Reader r = WavFile.open(wav)) {
        assertThat(r.format()).isEqualTo(AudioFormat.MONO_16K);
        samples = r.readAll();
      }
      List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
      SttSession session =
          sphinx.openSession(SttSessionOptions.of(wav.getFileName().toString()), events::add);
      for (int off = 0; off < samples.length; off += 1600) {
        session.send(samples, off, Math.min(1600, samples.length - off));
      }
      session.finish(Duration.ofMinutes(3)).toCompletableFuture().get(4, TimeUnit.MINUTES);
      session.close();
      List<String> texts = new ArrayList<>();
      for (TranscriptEvent e : events) {
        assertThat(e).isNotInstanceOf(TranscriptEvent.AudioDropped.class);
        if (e instanceof TranscriptEvent.Result r && r.isFinal() && !r.text().isBlank()) {
          texts.add(r.text());
        }
      }
      return String.join(" ", texts);
    } catch (Exception e) {
      throw new IllegalStateException("direct decode of " + wav + " failed", e);
    }
  }

  static int edits(Map<String, String> hypotheses) {
    int edits = 0;
    for (String speaker : SPEAKERS) {
      edits += WordErrorRate.edits(reference.get(speaker), hypotheses.get(speaker));
    }
    return edits;
  }

  static int referenceWords() {
    int n = 0;
    for (String speaker : SPEAKERS) {
      n += WordErrorRate.words(reference.get(speaker)).length;
    }
    return n;
  }

  @Test
  void thePipelineCostsNoWordsAgainstADirectDecodeOfTheFiles() {
    assertThat(exitCode).isZero();
    assertThat(referenceWords()).isBetween(200, 240);
    int viaPipeline = edits(pipeline);
    int viaDirect = edits(direct);
    assertThat(viaPipeline)
        .as("word errors through the pipeline %s vs directly %s", pipeline, direct)
        .isLessThanOrEqualTo(viaDirect);
    // the same samples from the same starting state: the same words, utterance starts included
    assertThat(pipeline).isEqualTo(direct);
    // and the recogniser understands these voices too
    assertThat((double) viaPipeline / referenceWords())
        .as("WER %s", pipeline)
        .isLessThanOrEqualTo(0.15);
  }
}
