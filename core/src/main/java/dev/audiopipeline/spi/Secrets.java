package dev.audiopipeline.spi;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one redaction rule of the library: API keys and tokens never reach a log line, an exception
 * message, a cause chain or a {@code toString()}.
 *
 * <ol>
 *   <li><b>Known secrets.</b> Every component that holds a credential (a provider's API key, a
 *       LiveKit token or API secret) {@link #register registers} it when it is configured. {@link
 *       #redact} replaces each registered secret, wherever it appears, with {@value #MASK}.
 *   <li><b>Generic patterns.</b> {@link #redact} also masks what looks like a credential even when
 *       nobody registered it: the value after {@code Authorization}, {@code xi-api-key}, {@code
 *       api_key}, {@code token}, {@code access_token}, {@code secret}, {@code password} (header,
 *       JSON or query-parameter form), {@code Bearer}/{@code Token}/{@code Basic} credentials, JWTs
 *       and the user-info part of URLs.
 *   <li><b>Server text is bounded.</b> {@link #serverText} redacts, replaces control characters (no
 *       forged log lines) and truncates to {@value #MAX_SERVER_TEXT} characters.
 *   <li><b>Exceptions.</b> {@link dev.audiopipeline.AudioPipelineException} redacts its message and
 *       passes its cause through {@link #sanitize}: a cause chain whose messages contain a secret
 *       (OkHttp echoes header values in its own messages) is replaced by copies with redacted
 *       messages that keep the original class name and stack trace.
 *   <li><b>Credentials are checked up front.</b> {@link #checkCredential} trims a key and refuses
 *       any character that is not printable ASCII, naming the character and its position, never the
 *       key.
 * </ol>
 *
 * <p>The registry is process-wide (any code that builds a message may hold a secret's text without
 * knowing whose it is) and bounded: it keeps the {@value #MAX_KNOWN} most recently registered
 * secrets. Values shorter than {@value #MIN_LENGTH} characters are not registered (masking them
 * everywhere would mangle ordinary text); the generic patterns still apply. Thread-safe.
 */
public final class Secrets {
  /** What a secret is replaced with. */
  public static final String MASK = "***";

  /** Shorter values are not registered. */
  public static final int MIN_LENGTH = 8;

  /** Most secrets the registry keeps; beyond it the oldest registration is forgotten. */
  public static final int MAX_KNOWN = 1024;

  /** Characters of server text kept by {@link #serverText}. */
  public static final int MAX_SERVER_TEXT = 300;

  private static final Object LOCK = new Object();
  private static final LinkedHashSet<String> KNOWN = new LinkedHashSet<>();

  /** Snapshot of {@link #KNOWN}, longest first (a secret containing another is masked whole). */
  private static volatile String[] known = new String[0];

  private static final String NAMES =
      "(?:proxy-)?authorization|[a-z0-9_-]*api[_-]?key|[a-z0-9_-]*token|[a-z0-9_-]*secret"
          + "|password|passwd|credentials?|cookie|set-cookie";

  /** {@code name: value}, {@code name=value}, {@code "name":"value"}, {@code name value: value}. */
  private static final Pattern NAMED =
      Pattern.compile(
          "(?i)(?<![a-z0-9_-])("
              + NAMES
              + ")(\\s+value)?(\"?\\s*[:=]\\s*\"?\\s*)"
              + "((?:bearer|token|basic)\\s+)?([^\\s\"'&<>,;)\\]}]+)");

  /** {@code Bearer x} with a credential-shaped value. */
  private static final Pattern BEARER =
      Pattern.compile("(?i)(?<![a-z0-9])(bearer)\\s+[A-Za-z0-9._~+/=-]{8,}");

  /**
   * {@code Token x} / {@code Basic x} (Deepgram's and HTTP basic schemes): only a long value with a
   * digit or underscore, so that prose ("token verification failed") survives.
   */
  private static final Pattern TOKEN_SCHEME =
      Pattern.compile(
          "(?<![A-Za-z0-9])(Token|Basic|token|basic|TOKEN|BASIC)\\s+"
              + "(?=[A-Za-z0-9._~+/=-]*[0-9_])[A-Za-z0-9._~+/=-]{16,}");

  /** A JWT: base64url {@code {"...} header, payload, signature. */
  private static final Pattern JWT =
      Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

  /** {@code scheme://user:password@} */
  private static final Pattern USER_INFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/\\s@?#]+@");

  private Secrets() {}

  /**
   * Registers a credential so that {@link #redact} masks it everywhere. Surrounding whitespace is
   * ignored; values shorter than {@value #MIN_LENGTH} characters are not registered. Idempotent.
   */
  public static void register(@Nullable String secret) {
    if (secret == null) {
      return;
    }
    String s = secret.strip();
    if (s.length() < MIN_LENGTH) {
      return;
    }
    synchronized (LOCK) {
      if (!KNOWN.remove(s) && KNOWN.size() >= MAX_KNOWN) {
        KNOWN.remove(KNOWN.iterator().next());
      }
      KNOWN.add(s); // most recent last; the raw form contains it, so masking s covers both
      List<String> sorted = new ArrayList<>(KNOWN);
      sorted.sort((x, y) -> Integer.compare(y.length(), x.length()));
      known = sorted.toArray(new String[0]);
    }
  }

  /**
   * The text with every registered secret and every credential-shaped value replaced by {@value
   * #MASK}. {@code null} stays {@code null}.
   */
  public static @Nullable String redact(@Nullable String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String s : known) {
      if (out.contains(s)) {
        out = out.replace(s, MASK);
      }
    }
    out =
        replace(
            NAMED,
            out,
            m ->
                m.group(1)
                    + (m.group(2) == null ? "" : m.group(2))
                    + m.group(3)
                    + (m.group(4) == null ? "" : m.group(4))
                    + MASK);
    out = replace(BEARER, out, m -> m.group(1) + " " + MASK);
    out = replace(TOKEN_SCHEME, out, m -> m.group(1) + " " + MASK);
    out = replace(JWT, out, m -> MASK);
    out = replace(USER_INFO, out, m -> m.group(1) + MASK + "@");
    return out;
  }

  private interface Replacer {
    String apply(Matcher m);
  }

  private static String replace(Pattern p, String text, Replacer r) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    do {
      m.appendReplacement(sb, Matcher.quoteReplacement(r.apply(m)));
    } while (m.find());
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * Text a peer sent (an error body, a close reason, a message we could not parse), made fit for a
   * log line or an exception message: {@linkplain #redact redacted}, control characters replaced by
   * spaces, cut to {@value #MAX_SERVER_TEXT} characters (with "…" when cut).
   */
  public static String serverText(@Nullable String text) {
    if (text == null) {
      return "";
    }
    String r = Objects.requireNonNull(redact(text));
    StringBuilder sb = new StringBuilder(Math.min(r.length(), MAX_SERVER_TEXT + 1));
    for (int i = 0; i < r.length() && sb.length() < MAX_SERVER_TEXT; i++) {
      char c = r.charAt(i);
      sb.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (r.length() > MAX_SERVER_TEXT) {
      if (Character.isHighSurrogate(sb.charAt(sb.length() - 1))) {
        sb.setLength(sb.length() - 1);
      }
      sb.append('…');
    }
    return sb.toString();
  }

  /**
   * A URL fit to show: scheme, host, port and path only (no user info, query or fragment). Text
   * that does not parse as a URI is cut at the first {@code ?} or {@code #}, redacted and bounded.
   */
  public static String safeUrl(@Nullable String url) {
    if (url == null) {
      return "null";
    }
    try {
      URI u = new URI(url.strip());
      if (u.getScheme() != null && u.getHost() != null) {
        return u.getScheme()
            + "://"
            + u.getHost()
            + (u.getPort() >= 0 ? ":" + u.getPort() : "")
            + (u.getRawPath() == null ? "" : serverText(u.getRawPath()));
      }
    } catch (java.net.URISyntaxException e) {
      // fall through: show what is safe of it
    }
    String s = url;
    int cut = indexOfAny(s, '?', '#');
    if (cut >= 0) {
      s = s.substring(0, cut) + "?" + MASK;
    }
    return serverText(replace(USER_INFO, s, m -> m.group(1) + MASK + "@"));
  }

  private static int indexOfAny(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Checks a credential before it is used: trims surrounding whitespace and refuses a value that is
   * empty or contains anything but printable ASCII ({@code !} to {@code ~}): a space, a line break,
   * a zero-width space pasted with it, a typographic quote. The message names the character, its
   * code point and its position, never the value. The checked value is also {@linkplain #register
   * registered}.
   *
   * @param name what the user set, e.g. {@code "DEEPGRAM_API_KEY"} or {@code "apiKey"}
   * @return the trimmed value
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if it is empty or contains a character outside printable ASCII
   */
  public static String checkCredential(String name, @Nullable String value) {
    Objects.requireNonNull(value, name + " == null");
    register(value); // also when refused: the raw value may reach a message elsewhere
    String v = value.strip();
    if (v.isEmpty()) {
      throw new IllegalArgumentException(name + " is empty: give the key or token itself");
    }
    int pos = 0;
    for (int i = 0; i < v.length(); i += Character.charCount(v.codePointAt(i))) {
      pos++;
      int cp = v.codePointAt(i);
      if (cp < 0x21 || cp > 0x7e) {
        int total = v.codePointCount(0, v.length());
        throw new IllegalArgumentException(
            "your "
                + name
                + " contains "
                + describe(cp)
                + " ("
                + String.format(Locale.ROOT, "U+%04X", cp)
                + " at position "
                + pos
                + " of "
                + total
                + "); paste it again: keys and tokens are printable ASCII only");
      }
    }
    return v;
  }

  private static String describe(int cp) {
    if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
      return "a space or line break";
    }
    int type = Character.getType(cp);
    if (Character.isISOControl(cp)
        || type == Character.FORMAT
        || type == Character.UNASSIGNED
        || type == Character.PRIVATE_USE
        || type == Character.SURROGATE) {
      return "an invisible character";
    }
    return "a character that is not printable ASCII";
  }

  /**
   * The throwable itself when no message in its cause chain (suppressed included) needs redacting;
   * otherwise a copy of the chain in which each throwable is replaced by one of the same kind
   * ({@link IOException}, {@link RuntimeException} or {@link Exception}) with the redacted message,
   * the original stack trace, and a {@code toString()} naming the original class.
   */
  public static @Nullable Throwable sanitize(@Nullable Throwable t) {
    if (t == null || isClean(t, Collections.newSetFromMap(new IdentityHashMap<>()))) {
      return t;
    }
    return copy(t, new IdentityHashMap<>());
  }

  /** {@link #sanitize} keeping the static type of an {@link IOException}. */
  public static @Nullable IOException sanitize(@Nullable IOException e) {
    return (IOException) sanitize((Throwable) e);
  }

  private static boolean isClean(Throwable t, Set<Throwable> seen) {
    if (!seen.add(t)) {
      return true;
    }
    String m = safeMessage(t);
    if (m != null && !m.equals(redact(m))) {
      return false;
    }
    for (Throwable s : t.getSuppressed()) {
      if (!isClean(s, seen)) {
        return false;
      }
    }
    Throwable c = t.getCause();
    return c == null || isClean(c, seen);
  }

  private static @Nullable String safeMessage(Throwable t) {
    try {
      return t.getMessage();
    } catch (RuntimeException e) {
      return "(message unavailable: " + e.getClass().getName() + ")";
    }
  }

  private static Throwable copy(Throwable t, Map<Throwable, Throwable> done) {
    Throwable existing = done.get(t);
    if (existing != null) {
      return existing;
    }
    String message = redact(safeMessage(t));
    String original = t.getClass().getName();
    Throwable c;
    if (t instanceof Redacted) {
      c = t; // already a sanitised copy; its message was redacted when it was made
      done.put(t, c);
      return c;
    } else if (t instanceof IOException) {
      c = new RedactedIOException(original, message);
    } else if (t instanceof RuntimeException) {
      c = new RedactedRuntimeException(original, message);
    } else {
      c = new RedactedException(original, message);
    }
    done.put(t, c);
    c.setStackTrace(t.getStackTrace());
    Throwable cause = t.getCause();
    if (cause != null && cause != t) {
      c.initCause(copy(cause, done));
    }
    for (Throwable s : t.getSuppressed()) {
      c.addSuppressed(copy(s, done));
    }
    return c;
  }

  /** A sanitised copy of a throwable whose message held a secret. */
  private interface Redacted {}

  private static String describeCopy(String original, @Nullable String message) {
    return original + " (message redacted)" + (message == null ? "" : ": " + message);
  }

  private static final class RedactedIOException extends IOException implements Redacted {
    private static final long serialVersionUID = 1L;
    private final String original;

    RedactedIOException(String original, @Nullable String message) {
      super(message);
      this.original = original;
    }

    @Override
    public String toString() {
      return describeCopy(original, getMessage());
    }
  }

  private static final class RedactedRuntimeException extends RuntimeException implements Redacted {
    private static final long serialVersionUID = 1L;
    private final String original;

    RedactedRuntimeException(String original, @Nullable String message) {
      super(message);
      this.original = original;
    }

    @Override
    public String toString() {
      return describeCopy(original, getMessage());
    }
  }

  private static final class RedactedException extends Exception implements Redacted {
    private static final long serialVersionUID = 1L;
    private final String original;

    RedactedException(String original, @Nullable String message) {
      super(message);
      this.original = original;
    }

    @Override
    public String toString() {
      return describeCopy(original, getMessage());
    }
  }
}
