package dev.audiopipeline.audio;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;

/**
 * Produces one {@link SpeakerStream} per speaker as speakers come and go. Hot join and leave are
 * normal events, not errors: a participant who joins late gets a stream when they start speaking,
 * one who leaves has their stream closed, and one who comes back gets a new stream with the same
 * identity (and therefore the same label).
 *
 * <p>A source serves one session: the {@link TranscriptionSession} started on it starts it and
 * closes it when the session closes. A source used on its own is closed by whoever created it.
 */
public interface AudioSource extends AutoCloseable {
  /**
   * Starts producing streams. Called once. Listener methods may be called from any thread, one at a
   * time for a given stream, and must return quickly.
   *
   * @throws IllegalStateException if already started or closed
   */
  void start(Listener listener);

  /** Stops producing audio and releases the source's threads and resources. Idempotent. */
  @Override
  void close();

  /** Receives a source's speakers. Implementations must not throw. */
  interface Listener {
    /** A new speaker. Call {@link SpeakerStream#start(AudioSink)} before returning. */
    void speakerJoined(SpeakerStream stream);

    /** The stream has ended: its last sample has been written. */
    void speakerLeft(SpeakerStream stream);

    /** A finite source (files) has delivered everything; no further speakers will join. */
    void sourceEnded();

    /** The source failed and will produce nothing more. */
    void sourceFailed(AudioPipelineException error);

    /**
     * A transcript that did not come from a recogniser: what a source that also speaks (a bot in a
     * LiveKit room) actually said, already labelled, with times on the source's timeline (the clock
     * of its streams' timestamps, so it orders with the other speakers). A {@link
     * TranscriptionSession} publishes it like a recognised transcript; the default ignores it.
     */
    default void transcript(Transcript transcript) {}
  }
}
