package dev.audiopipeline;

import org.jspecify.annotations.Nullable;

/** The provider rejected the credentials (HTTP 401/403, an auth error message). Never retried. */
public class AuthenticationException extends ProviderException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(
      String provider,
      String message,
      int httpStatus,
      int closeCode,
      @Nullable String errorType,
      @Nullable Throwable cause) {
    super(provider, message, httpStatus, closeCode, errorType, false, cause);
  }
}
