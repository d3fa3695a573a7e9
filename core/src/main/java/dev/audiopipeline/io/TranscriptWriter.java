package dev.audiopipeline.io;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.Word;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes transcripts as JSON Lines, SRT or WebVTT. Writers take finals (partials are skipped unless
 * a JSONL writer was asked to keep them) in the order given; feed them in session order.
 *
 * <p>SRT and WebVTT cues carry the speaker label ({@code [recruiter] text} in SRT, a {@code <v
 * recruiter>} voice span in WebVTT). When a final has word times, long finals are split into cues
 * of at most {@value #MAX_CUE_CHARS} characters timed by their words.
 *
 * <p>Cue text is one line: what {@link Transcript} already cleaned (no control characters or escape
 * sequences), with {@code -->} written {@code ->} in SRT, and {@code &}, {@code <}, {@code >} as
 * character references in WebVTT.
 *
 * <p>Not thread-safe: call from one thread, e.g. a subscriber's {@code onNext}. Closing the writer
 * closes the underlying {@link Writer}.
 */
public abstract class TranscriptWriter implements AutoCloseable {
  /** Longest cue text before a final with word times is split. */
  public static final int MAX_CUE_CHARS = 84;

  final Writer out;

  TranscriptWriter(Writer out) {
    this.out = Objects.requireNonNull(out, "out == null");
  }

  /** JSON Lines: one object per final (and per partial if {@code includePartials}). */
  public static TranscriptWriter jsonl(Writer out, boolean includePartials) {
    return new Jsonl(out, includePartials);
  }

  /** JSON Lines of finals only. */
  public static TranscriptWriter jsonl(Writer out) {
    return new Jsonl(out, false);
  }

  /** SubRip (.srt). */
  public static TranscriptWriter srt(Writer out) {
    return new Srt(out);
  }

  /** WebVTT (.vtt). */
  public static TranscriptWriter webVtt(Writer out) {
    return new Vtt(out);
  }

  /**
   * A writer chosen by the file extension: {@code .jsonl}, {@code .srt} or {@code .vtt}.
   *
   * @throws IllegalArgumentException for another extension
   */
  public static TranscriptWriter forFile(Path path) throws IOException {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!(name.endsWith(".jsonl") || name.endsWith(".srt") || name.endsWith(".vtt"))) {
      throw new IllegalArgumentException(
          path + ": unknown transcript format; accepted extensions: .jsonl, .srt, .vtt");
    }
    Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
    if (name.endsWith(".jsonl")) {
      return jsonl(w);
    }
    return name.endsWith(".srt") ? srt(w) : webVtt(w);
  }

  /**
   * Writes one transcript (partials are skipped, except by a JSONL writer keeping them).
   *
   * @throws UncheckedIOException if the underlying writer fails
   */
  public final void write(Transcript t) {
    Objects.requireNonNull(t, "transcript == null");
    try {
      doWrite(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  abstract void doWrite(Transcript t) throws IOException;

  /** Flushes and closes the underlying writer. */
  @Override
  public void close() throws IOException {
    out.flush();
    out.close();
  }

  // ------------------------------------------------------------------ JSON Lines

  private static final class Jsonl extends TranscriptWriter {
    private final boolean partials;

    Jsonl(Writer out, boolean partials) {
      super(out);
      this.partials = partials;
    }

    @Override
    void doWrite(Transcript t) throws IOException {
      if (!t.isFinal() && !partials) {
        return;
      }
      StringBuilder sb = new StringBuilder(256);
      sb.append("{\"speaker\":");
      str(sb, t.speaker());
      sb.append(",\"participantIdentity\":");
      str(sb, t.participantIdentity());
      sb.append(",\"text\":");
      str(sb, t.text());
      sb.append(",\"startMs\":").append(t.startMs());
      sb.append(",\"endMs\":").append(t.endMs());
      sb.append(",\"isFinal\":").append(t.isFinal());
      if (t.language() != null) {
        sb.append(",\"language\":");
        str(sb, t.language());
      }
      if (t.confidence() != null) {
        sb.append(",\"confidence\":").append(t.confidence());
      }
      sb.append(",\"segmentId\":");
      str(sb, t.segmentId());
      sb.append(",\"provider\":");
      str(sb, t.provider());
      if (!t.words().isEmpty()) {
        sb.append(",\"words\":[");
        for (int i = 0; i < t.words().size(); i++) {
          Word w = t.words().get(i);
          if (i > 0) {
            sb.append(',');
          }
          sb.append("{\"text\":");
          str(sb, w.text());
          sb.append(",\"startMs\":").append(w.startMs()).append(",\"endMs\":").append(w.endMs());
          if (w.confidence() != null) {
            sb.append(",\"confidence\":").append(w.confidence());
          }
          sb.append('}');
        }
        sb.append(']');
      }
      sb.append("}\n");
      out.write(sb.toString());
    }

    private static void str(StringBuilder sb, String s) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"':
            sb.append("\\\"");
            break;
          case '\\':
            sb.append("\\\\");
            break;
          case '\n':
            sb.append("\\n");
            break;
          case '\r':
            sb.append("\\r");
            break;
          case '\t':
            sb.append("\\t");
            break;
          case '\b':
            sb.append("\\b");
            break;
          case '\f':
            sb.append("\\f");
            break;
          default:
            if (c < 0x20 || c == '\u2028' || c == '\u2029') {
              sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
        }
      }
      sb.append('"');
    }
  }

  // ------------------------------------------------------------------ cues (SRT, WebVTT)

  /** A caption cue. */
  record Cue(long startMs, long endMs, String speaker, String text) {}

  /** Splits a final into cues: one, or several timed by words when it is long. */
  static List<Cue> cues(Transcript t) {
    List<Cue> cues = new ArrayList<>();
    String text = t.text().strip();
    if (text.isEmpty()) {
      return cues;
    }
    if (t.words().isEmpty() || text.length() <= MAX_CUE_CHARS) {
      long start = t.words().isEmpty() ? t.startMs() : t.words().get(0).startMs();
      long end = t.words().isEmpty() ? t.endMs() : t.words().get(t.words().size() - 1).endMs();
      cues.add(new Cue(start, Math.max(end, start + 1), t.speaker(), text));
      return cues;
    }
    StringBuilder sb = new StringBuilder();
    long start = -1;
    long end = 0;
    for (Word w : t.words()) {
      String word = w.text().strip();
      if (word.isEmpty()) {
        continue;
      }
      if (sb.length() > 0 && sb.length() + 1 + word.length() > MAX_CUE_CHARS) {
        cues.add(new Cue(start, Math.max(end, start + 1), t.speaker(), sb.toString()));
        sb.setLength(0);
        start = -1;
      }
      if (start < 0) {
        start = w.startMs();
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(word);
      end = w.endMs();
    }
    if (sb.length() > 0) {
      cues.add(new Cue(start, Math.max(end, start + 1), t.speaker(), sb.toString()));
    }
    return cues;
  }

  static String time(long ms, char fractionSeparator) {
    long h = ms / 3_600_000;
    long m = ms / 60_000 % 60;
    long s = ms / 1000 % 60;
    long f = ms % 1000;
    return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", h, m, s, fractionSeparator, f);
  }

  private static final class Srt extends TranscriptWriter {
    private int index;

    Srt(Writer out) {
      super(out);
    }

    @Override
    void doWrite(Transcript t) throws IOException {
      if (!t.isFinal()) {
        return;
      }
      for (Cue c : cues(t)) {
        index++;
        out.write(
            index
                + "\n"
                + time(c.startMs(), ',')
                + " --> "
                + time(c.endMs(), ',')
                + "\n"
                + "["
                + oneLine(c.speaker())
                + "] "
                + oneLine(c.text())
                + "\n\n");
      }
    }

    /**
     * One cue line: no line break (a blank line would end the cue), and no {@code -->} (a line
     * holding it reads as a timing line); SubRip has no escapes, so the arrow loses a dash.
     */
    private static String oneLine(String s) {
      String t = lineBreaksToSpaces(s);
      while (t.contains("-->")) {
        t = t.replace("-->", "->");
      }
      return t;
    }
  }

  /** Every character that could end a line, as a space (the text is cleaned already; defensive). */
  static String lineBreaksToSpaces(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n'
          || c == '\r'
          || c == 0x0b
          || c == 0x0c
          || c == 0x85
          || c == '\u2028'
          || c == '\u2029') {
        if (sb == null) {
          sb = new StringBuilder(s);
        }
        sb.setCharAt(i, ' ');
      }
    }
    return sb == null ? s : sb.toString();
  }

  private static final class Vtt extends TranscriptWriter {
    private boolean header;

    Vtt(Writer out) {
      super(out);
    }

    private void header() throws IOException {
      if (!header) {
        header = true;
        out.write("WEBVTT\n\n");
      }
    }

    @Override
    void doWrite(Transcript t) throws IOException {
      header();
      if (!t.isFinal()) {
        return;
      }
      for (Cue c : cues(t)) {
        out.write(
            time(c.startMs(), '.')
                + " --> "
                + time(c.endMs(), '.')
                + "\n"
                + "<v "
                + escape(c.speaker())
                + ">"
                + escape(c.text())
                + "\n\n");
      }
    }

    @Override
    public void close() throws IOException {
      header();
      super.close();
    }

    /**
     * WebVTT cue text: {@code &}, {@code <} and {@code >} as character references (so {@code -->}
     * cannot appear), on one line.
     */
    private static String escape(String s) {
      return lineBreaksToSpaces(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }
}
