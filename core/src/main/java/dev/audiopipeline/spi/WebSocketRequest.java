package dev.audiopipeline.spi;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * What to open: a {@code ws://} or {@code wss://} URI plus request headers. Immutable. {@link
 * #toString()} never shows header values nor the query string (they may carry keys or tokens).
 */
public final class WebSocketRequest {
  private final URI uri;
  private final Map<String, String> headers;
  private final List<String> subprotocols;

  private WebSocketRequest(URI uri, Map<String, String> headers, List<String> subprotocols) {
    this.uri = uri;
    this.headers = headers;
    this.subprotocols = subprotocols;
  }

  /** A request with headers; header names keep their case, values must not be null. */
  public static WebSocketRequest of(URI uri, Map<String, String> headers) {
    return new WebSocketRequest(uri, headers, List.of());
  }

  /** A request with headers and a {@code Sec-WebSocket-Protocol} list. */
  public static WebSocketRequest of(
      URI uri, Map<String, String> headers, List<String> subprotocols) {
    return new WebSocketRequest(uri, headers, subprotocols);
  }


  public URI uri() {
    return uri;
  }

  public Map<String, String> headers() {
    return Map.copyOf(headers);
  }

  public List<String> subprotocols() {
    return List.copyOf(subprotocols);
  }

  /** Scheme, host, port and path only: no query, no header values. */
  public String redactedUri() {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
        + uri.getPath();
  }

  @Override
  public String toString() {
    return "WebSocketRequest{" + redactedUri() + ", headers=" + headers.keySet() + "}";
  }
}
