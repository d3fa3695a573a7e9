package dev.audiopipeline;

import dev.audiopipeline.spi.Secrets;
import org.jspecify.annotations.Nullable;

/**
 * The root of every exception Audio Pipeline throws or delivers through {@code onError}. Unchecked:
 * checked exceptions from the libraries underneath (IOException, webrtc-java's {@code throws
 * Exception}) are wrapped at the module boundary.
 *
 * <p>Programming errors (null arguments, values out of range, calls after {@code close()}) are
 * reported the usual Java way, with {@link NullPointerException}, {@link IllegalArgumentException}
 * and {@link IllegalStateException}, thrown at once at the call that was wrong.
 *
 * <p>Never carries a secret: the message is {@linkplain Secrets#redact redacted} (registered keys
 * and tokens, credential-shaped values) and the cause chain is {@linkplain Secrets#sanitize
 * sanitised} (a cause whose message holds a secret, such as OkHttp's "Unexpected char ... in header
 * value: ...", is replaced by a copy with the redacted message, the original class name and stack
 * trace).
 */
public class AudioPipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Longest message kept; longer ones (server text) are cut. */
  static final int MAX_MESSAGE = 2000;

  public AudioPipelineException(String message) {
    super(clean(message));
  }

  public AudioPipelineException(String message, @Nullable Throwable cause) {
    super(clean(message), Secrets.sanitize(cause));
  }

  /** Redacted, and bounded to {@value #MAX_MESSAGE} characters. */
  private static @Nullable String clean(@Nullable String message) {
    String m = Secrets.redact(message);
    return m == null || m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE) + "…";
  }

  /** Sets the cause once, {@linkplain Secrets#sanitize sanitised} like the constructor's. */
  @Override
  public synchronized Throwable initCause(@Nullable Throwable cause) {
    return super.initCause(Secrets.sanitize(cause));
  }
}
