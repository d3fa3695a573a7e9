package dev.audiopipeline.examples.live;

/**
 * Where {@code --serve} listens: {@code PORT} means 127.0.0.1 (this machine only); {@code
 * HOST:PORT} binds elsewhere on purpose (e.g. {@code 0.0.0.0:8080} for the local network). Port 0
 * takes any free port (printed).
 */
public record ServeAddress(String host, int port) {
  /** The default host: loopback only. */
  public static final String LOOPBACK = "127.0.0.1";

  /**
   * Parses an option value.
   *
   * @throws IllegalArgumentException naming the option, the value and what is accepted
   */
  public static ServeAddress parse(String value, String option) {
    String host = LOOPBACK;
    String port = value;
    int colon = value.lastIndexOf(':');
    if (colon >= 0) {
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (host.isBlank()) {
        throw new IllegalArgumentException(
            option + " '" + value + "': the host before ':' is empty; accepted PORT or HOST:PORT");
      }
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(
          option
              + " '"
              + value
              + "' is not a port: accepted PORT (0-65535, 0 for any free port, on 127.0.0.1)"
              + " or HOST:PORT");
    }
    return new ServeAddress(host, p);
  }
}
