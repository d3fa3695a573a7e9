package dev.audiopipeline.internal.runtime;

/**
 * Makes text from outside (a recogniser's transcript, a participant identity) safe to print on a
 * terminal and to write into caption files: one line of printable characters, of bounded length.
 *
 * <ul>
 *   <li>ANSI/ECMA-48 escape sequences are removed whole: CSI ({@code ESC [} or U+009B, up to the
 *       final byte), OSC, DCS, SOS, PM and APC strings (up to BEL or ST), and two-character
 *       escapes;
 *   <li>every other C0 and C1 control character and DEL is removed, except tab, line feed, carriage
 *       return, form feed, vertical tab and NEL, which become a space (as do U+2028 and U+2029);
 *   <li>the bidirectional embedding, override and isolate controls (U+202A..U+202E,
 *       U+2066..U+2069), which can reorder what follows them on a line, are removed;
 *   <li>an unpaired surrogate becomes U+FFFD;
 *   <li>text longer than the limit is cut (at a code point boundary) and ends with "…".
 * </ul>
 *
 * <p>Text that needs none of this is returned as the same instance, so cleaning twice costs one
 * scan.
 */
public final class DisplayText {
  /** Longest recognised text kept, in chars. */
  public static final int MAX_TEXT = 16_384;

  /** Longest name (speaker label, identity, language) kept, in chars. */
  public static final int MAX_NAME = 256;

  /** Longest word kept, in chars. */
  public static final int MAX_WORD = 1_024;

  private static final char ESC = 0x1b;
  private static final char BEL = 0x07;
  private static final char C1_CSI = 0x9b;
  private static final char C1_ST = 0x9c;

  private DisplayText() {}

  /** {@code s} made safe, at most {@code max} chars. */
  public static String clean(String s, int max) {
    if (isClean(s, max)) {
      return s;
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), max + 1));
    int n = s.length();
    int i = 0;
    while (i < n && sb.length() <= max) {
      char c = s.charAt(i);
      if (c == ESC) {
        i = skipEscape(s, i + 1);
        continue;
      }
      if (c == C1_CSI) {
        i = skipCsi(s, i + 1);
        continue;
      }
      if (c == 0x90 || c == 0x98 || c == 0x9d || c == 0x9e || c == 0x9f) { // DCS SOS OSC PM APC
        i = skipString(s, i + 1);
        continue;
      }
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(i + 1));
        i += 2;
        continue;
      }
      i++;
      if (Character.isSurrogate(c)) {
        sb.append('\ufffd');
      } else if (isBreakOrTab(c)) {
        sb.append(' ');
      } else if (!isDropped(c)) {
        sb.append(c);
      }
    }
    if (sb.length() > max || i < n) {
      int cut = Math.max(0, max - 1);
      if (cut > 0
          && Character.isLowSurrogate(sb.charAt(cut))
          && Character.isHighSurrogate(sb.charAt(cut - 1))) {
        cut--;
      }
      sb.setLength(cut);
      sb.append('…');
    }
    return sb.toString();
  }

  /** Whether {@link #clean} would return {@code s} itself. */
  static boolean isClean(String s, int max) {
    if (s.length() > max) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20
          || (c >= 0x7f && c <= 0x9f)
          || c == '\u2028'
          || c == '\u2029'
          || (c >= '\u202a' && c <= '\u202e')
          || (c >= '\u2066' && c <= '\u2069')) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBreakOrTab(char c) {
    return c == '\t'
        || c == '\n'
        || c == '\r'
        || c == 0x0b
        || c == 0x0c
        || c == 0x85
        || c == '\u2028'
        || c == '\u2029';
  }

  private static boolean isDropped(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }

  /** After ESC at {@code i - 1}: the index after the whole sequence. */
  private static int skipEscape(String s, int i) {
    if (i >= s.length()) {
      return i;
    }
    char c = s.charAt(i);
    if (c == '[') {
      return skipCsi(s, i + 1);
    }
    if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
      return skipString(s, i + 1);
    }
    // nF sequences: intermediates 0x20..0x2F, then one final byte 0x30..0x7E
    while (i < s.length() && s.charAt(i) >= 0x20 && s.charAt(i) <= 0x2f) {
      i++;
    }
    if (i < s.length() && s.charAt(i) >= 0x30 && s.charAt(i) <= 0x7e) {
      i++;
    }
    return i;
  }

  /** CSI parameters and intermediates (0x20..0x3F), then the final byte (0x40..0x7E). */
  private static int skipCsi(String s, int i) {
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c >= 0x40 && c <= 0x7e) {
        return i;
      }
      if (c < 0x20 || c > 0x3f) {
        return i - 1; // malformed: stop here, the character is handled on its own
      }
    }
    return i;
  }

  /** A control string up to BEL, ESC \ or ST (the terminator included). */
  private static int skipString(String s, int i) {
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c == BEL || c == C1_ST) {
        return i;
      }
      if (c == ESC) {
        return i < s.length() && s.charAt(i) == '\\' ? i + 1 : i - 1;
      }
    }
    return i;
  }
}
