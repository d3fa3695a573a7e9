package dev.audiopipeline;

import dev.audiopipeline.internal.runtime.DisplayText;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who said what, when. Immutable.
 *
 * <p>Times are milliseconds on ONE timeline shared by all speakers of a session: 0 is the instant
 * the session started, so transcripts of different speakers order correctly by {@code startMs}.
 *
 * <p>A segment (one utterance of one speaker) produces zero or more partials and then exactly one
 * final, all with the same {@code segmentId}. A partial is the recogniser's current guess and is
 * replaced by the next partial or the final of the same segment.
 *
 * <p>Everything here may come from outside (a recogniser's result, a participant identity), so it
 * is made safe when the transcript is made, whoever makes it: the strings are cleaned for display
 * on a terminal and in caption files (ANSI/ECMA-48 escape sequences, C0/C1 control characters and
 * bidirectional overrides removed; tabs and line breaks become spaces; text is cut at 16 384 chars
 * and names at 256), times must lie in {@code 0..}{@link #MAX_TIME_MS}, a confidence that is not a
 * number becomes {@code null} and one outside 0..1 is clamped.
 *
 * @param speaker the label, e.g. {@code "recruiter"} (from {@link SpeakerMap})
 * @param participantIdentity the identity the source reported (LiveKit participant identity, file
 *     name)
 * @param text recognised text
 * @param startMs start on the session timeline
 * @param endMs end on the session timeline
 * @param isFinal {@code true} for the final version of the segment
 * @param language BCP-47 language code if known
 * @param confidence 0..1 if the provider gives one
 * @param words per-word times (session timeline) where the provider gives them, else empty
 * @param segmentId stable id of the utterance within the session
 * @param provider name of the recogniser that produced it, e.g. {@code "deepgram"}
 */
public record Transcript(
    String speaker,
    String participantIdentity,
    String text,
    long startMs,
    long endMs,
    boolean isFinal,
    @Nullable String language,
    @Nullable Double confidence,
    List<Word> words,
    String segmentId,
    String provider) {

  /**
   * Latest time accepted anywhere on a timeline, in milliseconds: about 100 years. Far beyond any
   * session, and far enough below {@code Long.MAX_VALUE} that no arithmetic on it overflows; what a
   * provider reports beyond it (say {@code "start": 1e308}) is refused.
   */
  public static final long MAX_TIME_MS = 100L * 36_525 * 86_400_000 / 100;

  /**
   * @throws IllegalArgumentException if a time is negative, beyond {@link #MAX_TIME_MS}, or {@code
   *     endMs < startMs}
   */
  public Transcript {
    Objects.requireNonNull(speaker, "speaker == null");
    Objects.requireNonNull(participantIdentity, "participantIdentity == null");
    Objects.requireNonNull(text, "text == null");
    Objects.requireNonNull(segmentId, "segmentId == null");
    Objects.requireNonNull(provider, "provider == null");
    speaker = DisplayText.clean(speaker, DisplayText.MAX_NAME);
    participantIdentity = DisplayText.clean(participantIdentity, DisplayText.MAX_NAME);
    text = DisplayText.clean(text, DisplayText.MAX_TEXT);
    language = language == null ? null : DisplayText.clean(language, DisplayText.MAX_NAME);
    segmentId = DisplayText.clean(segmentId, DisplayText.MAX_TEXT);
    provider = DisplayText.clean(provider, DisplayText.MAX_NAME);
    words = List.copyOf(words);
    checkTimes(startMs, endMs);
    confidence = confidence(confidence);
  }

  static void checkTimes(long startMs, long endMs) {
    if (startMs < 0) {
      throw new IllegalArgumentException("startMs " + startMs + " is negative");
    }
    if (endMs > MAX_TIME_MS) {
      throw new IllegalArgumentException(
          "endMs " + endMs + " is beyond " + MAX_TIME_MS + " (about 100 years)");
    }
    if (endMs < startMs) {
      throw new IllegalArgumentException("endMs " + endMs + " < startMs " + startMs);
    }
  }

  static @Nullable Double confidence(@Nullable Double c) {
    if (c == null || c.isNaN()) {
      return null;
    }
    return Math.max(0.0, Math.min(1.0, c));
  }

  /** Duration in milliseconds. */
  public long durationMs() {
    return endMs - startMs;
  }
}
