package dev.audiopipeline;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception Audio Pipeline throws or delivers through {@code onError}. Unchecked:
 * checked exceptions from the libraries underneath (IOException, webrtc-java's {@code throws
 * Exception}) are wrapped at the module boundary.
 *
 * <p>Programming errors (null arguments, values out of range, calls after {@code close()}) are
 * reported the usual Java way, with {@link NullPointerException}, {@link IllegalArgumentException}
 * and {@link IllegalStateException}, thrown at once at the call that was wrong.
 */
public class AudioPipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AudioPipelineException(String message) {
    super(message);
  }

  public AudioPipelineException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
