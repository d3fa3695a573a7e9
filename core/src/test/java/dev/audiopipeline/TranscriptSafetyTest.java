package dev.audiopipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.io.TranscriptWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider text is not trusted for display (issue #9): escape sequences and control characters are
 * removed where a result becomes a {@link Transcript}, {@link Word} or {@link
 * TranscriptEvent.Result}, absurd times are refused, and the caption writers escape what their
 * formats need.
 */
class TranscriptSafetyTest {
  /** Colour, a bell, a window-title OSC, CR LF, a tab, a right-to-left override, a C1 CSI. */
  static final String HOSTILE =
      "\u001b[31mred\u001b[0m alert\u0007 \u001b]0;pwned\u0007title\r\n"
          + "next\tline \u202eevil\u202c \u009b2J done";

  static final String CLEANED = "red alert title  next line evil  done";

  private static Transcript transcript(String text, List<Word> words) {
    return new Transcript(
        "rec\u001b[2Jruiter",
        "id\u0000-\u001b[1m7",
        text,
        1000,
        2000,
        true,
        "en\u0085",
        0.9,
        words,
        "seg\n1",
        "deepgram");
  }

  /** No character a terminal acts on: C0 (but none kept either), DEL, C1, bidi controls. */
  private static void assertPrintable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      assertThat(
              c < 0x20
                  || (c >= 0x7f && c <= 0x9f)
                  || (c >= '\u202a' && c <= '\u202e')
                  || (c >= '\u2066' && c <= '\u2069'))
          .as("char %04x at %d of %s", (int) c, i, s)
          .isFalse();
    }
  }

  @Test
  void escapeSequencesAndControlCharactersAreRemovedFromEverythingShown() {
    Transcript t =
        transcript(
            HOSTILE,
            List.of(
                new Word("\u001b[31mred\u001b[0m", 1000, 1200, null),
                new Word("ti\u0008\u0008tle", 1200, 1400, null)));
    assertThat(t.text()).isEqualTo(CLEANED);
    assertThat(t.speaker()).isEqualTo("recruiter");
    assertThat(t.participantIdentity()).isEqualTo("id-7");
    assertThat(t.language()).isEqualTo("en ");
    assertThat(t.segmentId()).isEqualTo("seg 1");
    assertThat(t.words()).extracting(Word::text).containsExactly("red", "title");
    assertPrintable(t.toString());

    TranscriptEvent.Result r =
        new TranscriptEvent.Result(
            true, HOSTILE, 0, 10, "e\u001b[5mn", null, List.of(), "s\u001b[1");
    assertThat(r.text()).isEqualTo(CLEANED);
    assertThat(r.language()).isEqualTo("en");
    assertPrintable(r.toString());
  }

  @Test
  void ordinaryTextIsKeptAsItIs() {
    String text = "Grüße, 你好, שלום, emoji 😀 — \"quotes\" <tags> & 1 -> 2";
    Transcript t = transcript(text, List.of());
    assertThat(t.text()).isSameAs(text);
    // a lone surrogate cannot be shown: it becomes the replacement character
    assertThat(transcript("a\ud800b", List.of()).text()).isEqualTo("a\ufffdb");
  }

  @Test
  void textIsCutAtALimit() {
    String huge = "word ".repeat(20_000);
    String kept = transcript(huge, List.of()).text();
    assertThat(kept).hasSize(16_384).endsWith("…").startsWith("word word");
    assertThat(new Word("x".repeat(5000), 0, 1, null).text()).hasSize(1024).endsWith("…");
    // a cut never splits a surrogate pair
    String emoji = "😀".repeat(10_000);
    String cut = transcript(emoji, List.of()).text();
    assertThat(cut).endsWith("…");
    assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 2))).isFalse();
  }

  @Test
  void absurdTimesAreRefusedAndConfidenceIsClamped() {
    // what a codec makes of "start": 1e308 (Math.round saturates), and of a negative start
    long huge = Math.round(1e308 * 1000);
    assertThatThrownBy(() -> new Word("x", 0, huge, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond");
    assertThatThrownBy(() -> new Word("x", huge, huge, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Word("x", -5, 10, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("startMs -5 is negative");
    assertThatThrownBy(
            () -> new TranscriptEvent.Result(true, "x", -1, 0, null, null, List.of(), "s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(
            () -> new TranscriptEvent.Result(true, "x", 0, huge, null, null, List.of(), "s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond");
    assertThatThrownBy(
            () ->
                new Transcript(
                    "a",
                    "b",
                    "x",
                    0,
                    Transcript.MAX_TIME_MS + 1,
                    true,
                    null,
                    null,
                    List.of(),
                    "s",
                    "p"))
        .isInstanceOf(IllegalArgumentException.class);
    // NaN seconds round to 0 ms in the codecs: a deterministic, valid time
    assertThat(new Word("x", Math.round(Double.NaN * 1000), 5, null).startMs()).isZero();
    // the limit itself is fine
    assertThat(new Word("x", 0, Transcript.MAX_TIME_MS, null).endMs())
        .isEqualTo(Transcript.MAX_TIME_MS);

    assertThat(new Word("x", 0, 1, Double.NaN).confidence()).isNull();
    assertThat(new Word("x", 0, 1, 1.5).confidence()).isEqualTo(1.0);
    assertThat(new Word("x", 0, 1, -0.5).confidence()).isEqualTo(0.0);
    assertThat(
            new TranscriptEvent.Result(
                    true, "x", 0, 1, null, Double.POSITIVE_INFINITY, List.of(), "s")
                .confidence())
        .isEqualTo(1.0);
    assertThat(transcript("x", List.of()).confidence()).isEqualTo(0.9);
  }

  @Test
  void captionFilesGetCleanOneLineCuesWithTheirFormatsEscapes(@TempDir Path dir)
      throws IOException {
    Transcript t =
        new Transcript(
            "rec\u001b[1m",
            "rec-1",
            HOSTILE + " a --> b <b>bold</b> & c\n\n5\n00:00:00,000 --> 00:00:09,000",
            1000,
            2000,
            true,
            "en",
            null,
            List.of(),
            "s/1",
            "deepgram");
    Path srt = dir.resolve("t.srt");
    Path vtt = dir.resolve("t.vtt");
    Path jsonl = dir.resolve("t.jsonl");
    for (Path p : List.of(srt, vtt, jsonl)) {
      try (TranscriptWriter w = TranscriptWriter.forFile(p)) {
        w.write(t);
      }
    }
    String s = Files.readString(srt);
    assertThat(s)
        .isEqualTo(
            "1\n00:00:01,000 --> 00:00:02,000\n[rec] "
                + CLEANED
                + " a -> b <b>bold</b> & c  5 00:00:00,000 -> 00:00:09,000\n\n");
    String v = Files.readString(vtt);
    assertThat(v)
        .isEqualTo(
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v rec>"
                + CLEANED
                + " a --&gt; b &lt;b&gt;bold&lt;/b&gt; &amp; c  5 00:00:00,000 --&gt; 00:00:09,000\n\n");
    String j = Files.readString(jsonl);
    assertThat(j.lines()).hasSize(1);
    for (String out : List.of(s, v, j)) {
      assertPrintable(out.replace("\n", ""));
    }
  }
}
