package dev.audiopipeline;

import java.time.Duration;

/**
 * Metrics hooks, in the spirit of OkHttp's {@code EventListener}. Every method has a no-op default;
 * override what you measure. Methods are called on library threads (a speaker's drain thread,
 * provider network threads), never on a source's real-time audio thread (WebRTC's): they must be
 * fast and must not throw (an exception is caught and logged at DEBUG, never propagated).
 */
public interface PipelineListener {
  /** A listener that does nothing. */
  PipelineListener NONE = new PipelineListener() {};

  /** A speaker stream joined the session. */
  default void speakerJoined(String streamId, String speaker) {}

  /** A speaker stream left the session. */
  default void speakerLeft(String streamId, String speaker) {}

  /** A provider connection attempt begins. */
  default void connectStart(String provider, String streamId) {}

  /** A provider connection is open. */
  default void connectEnd(String provider, String streamId, Duration took) {}

  /** A provider connection dropped and will be retried. */
  default void reconnect(String provider, String streamId, int attempt, Throwable cause) {}

  /**
   * First result (partial or final) of a stream: {@code latency} runs from when the pipeline handed
   * the recogniser the audio up to the result's end to when the result arrived.
   */
  default void firstTranscript(String streamId, Duration latency) {}

  /**
   * Audio was dropped by a bounded buffer; {@code samples} counts interleaved samples. For a
   * speaker's ring buffer the drop is counted on the source's thread and reported here from the
   * speaker's drain thread, batched: one call can cover several dropped frames.
   */
  default void audioDropped(String streamId, long samples, String where) {}

  /** Time from a TTS request to its first audio byte. */
  default void ttsFirstByte(String provider, Duration latency) {}

  /** A stream's provider session closed. */
  default void sessionClosed(String streamId, String reason) {}
}
