package dev.audiopipeline;

import org.jspecify.annotations.Nullable;

/** The account is out of quota or credit (HTTP 402, a quota error message). Never retried. */
public class QuotaExceededException extends ProviderException {
  private static final long serialVersionUID = 1L;

  public QuotaExceededException(
      String provider,
      String message,
      int httpStatus,
      int closeCode,
      @Nullable String errorType,
      @Nullable Throwable cause) {
    super(provider, message, httpStatus, closeCode, errorType, false, cause);
  }
}
