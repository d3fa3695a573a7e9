package dev.audiopipeline.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.Word;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three formats against golden files. */
public class TranscriptWriterTest {
  public static List<Transcript> sample() {
    List<Word> words =
        List.of(
            new Word("Thanks", 4200, 4500, 0.9), new Word("for", 4500, 4650, 0.9),
            new Word("coming", 4650, 5000, 0.9), new Word("in", 5000, 5100, 0.9),
            new Word("today.", 5100, 5500, 0.9), new Word("Could", 5800, 6000, 0.9),
            new Word("you", 6000, 6100, 0.9), new Word("start", 6100, 6400, 0.9),
            new Word("by", 6400, 6500, 0.9), new Word("telling", 6500, 6800, 0.9),
            new Word("me", 6800, 6900, 0.9), new Word("about", 6900, 7200, 0.9),
            new Word("your", 7200, 7400, 0.9), new Word("last", 7400, 7700, 0.9),
            new Word("role?", 7700, 8100, 0.9), new Word("Take", 8400, 8600, 0.9),
            new Word("your", 8600, 8800, 0.9), new Word("time.", 8800, 9200, 0.9));
    return List.of(
        new Transcript(
            "recruiter",
            "rec-1",
            "Hello, and welcome.",
            1000,
            2500,
            true,
            "en",
            0.93,
            List.of(),
            "a/1",
            "segments"),
        new Transcript(
            "candidate",
            "cand-7",
            "Thank",
            2600,
            2900,
            false,
            "en",
            null,
            List.of(),
            "b/1",
            "segments"),
        new Transcript(
            "candidate",
            "cand-7",
            "Thank you, \"glad\" to be here <really>.",
            2600,
            4000,
            true,
            "en",
            null,
            List.of(),
            "b/1",
            "segments"),
        new Transcript(
            "recruiter",
            "rec-1",
            "Thanks for coming in today. Could you start by telling me about your last role? Take"
                + " your time.",
            4200,
            9200,
            true,
            "en",
            0.9,
            words,
            "a/2",
            "segments"),
        new Transcript(
            "recruiter",
            "rec-1",
            "Thanks for coming in today. Could you start by telling me about your last role and"
                + " what you built there?",
            3_700_000,
            3_712_345,
            true,
            null,
            null,
            List.of(),
            "a/3",
            "segments"));
  }

  private static String golden(String name) throws IOException {
    try (InputStream in = TranscriptWriterTest.class.getResourceAsStream("/golden/" + name)) {
      return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String render(java.util.function.Function<StringWriter, TranscriptWriter> make)
      throws IOException {
    StringWriter sw = new StringWriter();
    try (TranscriptWriter w = make.apply(sw)) {
      sample().forEach(w::write);
    }
    return sw.toString();
  }

  @Test
  void jsonLines() throws IOException {
    assertThat(render(TranscriptWriter::jsonl)).isEqualTo(golden("transcript.jsonl"));
  }

  @Test
  void subRip() throws IOException {
    assertThat(render(TranscriptWriter::srt)).isEqualTo(golden("transcript.srt"));
  }

  @Test
  void webVtt() throws IOException {
    assertThat(render(TranscriptWriter::webVtt)).isEqualTo(golden("transcript.vtt"));
  }

  @Test
  void jsonLinesCanKeepPartials() throws IOException {
    String out = render(w -> TranscriptWriter.jsonl(w, true));
    assertThat(out.lines()).hasSize(5);
    assertThat(out.lines().toList().get(1)).contains("\"isFinal\":false");
  }

  @Test
  void picksTheFormatByExtensionAndRefusesOthers(@TempDir Path dir) throws IOException {
    Path vtt = dir.resolve("t.vtt");
    try (TranscriptWriter w = TranscriptWriter.forFile(vtt)) {
      w.write(sample().get(0));
    }
    assertThat(Files.readString(vtt)).startsWith("WEBVTT\n\n00:00:01.000 --> 00:00:02.500");
    assertThatThrownBy(() -> TranscriptWriter.forFile(dir.resolve("t.txt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(".jsonl, .srt, .vtt");
  }
}
