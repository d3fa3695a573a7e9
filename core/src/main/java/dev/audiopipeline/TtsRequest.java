package dev.audiopipeline;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What to say, and optionally with which voice and around which text (providers that support it use
 * the neighbouring text for natural prosody across requests).
 *
 * @param text non-blank text to speak
 * @param voice provider-specific voice id, or {@code null} for the provider's configured default
 * @param previousText text spoken just before, for continuity, or {@code null}
 * @param nextText text to be spoken just after, or {@code null}
 */
public record TtsRequest(
    String text, @Nullable String voice, @Nullable String previousText, @Nullable String nextText) {
  public TtsRequest {
    Objects.requireNonNull(text, "text == null");
    if (text.isBlank()) {
      throw new IllegalArgumentException("text is blank: give at least one non-space character");
    }
  }

  /** A request with only the text. */
  public static TtsRequest of(String text) {
    return new TtsRequest(text, null, null, null);
  }

  /** The same request with another voice. */
  public TtsRequest withVoice(@Nullable String voice) {
    return new TtsRequest(text, voice, previousText, nextText);
  }
}
