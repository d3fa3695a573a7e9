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

  /**
   * Checks a provider's base URL up front, before any session needs it: {@code ws://} or {@code
   * wss://}, a host, optional port and path, no whitespace, query, fragment or user info.
   *
   * @param option what the value is called where the user set it (a builder option or an
   *     environment variable), for the message
   * @return the parsed URI, without a trailing slash
   * @throws IllegalArgumentException naming {@code option}, what is wrong and what is accepted (the
   *     value is shown without any query or user info)
   */
  public static URI checkBaseUrl(String option, String value) {
    String shown = Secrets.safeUrl(value);
    String accepted =
        "; accepted: a ws:// or wss:// URL with a host and optional port and path,"
            + " e.g. wss://api.example.com or ws://127.0.0.1:8080";
    String bad = option + " '" + shown + "' is not a usable base URL: ";
    if (value.isBlank()) {
      throw new IllegalArgumentException(option + " is empty" + accepted);
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (Character.isWhitespace(ch) || Character.isISOControl(ch)) {
        throw new IllegalArgumentException(
            bad + "it contains whitespace or a control character" + " at index " + i + accepted);
      }
    }
    URI uri;
    try {
      uri = new URI(value.replaceAll("/+$", ""));
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(bad + e.getReason() + accepted, e);
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss"))) {
      throw new IllegalArgumentException(bad + "must start with ws:// or wss://" + accepted);
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException(bad + "no host" + accepted);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          bad
              + "a query, fragment or user info is not allowed"
              + " (keys go in the provider's apiKey)"
              + accepted);
    }
    return uri;
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
    return uri.getScheme()
        + "://"
        + uri.getHost()
        + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
        + uri.getPath();
  }

  @Override
  public String toString() {
    return "WebSocketRequest{" + redactedUri() + ", headers=" + headers.keySet() + "}";
  }
}
