package dev.audiopipeline.testing;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A scripted fault for the next connection of a fake provider server ({@link
 * FakeDeepgramServer#enqueue}, {@link FakeElevenLabsSttServer#enqueue}). Each enqueued list applies
 * to one connection, in connection order; connections without a script behave normally.
 */
public final class FakeFault {
  enum Kind {
    REJECT_UPGRADE,
    DROP_AFTER_AUDIO,
    CLOSE_AFTER_AUDIO,
    SEND_AFTER_AUDIO,
    ERROR_ON_OPEN,
    SLOW_RESPONSES,
    SILENT,
    STOP_READING,
    REJECT_ECHOING_HEADERS,
    REJECT_WITH_BODY
  }

  final Kind kind;
  final int status;
  final long afterAudioMs;
  final int closeCode;
  final String text;
  final @Nullable String errorType;
  final long delayMs;

  private FakeFault(
      Kind kind,
      int status,
      long afterAudioMs,
      int closeCode,
      String text,
      @Nullable String errorType,
      long delayMs) {
    this.kind = kind;
    this.status = status;
    this.afterAudioMs = afterAudioMs;
    this.closeCode = closeCode;
    this.text = text;
    this.errorType = errorType;
    this.delayMs = delayMs;
  }

  /**
   * Refuses the WebSocket upgrade with this HTTP status and the provider's error body (401 invalid
   * key, 402 out of credit, 429 too many requests, 503 ...).
   */
  public static FakeFault rejectUpgrade(int status) {
    return new FakeFault(Kind.REJECT_UPGRADE, status, 0, 0, "", null, 0);
  }

  /**
   * Refuses the upgrade with this status and an HTML page listing every request header with its
   * value, as a misconfigured proxy or debugging gateway does (the key travels back in the body).
   */
  public static FakeFault rejectUpgradeEchoingHeaders(int status) {
    return new FakeFault(Kind.REJECT_ECHOING_HEADERS, status, 0, 0, "", null, 0);
  }

  /** Refuses the upgrade with this status and exactly this body (any text: JSON, HTML, garbage). */
  public static FakeFault rejectUpgradeWithBody(int status, String body) {
    return new FakeFault(
        Kind.REJECT_WITH_BODY, status, 0, 0, Objects.requireNonNull(body, "body == null"), null, 0);
  }

  /** Drops the TCP connection without a close frame once this much audio arrived. */
  public static FakeFault dropAfterAudio(Duration audio) {
    return new FakeFault(Kind.DROP_AFTER_AUDIO, 0, audio.toMillis(), 0, "", null, 0);
  }

  /** Sends a close frame with this code and reason once this much audio arrived. */
  public static FakeFault closeAfterAudio(Duration audio, int code, String reason) {
    return new FakeFault(
        Kind.CLOSE_AFTER_AUDIO,
        0,
        audio.toMillis(),
        code,
        Objects.requireNonNull(reason, "reason == null"),
        null,
        0);
  }

  /**
   * Sends this raw text frame (malformed JSON, an error message ...) once this much audio arrived.
   */
  public static FakeFault sendAfterAudio(Duration audio, String rawText) {
    return new FakeFault(
        Kind.SEND_AFTER_AUDIO,
        0,
        audio.toMillis(),
        0,
        Objects.requireNonNull(rawText, "rawText == null"),
        null,
        0);
  }

  /**
   * Accepts the upgrade, then sends the provider's error message of this type and closes
   * (ElevenLabs: {@code {"message_type":"auth_error","error":"..."}} then close 1000 with the type
   * as reason; Deepgram has no error messages and closes with 1011 and the text as reason).
   */
  public static FakeFault errorOnOpen(String errorType, String message) {
    return new FakeFault(
        Kind.ERROR_ON_OPEN,
        0,
        0,
        0,
        Objects.requireNonNull(message, "message == null"),
        Objects.requireNonNull(errorType, "errorType == null"),
        0);
  }

  /**
   * Accepts the connection and then never answers: Deepgram reads the audio and sends nothing (no
   * {@code Results}, no {@code Metadata}, no close after {@code CloseStream}, no idle close);
   * ElevenLabs sends {@code session_started} and then nothing. The audio is still recorded.
   */
  public static FakeFault silent() {
    return new FakeFault(Kind.SILENT, 0, 0, 0, "", null, 0);
  }

  /** Delays every message the server sends on this connection. */
  public static FakeFault slowResponses(Duration delay) {
    return new FakeFault(Kind.SLOW_RESPONSES, 0, 0, 0, "", null, delay.toMillis());
  }

  @Override
  public String toString() {
    return "FakeFault{"
        + kind
        + (afterAudioMs > 0 ? " after " + afterAudioMs + " ms" : "")
        + (status > 0 ? " status " + status : "")
        + "}";
  }
}
