package dev.audiopipeline;

import org.jspecify.annotations.Nullable;

/**
 * A speech provider (recogniser or voice) refused or failed a request. Carries what the provider
 * said: its name, the HTTP status or WebSocket close code, and the provider's own error type. Never
 * carries an API key or token: the message and the error type are {@linkplain
 * dev.audiopipeline.spi.Secrets#redact redacted} (see {@link AudioPipelineException}), and the
 * error type, which is server text, is cut to 100 characters.
 */
public class ProviderException extends AudioPipelineException {
  private static final long serialVersionUID = 1L;

  /** Sentinel for "no HTTP status" / "no close code". */
  public static final int NONE = -1;

  private final String provider;
  private final int httpStatus;
  private final int closeCode;
  private final @Nullable String errorType;
  private final boolean retryable;

  public ProviderException(
      String provider,
      String message,
      int httpStatus,
      int closeCode,
      @Nullable String errorType,
      boolean retryable,
      @Nullable Throwable cause) {
    super(describe(provider, message, httpStatus, closeCode, safeType(errorType)), cause);
    this.provider = provider;
    this.httpStatus = httpStatus;
    this.closeCode = closeCode;
    this.errorType = safeType(errorType);
    this.retryable = retryable;
  }

  private static @Nullable String safeType(@Nullable String errorType) {
    if (errorType == null) {
      return null;
    }
    String t = dev.audiopipeline.spi.Secrets.serverText(errorType);
    return t.length() > 100 ? t.substring(0, 100) + "…" : t;
  }

  private static String describe(
      String provider, String message, int httpStatus, int closeCode, @Nullable String errorType) {
    StringBuilder sb = new StringBuilder(provider).append(": ").append(message);
    if (httpStatus != NONE) {
      sb.append(" (HTTP ").append(httpStatus).append(')');
    }
    if (closeCode != NONE) {
      sb.append(" (close code ").append(closeCode).append(')');
    }
    if (errorType != null) {
      sb.append(" [").append(errorType).append(']');
    }
    return sb.toString();
  }

  /** The provider's name, e.g. {@code "deepgram"}. */
  public String provider() {
    return provider;
  }

  /** The HTTP status, or {@link #NONE}. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The WebSocket close code, or {@link #NONE}. */
  public int closeCode() {
    return closeCode;
  }

  /** The provider's own error type or code (e.g. {@code "auth_error"}), if it sent one. */
  public @Nullable String errorType() {
    return errorType;
  }

  /** Whether trying again later may succeed (rate limits, server errors, dropped connections). */
  public boolean isRetryable() {
    return retryable;
  }
}
