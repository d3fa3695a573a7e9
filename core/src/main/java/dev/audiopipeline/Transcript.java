package dev.audiopipeline;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who said what, when. Immutable.
 *
 * <p>Times are milliseconds on ONE timeline shared by all speakers of a session: 0 is the instant the
 * session started, so transcripts of different speakers order correctly by {@code startMs}.
 *
 * <p>A segment (one utterance of one speaker) produces zero or more partials and then exactly one
 * final, all with the same {@code segmentId}. A partial is the recogniser's current guess and is
 * replaced by the next partial or the final of the same segment.
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

  public Transcript {
    Objects.requireNonNull(speaker, "speaker == null");
    Objects.requireNonNull(participantIdentity, "participantIdentity == null");
    Objects.requireNonNull(text, "text == null");
    Objects.requireNonNull(segmentId, "segmentId == null");
    Objects.requireNonNull(provider, "provider == null");
    words = List.copyOf(words);
    if (endMs < startMs) {
      throw new IllegalArgumentException("endMs " + endMs + " < startMs " + startMs);
    }
  }

  /** Duration in milliseconds. */
  public long durationMs() {
    return endMs - startMs;
  }
}
