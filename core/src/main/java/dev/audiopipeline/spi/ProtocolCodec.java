package dev.audiopipeline.spi;

import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.QuotaExceededException;
import dev.audiopipeline.TranscriptEvent;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The provider-specific part of a streaming session: one instance per connection (a fresh one for
 * every reconnect, so per-connection state such as commit bookkeeping starts clean). Called by the
 * session ({@link StreamingSessions#open}) under its lock, never concurrently; implementations
 * never block.
 *
 * <p>All times a codec reports are milliseconds on this connection's audio (providers restart at 0
 * on every connection); the session maps them to the speaker's timeline.
 */
public interface ProtocolCodec {

  /** Where and how to connect: URL with query parameters, auth headers. */
  WebSocketRequest request();

  /**
   * Whether the connection may stream as soon as the upgrade succeeds. Return {@code false} when
   * the provider sends a greeting first (ElevenLabs {@code session_started}); the codec then calls
   * {@link Events#ready()}.
   */
  default boolean readyOnOpen() {
    return true;
  }

  /**
   * Sends one chunk of 16-bit little-endian PCM. Returns what the connection's send returned.
   *
   * <p>{@code pcm} is the session's own buffer, lent for the call: read {@code [offset, offset +
   * length)} before returning, never keep nor write it ({@link WebSocketConnection#sendBinary}
   * copies, so passing the range on is fine).
   */
  boolean sendAudio(WebSocketConnection connection, byte[] pcm, int offset, int length);

  /** Idle time after which {@link #keepAliveSilenceMs}/{@link #sendKeepAlive} are used. */
  Duration keepAliveAfter();

  /**
   * How to keep an idle connection alive: a positive number asks the session to send that many
   * milliseconds of silence as audio (accounted for in the audio clock); 0 asks it to call {@link
   * #sendKeepAlive}.
   *
   * @param audioSentOnConnection whether any audio went out on this connection yet
   */
  int keepAliveSilenceMs(boolean audioSentOnConnection);

  /** Sends a provider keep-alive message (never an empty binary frame). */
  default boolean sendKeepAlive(WebSocketConnection connection) {
    return true;
  }

  /** End of an utterance: asks for finals for the audio sent so far (commit, Finalize). */
  void flush(WebSocketConnection connection);

  /**
   * Graceful end: sends the provider's end-of-stream messages. The codec then calls {@link
   * Events#drained()} once the last finals arrived (at once if nothing is outstanding), or the
   * server closes normally.
   */
  void endOfStream(WebSocketConnection connection, Events events);

  /**
   * Handles one server text frame. Throwing means "malformed": logged, skipped, session goes on.
   */
  void onText(String text, Events events) throws Exception;

  /** Handles one server binary frame; the default ignores it. */
  default void onBinary(byte[] data, Events events) throws Exception {}

  /**
   * Classifies a close the server initiated.
   *
   * @param endRequested whether {@link #endOfStream} was sent on this connection
   * @return {@code null} for a normal end, else the error (its {@link
   *     ProviderException#isRetryable()} decides between reconnecting and failing)
   */
  @Nullable ProviderException onClose(int code, String reason, boolean endRequested);

  /** Classifies a refused upgrade. The default: 401/403 auth, 402 quota, 408/429/5xx retryable. */
  default ProviderException onHandshakeFailure(WebSocketHandler.HttpFailure failure) {
    return classifyHttp(provider(), failure.status(), "upgrade refused", null);
  }

  /** The provider's name, for errors. */
  String provider();

  /** Most audio per wall-clock second the provider accepts (Deepgram: 1.25). Paces replays. */
  default double maxRealtimeFactor() {
    return 1.25;
  }

  /** The default HTTP classification described at {@link #onHandshakeFailure}. */
  static ProviderException classifyHttp(
      String provider, int status, String message, @Nullable String errorType) {
    if (status == 401 || status == 403) {
      return new AuthenticationException(
          provider, message, status, ProviderException.NONE, errorType, null);
    }
    if (status == 402) {
      return new QuotaExceededException(
          provider, message, status, ProviderException.NONE, errorType, null);
    }
    boolean retryable = status == 408 || status == 429 || status >= 500;
    return new ProviderException(
        provider, message, status, ProviderException.NONE, errorType, retryable, null);
  }

  /**
   * Close codes that mean "your credentials or account", whatever the provider: {@code 4001}
   * (unauthorized), {@code 4003} (forbidden) and {@code 1008} (policy violation) whose reason
   * speaks of credentials, a key, a token or authorization give an {@link AuthenticationException};
   * {@code 4002} (payment required) a {@link QuotaExceededException}. Neither is retried. Returns
   * {@code null} for any other close.
   */
  static @Nullable ProviderException classifyAccountClose(
      String provider, int code, String reason, String message) {
    String r = reason.toLowerCase(java.util.Locale.ROOT);
    boolean authReason =
        r.contains("credential")
            || r.contains("auth")
            || r.contains("api key")
            || r.contains("api_key")
            || r.contains("apikey")
            || r.contains("token")
            || r.contains("forbidden")
            || r.contains("permission");
    // a short token-like reason ("auth_error") is the provider's error type; prose stays in the
    // text
    String type = reason.matches("[A-Za-z0-9_.-]{1,64}") ? reason : null;
    if (code == 4001 || code == 4003 || (code == 1008 && authReason)) {
      return new AuthenticationException(
          provider, message, ProviderException.NONE, code, type, null);
    }
    if (code == 4002) {
      return new QuotaExceededException(
          provider, message, ProviderException.NONE, code, type, null);
    }
    return null;
  }

  /** What a codec reports back to its session. */
  interface Events {
    /** The connection may stream (for codecs whose {@link #readyOnOpen()} is false). */
    void ready();

    /**
     * A result with times on this connection's audio. The session maps times and words to the
     * speaker's timeline and makes the segment id unique across connections.
     */
    void result(TranscriptEvent.Result result);

    /**
     * Everything up to {@code providerMs} on this connection has been finalized: it need not be
     * replayed after a reconnect.
     */
    void finalizedUpTo(long providerMs);

    /** The server reported an error; retryable ones reconnect, others end the session. */
    void error(ProviderException error);

    /** The last finals after {@link #endOfStream} arrived. */
    void drained();

    /**
     * For protocols whose server may still be sending results nobody asked for (ElevenLabs VAD
     * commits in flight): counts as {@link #drained()} once no server message arrived for {@code
     * quiet}. Each message restarts the wait; {@link #drained()} still ends it at once. Call it
     * only once the server answered the end of stream (never as a substitute for an answer: the
     * caller's {@code finish} timeout fails a session whose end is never answered).
     */
    void drainedWhenQuiet(Duration quiet);

    /** Milliseconds of audio (including keep-alive silence) sent on this connection so far. */
    long audioSentMs();
  }
}
