package dev.audiopipeline;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One recognised word with its times.
 *
 * @param text the word as the provider wrote it (with punctuation if the provider adds it)
 * @param startMs start, in milliseconds; on the session timeline in a {@link Transcript}, on the
 *     stream's own audio in a {@link TranscriptEvent}
 * @param endMs end, same clock as {@code startMs}
 * @param confidence 0..1 if the provider gives one, else {@code null}
 */
public record Word(String text, long startMs, long endMs, @Nullable Double confidence) {
  public Word {
    Objects.requireNonNull(text, "text == null");
    if (endMs < startMs) {
      throw new IllegalArgumentException("endMs " + endMs + " < startMs " + startMs);
    }
  }

  /** The same word moved by {@code deltaMs}. */
  public Word shift(long deltaMs) {
    return new Word(text, startMs + deltaMs, endMs + deltaMs, confidence);
  }
}
