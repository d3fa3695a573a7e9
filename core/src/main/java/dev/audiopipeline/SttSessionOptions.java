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
 * @param sourceCanWait whether the audio comes from a source that can be slowed down (a file, see
 *     {@link SpeakerStream#canWait()}): then a provider that cannot take audio now (reconnecting,
 *     paced) makes {@link SttSession#send} wait instead of dropping audio. {@code false} (live
 *     audio): {@code send} never waits long; beyond the provider's buffer the oldest audio is
 *     dropped, counted and reported.
 */
public record SttSessionOptions(
    String streamId,
    String speaker,
    @Nullable String language,
    PipelineListener listener,
    boolean sourceCanWait) {
  public SttSessionOptions {
    Objects.requireNonNull(streamId, "streamId == null");
    Objects.requireNonNull(speaker, "speaker == null");
    Objects.requireNonNull(listener, "listener == null");
  }

  /** Options for live audio ({@code sourceCanWait = false}). */
  public SttSessionOptions(
      String streamId, String speaker, @Nullable String language, PipelineListener listener) {
    this(streamId, speaker, language, listener, false);
  }

  /** A copy with {@link #sourceCanWait()} set. */
  public SttSessionOptions withSourceCanWait(boolean canWait) {
    return new SttSessionOptions(streamId, speaker, language, listener, canWait);
  }

  /** Options for a stand-alone session (tests, tools): no language, no metrics. */
  public static SttSessionOptions of(String streamId) {
    return new SttSessionOptions(streamId, streamId, null, PipelineListener.NONE);
  }
}
