package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;

/**
 * A speech recogniser: opens one {@link SttSession} per speaker stream. Implementations are
 * thread-safe and long-lived; share one provider across sessions (it owns shared resources such as
 * an HTTP client or a loaded model) and close it when the application is done with it.
 */
public interface SttProvider extends AutoCloseable {
  /** Short lowercase name used in transcripts, logs and errors, e.g. {@code "deepgram"}. */
  String name();

  /** The audio format {@link SttSession#send} expects; the pipeline converts to it. */
  AudioFormat inputFormat();

  /**
   * Opens a streaming session. Returns at once; connection happens in the background and failures
   * arrive as {@link TranscriptEvent.Failed}. Audio sent before the connection is up is buffered.
   *
   * @param listener receives events from the provider's threads; must be fast and must not throw
   */
  SttSession openSession(SttSessionOptions options, SttSession.Listener listener);

  /** Releases shared resources. Sessions still open are closed. Idempotent. */
  @Override
  default void close() {}
}
