package dev.audiopipeline;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * One speaker's streaming recognition. Single writer: {@link #send}, {@link #flush} and {@link
 * #finish} are called from one thread at a time (the pipeline's drain thread for that speaker).
 */
public interface SttSession extends AutoCloseable {
  /**
   * Sends interleaved samples in the provider's {@link SttProvider#inputFormat()}. Copies what it
   * keeps; never blocks for long (buffers are bounded, with the overflow policy the provider
   * documents), except for sessions opened with {@link SttSessionOptions#sourceCanWait()}: those
   * may wait (interruptibly) until the provider takes audio again instead of dropping it.
   *
   * @throws IllegalArgumentException for an empty range or a length not a multiple of the channels
   * @throws IllegalStateException after {@link #finish} or {@link #close}
   */
  void send(short[] samples, int offset, int length);

  /** Asks for finals for everything sent so far (end of an utterance). Optional for providers. */
  void flush();

  /**
   * Graceful end: flushes, waits at most {@code timeout} for the last finals, then closes. The
   * stage completes when the session is closed; events for all audio sent have been delivered by
   * then. It completes exceptionally (with the error also delivered as {@link
   * TranscriptEvent.Failed}) when the session failed, including (streaming recognisers) when the
   * last finals did not come within {@code timeout}.
   */
  CompletionStage<Void> finish(Duration timeout);

  /** Ends the session at once; results still in flight are discarded. Idempotent. */
  @Override
  void close();

  /** Receives a session's events. Called from provider threads; must be fast and never throw. */
  @FunctionalInterface
  interface Listener {
    void onEvent(TranscriptEvent event);
  }
}
