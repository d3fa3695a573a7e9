package dev.audiopipeline.livekit;

import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * LiveKit's trickle {@code candidateInit}: the JSON of a browser {@code RTCIceCandidateInit}
 * ({@code {"candidate":"candidate:…","sdpMid":"0","sdpMLineIndex":0}}). A flat object of strings
 * and numbers, so a tiny reader is enough and keeps a JSON library out of this module.
 */
final class IceCandidateJson {
  private IceCandidateJson() {}

  static String toJson(RTCIceCandidate c) {
    StringBuilder sb = new StringBuilder(c.sdp.length() + 64);
    sb.append("{\"candidate\":");
    quote(sb, c.sdp.startsWith("candidate:") || c.sdp.isEmpty() ? c.sdp : "candidate:" + c.sdp);
    sb.append(",\"sdpMid\":");
    if (c.sdpMid == null) {
      sb.append("null");
    } else {
      quote(sb, c.sdpMid);
    }
    sb.append(",\"sdpMLineIndex\":").append(c.sdpMLineIndex).append('}');
    return sb.toString();
  }

  /**
   * Parses a candidateInit.
   *
   * @throws IllegalArgumentException if it is not a JSON object with a {@code candidate} string
   */
  static RTCIceCandidate fromJson(String json) {
    Map<String, @Nullable Object> m = parseFlatObject(json);
    Object cand = m.get("candidate");
    if (!(cand instanceof String)) {
      throw new IllegalArgumentException("candidateInit without a candidate string");
    }
    Object mid = m.get("sdpMid");
    Object index = m.get("sdpMLineIndex");
    int mLine = index instanceof Number ? ((Number) index).intValue() : 0;
    return new RTCIceCandidate(mid instanceof String ? (String) mid : "0", mLine, (String) cand);
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Reads one flat JSON object: string, number, boolean and null values; nested values refused. */
  static Map<String, @Nullable Object> parseFlatObject(String json) {
    Reader r = new Reader(json);
    Map<String, @Nullable Object> out = new HashMap<>();
    r.skipWs();
    r.expect('{');
    r.skipWs();
    if (r.peek() == '}') {
      r.pos++;
      return out;
    }
    while (true) {
      r.skipWs();
      String key = r.string();
      r.skipWs();
      r.expect(':');
      r.skipWs();
      out.put(key, r.value());
      r.skipWs();
      char c = r.next();
      if (c == '}') {
        return out;
      }
      if (c != ',') {
        throw r.error("expected , or }");
      }
    }
  }

  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    char peek() {
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      return s.charAt(pos);
    }

    char next() {
      char c = peek();
      pos++;
      return c;
    }

    void expect(char c) {
      if (next() != c) {
        throw error("expected '" + c + "'");
      }
    }

    void skipWs() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    @Nullable Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      if (s.startsWith("true", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      if (start == pos) {
        throw error("unsupported value");
      }
      String num = s.substring(start, pos);
      try {
        return num.contains(".") || num.contains("e") || num.contains("E")
            ? (Object) Double.parseDouble(num)
            : (Object) Long.parseLong(num);
      } catch (NumberFormatException e) {
        throw error("bad number " + num);
      }
    }

    String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("malformed candidateInit JSON at " + pos + ": " + what);
    }
  }
}
