package dev.audiopipeline;

import dev.audiopipeline.internal.runtime.DisplayText;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One recognised word with its times.
 *
 * <p>The text is cleaned for display when the word is made (escape sequences and control characters
 * removed, see {@link Transcript}); times must lie in {@code 0..}{@link Transcript#MAX_TIME_MS}; a
 * confidence that is not a number becomes {@code null} and one outside 0..1 is clamped.
 *
 * @param text the word as the provider wrote it (with punctuation if the provider adds it)
 * @param startMs start, in milliseconds; on the session timeline in a {@link Transcript}, on the
 *     stream's own audio in a {@link TranscriptEvent}
 * @param endMs end, same clock as {@code startMs}
 * @param confidence 0..1 if the provider gives one, else {@code null}
 */
public record Word(String text, long startMs, long endMs, @Nullable Double confidence) {
  /**
   * @throws IllegalArgumentException if a time is negative, beyond {@link Transcript#MAX_TIME_MS},
   *     or {@code endMs < startMs}
   */
  public Word {
    Objects.requireNonNull(text, "text == null");
    text = DisplayText.clean(text, DisplayText.MAX_WORD);
    Transcript.checkTimes(startMs, endMs);
    confidence = Transcript.confidence(confidence);
  }

  /** The same word moved by {@code deltaMs}. */
  public Word shift(long deltaMs) {
    return new Word(text, startMs + deltaMs, endMs + deltaMs, confidence);
  }
}
