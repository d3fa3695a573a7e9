package dev.audiopipeline.testing;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, after normalising
 * both texts (lower case, punctuation dropped, apostrophes kept, whitespace collapsed).
 */
public final class WordErrorRate {
  private WordErrorRate() {}

  /** The words of {@code text} after normalisation (empty for blank text). */
  public static String[] words(String text) {
    Objects.requireNonNull(text, "text == null");
    String n = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]", " ").trim();
    return n.isEmpty() ? new String[0] : n.split("\\s+");
  }

  /** Minimum edits turning the reference words into the hypothesis words. */
  public static int edits(String reference, String hypothesis) {
    String[] r = words(reference);
    String[] h = words(hypothesis);
    int[] prev = new int[h.length + 1];
    int[] cur = new int[h.length + 1];
    Arrays.setAll(prev, j -> j);
    for (int i = 1; i <= r.length; i++) {
      cur[0] = i;
      for (int j = 1; j <= h.length; j++) {
        int sub = prev[j - 1] + (r[i - 1].equals(h[j - 1]) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[h.length];
  }

  /**
   * The word error rate of {@code hypothesis} against {@code reference}, 0.0 = perfect (may exceed
   * 1.0 when the hypothesis has many insertions).
   *
   * @throws IllegalArgumentException if the reference has no words
   */
  public static double of(String reference, String hypothesis) {
    int n = words(reference).length;
    if (n == 0) {
      throw new IllegalArgumentException("reference has no words: WER is undefined");
    }
    return (double) edits(reference, hypothesis) / n;
  }
}
