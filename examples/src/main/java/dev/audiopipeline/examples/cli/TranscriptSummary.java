package dev.audiopipeline.examples.cli;

import dev.audiopipeline.Transcript;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How the examples show transcripts: one line per transcript as it arrives, and a summary per
 * speaker (talk time, turns, words) at the end.
 */
public final class TranscriptSummary {
  private TranscriptSummary() {}

  /** {@code mm:ss.s} on the session's timeline. */
  public static String clock(long ms) {
    return String.format(Locale.ROOT, "%02d:%04.1f", ms / 60_000, (ms % 60_000) / 1000.0);
  }

  /**
   * Prints {@code t}: a final as {@code "mm:ss.s-mm:ss.s speaker: text"} (blank finals are not
   * printed), a partial as {@code " ... mm:ss.s speaker: text"}.
   */
  public static void print(PrintStream out, Transcript t) {
    if (t.isFinal()) {
      if (!t.text().isBlank()) {
        out.printf("%s-%s %-9s: %s%n", clock(t.startMs()), clock(t.endMs()), t.speaker(), t.text());
      }
    } else {
      out.printf("    ... %s %-9s: %s%n", clock(t.startMs()), t.speaker(), t.text());
    }
  }

  /** Talk time (sum of final spans) per speaker, in milliseconds, in order of first appearance. */
  public static Map<String, Long> talkTimeMs(List<Transcript> finals) {
    Map<String, Long> talk = new LinkedHashMap<>();
    for (Transcript t : finals) {
      talk.merge(t.speaker(), t.durationMs(), Long::sum);
    }
    return talk;
  }

  /** Turns per speaker: runs of consecutive finals by the same speaker, in timeline order. */
  public static Map<String, Integer> turns(List<Transcript> finals) {
    Map<String, Integer> turns = new LinkedHashMap<>();
    @Nullable String previous = null;
    for (Transcript t : finals) {
      if (!t.speaker().equals(previous)) {
        turns.merge(t.speaker(), 1, Integer::sum);
        previous = t.speaker();
      }
    }
    return turns;
  }

  /** Prints the summary: a line per speaker, then the totals. */
  public static void print(PrintStream out, Outcome o) {
    Map<String, Long> talk = talkTimeMs(o.finals());
    Map<String, Integer> turns = turns(o.finals());
    int total = turns.values().stream().mapToInt(Integer::intValue).sum();
    out.println();
    out.println("Summary");
    for (Map.Entry<String, Long> e : talk.entrySet()) {
      long words =
          o.finals().stream()
              .filter(t -> t.speaker().equals(e.getKey()))
              .mapToLong(t -> t.text().split("\\s+").length)
              .sum();
      out.printf(
          Locale.ROOT,
          "  %-9s  talk time %5.1f s  turns %2d  words %3d%n",
          e.getKey(),
          e.getValue() / 1000.0,
          turns.getOrDefault(e.getKey(), 0),
          words);
    }
    long lastMs = o.finals().isEmpty() ? 0 : o.finals().get(o.finals().size() - 1).endMs();
    out.printf(
        Locale.ROOT,
        "  %d turns, %d finals, %d partials; last words at %s, transcribed in %.1f s%n",
        total,
        o.finals().size(),
        o.partials(),
        clock(lastMs),
        o.wallSeconds());
  }
}
