package dev.audiopipeline.testing;

import java.util.Map;
import java.util.TreeMap;
import mockwebserver3.MockResponse;

/**
 * What a misconfigured proxy or debugging gateway answers: an error page that lists the request
 * headers with their values, keys and tokens included. The fakes use it to prove that a provider
 * never repeats such a page verbatim.
 */
final class HeaderEcho {
  private HeaderEcho() {}

  /** An HTML error page echoing {@code headers} (name → value). */
  static String page(int status, Map<String, String> headers) {
    StringBuilder sb = new StringBuilder("<html><body><h1>").append(status).append("</h1><pre>\n");
    new TreeMap<>(headers).forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
    return sb.append("</pre></body></html>").toString();
  }

  /** A refusal with this status and body (HTML content type). */
  static MockResponse response(int status, String body) {
    return new MockResponse.Builder()
        .code(status)
        .addHeader("Content-Type", "text/html; charset=utf-8")
        .body(body)
        .build();
  }
}
