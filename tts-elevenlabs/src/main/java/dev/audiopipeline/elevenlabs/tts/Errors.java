package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.QuotaExceededException;
import dev.audiopipeline.spi.Secrets;
import java.io.IOException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Turns what ElevenLabs said (HTTP error bodies, WebSocket error messages and closes) into
 * exceptions.
 */
final class Errors {
  static final String PROVIDER = "elevenlabs";

  /** The inactivity close reason starts with this. */
  static final String INACTIVITY_PREFIX = "Have not received a new text input";

  private Errors() {}

  /**
   * An HTTP error response.
   *
   * @param body the response body (JSON {@code {"detail":{"status","message"}}} or 422 {@code
   *     {"detail":[…]}}), possibly empty
   */
  static ProviderException fromHttp(ObjectMapper json, int status, String body, String apiKey) {
    String type = null;
    String message = null;
    try {
      JsonNode root = json.readTree(body.isEmpty() ? "{}" : body);
      JsonNode detail = root.path("detail");
      if (detail.isObject()) {
        type = textOrNull(detail.get("status"));
        if (type == null) {
          type = textOrNull(detail.get("code"));
        }
        message = textOrNull(detail.get("message"));
      } else if (detail.isArray()) {
        type = "validation_error";
        StringBuilder sb = new StringBuilder();
        for (JsonNode d : detail) {
          if (sb.length() > 0) {
            sb.append("; ");
          }
          sb.append(d.path("loc").toString()).append(": ").append(d.path("msg").asText());
        }
        message = sb.toString();
      } else if (detail.isTextual()) {
        message = detail.asText();
      }
    } catch (IOException notJson) {
      message = body; // bounded by redact() below, after the key is masked
    }
    if (message == null || message.isBlank()) {
      message = "request failed";
    }
    message = redact(message, apiKey);
    String lowerType = type == null ? "" : type.toLowerCase(Locale.ROOT);
    if (status == 402 || lowerType.contains("quota") || lowerType.contains("payment")) {
      return new QuotaExceededException(
          PROVIDER, message, status, ProviderException.NONE, type, null);
    }
    if (status == 401 || status == 403) {
      return new AuthenticationException(
          PROVIDER, message, status, ProviderException.NONE, type, null);
    }
    boolean retryable = status == 429 || status == 408 || status >= 500;
    return new ProviderException(
        PROVIDER, message, status, ProviderException.NONE, type, retryable, null);
  }

  /** A WebSocket handshake refused with an HTTP status. */
  static ProviderException fromHandshake(
      ObjectMapper json, int status, String body, String apiKey) {
    return fromHttp(json, status, body, apiKey);
  }

  /**
   * The server closed the socket (or sent an error message before closing).
   *
   * @param errorType the {@code error} field of an error message received before the close, if any
   * @param errorMessage its {@code message}, if any
   */
  static ProviderException fromClose(
      int code,
      String reason,
      @Nullable String errorType,
      @Nullable String errorMessage,
      String apiKey) {
    String message = errorMessage != null && !errorMessage.isBlank() ? errorMessage : reason;
    if (message.isBlank()) {
      message = "the server closed the connection before the utterance finished";
    }
    message = redact(message, apiKey);
    String type = errorType;
    String lower = (message + " " + (type == null ? "" : type)).toLowerCase(Locale.ROOT);
    if (lower.contains("quota") || lower.contains("credits")) {
      return new QuotaExceededException(
          PROVIDER,
          message,
          ProviderException.NONE,
          code,
          type == null ? "quota_exceeded" : type,
          null);
    }
    if (lower.contains("api key")
        || lower.contains("api_key")
        || lower.contains("unauthorized")
        || lower.contains("authoriz")) {
      return new AuthenticationException(
          PROVIDER,
          message,
          ProviderException.NONE,
          code,
          type == null ? "invalid_api_key" : type,
          null);
    }
    boolean retryable;
    if (message.startsWith(INACTIVITY_PREFIX)) {
      type = type == null ? "inactivity_timeout" : type;
      retryable = false;
    } else if (lower.contains("maximum simultaneous contexts")
        || "max_active_conversations".equals(type)) {
      type = type == null ? "max_active_conversations" : type;
      retryable = true;
    } else if (code == 1009) {
      message = message + " (ElevenLabs reports a voice/model mismatch this way)";
      retryable = false;
    } else {
      retryable =
          code == 1000
              || code == 1001
              || code == 1006
              || code == 1011
              || code == 1012
              || code == 1013;
    }
    return new ProviderException(
        PROVIDER, message, ProviderException.NONE, code, type, retryable, null);
  }

  /**
   * Server text made fit for a log line or an exception: the key (also when shorter than {@link
   * Secrets#MIN_LENGTH}) and every credential-shaped value masked, bounded ({@link
   * Secrets#serverText}).
   */
  static String redact(String text, String apiKey) {
    String t =
        apiKey.length() >= 4 && text.contains(apiKey) ? text.replace(apiKey, Secrets.MASK) : text;
    return Secrets.serverText(t);
  }

  static @Nullable String textOrNull(@Nullable JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
  }
}
