package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import org.jspecify.annotations.Nullable;

/**
 * The LiveKit server refused the bot or ended its participation: the join was answered with a
 * leave, the bot was removed, or its connection could not be negotiated. {@link #reason()} is the
 * server's {@code DisconnectReason} name (e.g. {@code DUPLICATE_IDENTITY}, {@code
 * PARTICIPANT_REMOVED}) when the server gave one.
 */
public class LiveKitRoomException extends AudioPipelineException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String reason;

  public LiveKitRoomException(String message, @Nullable String reason, @Nullable Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** The server's disconnect reason, if it gave one. */
  public @Nullable String reason() {
    return reason;
  }
}
