package dev.audiopipeline;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Per-session settings the pipeline passes to {@link SttProvider#openSession}.
 *
 * @param streamId the speaker stream's id, for thread names, logs and metrics
 * @param speaker the speaker's label
 * @param language BCP-47 code (e.g. {@code "en"}), or {@code null} for the provider's default or
 *     detection
 * @param listener metrics listener; providers report connects, reconnects and drops through it
 */
public record SttSessionOptions(
    String streamId, String speaker, @Nullable String language, PipelineListener listener) {
  public SttSessionOptions {
    Objects.requireNonNull(streamId, "streamId == null");
    Objects.requireNonNull(speaker, "speaker == null");
    Objects.requireNonNull(listener, "listener == null");
  }

  /** Options for a stand-alone session (tests, tools): no language, no metrics. */
  public static SttSessionOptions of(String streamId) {
    return new SttSessionOptions(streamId, streamId, null, PipelineListener.NONE);
  }
}
