package dev.audiopipeline;

import org.jspecify.annotations.Nullable;

/** A {@link TtsProvider} that can also speak text that arrives in pieces. */
public interface StreamingTtsProvider extends TtsProvider {
  /**
   * Opens an utterance whose text will be {@link TtsStream#append appended} in pieces.
   *
   * @param voice provider-specific voice id, or {@code null} for the configured default
   */
  TtsStream openStream(@Nullable String voice);
}
