package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;
import java.util.concurrent.Flow;

/**
 * A voice: text in, PCM out as it is produced. Thread-safe and long-lived, like {@link
 * SttProvider}.
 */
public interface TtsProvider extends AutoCloseable {
  /** Short lowercase name, e.g. {@code "elevenlabs"}. */
  String name();

  /** The PCM format of the chunks {@link #synthesize} produces. */
  AudioFormat outputFormat();

  /**
   * Synthesises {@code request}. Nothing happens until a subscriber requests chunks; each
   * subscription is a separate synthesis. Cancelling the subscription stops the work promptly (the
   * user interrupted the bot). Errors arrive once through {@code onError} as an {@link
   * AudioPipelineException}.
   */
  Flow.Publisher<TtsChunk> synthesize(TtsRequest request);

  /** Releases shared resources. Idempotent. */
  @Override
  default void close() {}
}
