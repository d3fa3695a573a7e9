package dev.audiopipeline;

import org.jspecify.annotations.Nullable;

/**
 * A peer sent something we cannot interpret (malformed JSON, an impossible message order). Single
 * malformed messages are logged and skipped; this surfaces only when the session cannot go on.
 */
public class ProtocolException extends AudioPipelineException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
