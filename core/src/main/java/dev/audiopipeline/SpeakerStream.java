package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;

/**
 * One speaker's audio, as a source produces it: a participant's track in a room, one WAV file, one
 * channel of a stereo recording.
 *
 * <p>The consumer (usually {@link AudioPipeline}) calls {@link #start(AudioSink)} once, from inside
 * {@link AudioSource.Listener#speakerJoined}; from then on the source writes the stream's audio
 * into that sink until it reports {@link AudioSource.Listener#speakerLeft}. Audio written before
 * {@code speakerLeft} is processed to the end: nothing accepted is lost.
 */
public interface SpeakerStream {
  /** Unique within the source for its lifetime, e.g. a LiveKit track SID or a file name. */
  String id();

  /** Who speaks: the participant identity (LiveKit), or a name the source was given. */
  String identity();

  /** The format of every sample the source writes into the sink. */
  AudioFormat format();

  /**
   * Whether this stream can be slowed down: {@code true} for a file read as fast as the pipeline
   * takes it (it waits in {@link AudioSink#put} when the pipeline is behind, and nothing is
   * dropped); {@code false} (the default) for live audio, which keeps coming whatever happens
   * downstream.
   */
  default boolean canWait() {
    return false;
  }

  /**
   * Starts delivery into {@code sink}.
   *
   * @throws IllegalStateException if already started
   */
  void start(AudioSink sink);
}
