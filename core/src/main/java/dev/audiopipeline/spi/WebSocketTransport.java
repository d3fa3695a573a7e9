package dev.audiopipeline.spi;

/**
 * Opens WebSockets. Provider modules implement it over their HTTP client (OkHttp); tests and other
 * stacks can bring their own. Implementations are thread-safe and shared by all sessions of a
 * provider.
 */
public interface WebSocketTransport {
  /**
   * Starts opening {@code request} and returns at once; the outcome arrives on {@code handler}.
   *
   * @return a handle usable to cancel before the open completes
   */
  WebSocketConnection open(WebSocketRequest request, WebSocketHandler handler);
}
