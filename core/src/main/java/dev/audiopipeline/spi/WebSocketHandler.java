package dev.audiopipeline.spi;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Callbacks of one WebSocket, called by the transport's threads, one at a time and in order.
 * Implementations never block.
 */
public interface WebSocketHandler {
  /** The upgrade succeeded. {@code responseHeaders} keys are lower case. */
  void onOpen(WebSocketConnection connection, Map<String, String> responseHeaders);

  /** A text frame arrived. */
  void onText(String text);

  /** A binary frame arrived. */
  void onBinary(byte[] data);

  /** The peer sent a close frame. The transport answers it; {@link #onClosed} follows. */
  void onClosing(int code, String reason);

  /** The connection is fully closed. */
  void onClosed(int code, String reason);

  /**
   * The upgrade was refused or the connection failed. No other callback follows.
   *
   * @param response the HTTP response when the server refused the upgrade, else {@code null}
   */
  void onFailure(Throwable error, @Nullable HttpFailure response);

  /**
   * A refused upgrade: status, body (truncated to a few KiB) and lower-case headers.
   *
   * @param status HTTP status code
   * @param body the response body as text, possibly empty
   * @param headers response headers with lower-case names
   */
  record HttpFailure(int status, String body, Map<String, String> headers) {
    public HttpFailure {
      headers = Map.copyOf(headers);
    }

    /**
     * Status, the body as {@link Secrets#serverText} (a proxy may echo keys), header names only.
     */
    @Override
    public String toString() {
      return "HttpFailure{status="
          + status
          + ", body="
          + Secrets.serverText(body)
          + ", headers="
          + new java.util.TreeSet<>(headers.keySet())
          + "}";
    }
  }
}
