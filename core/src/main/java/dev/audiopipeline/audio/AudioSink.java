package dev.audiopipeline.audio;

import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SpeakerStream;

/**
 * Where a {@link SpeakerStream} delivers its audio. The pipeline provides the sink; sources call it
 * from their own thread (for LiveKit, WebRTC's audio thread).
 *
 * <p>The {@code offer} methods are safe on a real-time thread: they never block, log, allocate or
 * call user code and take no Java lock (at most they unpark the waiting drain thread), and they
 * copy the samples before returning, so the caller may reuse its array. When the sink's bounded
 * buffer is full, the incoming frame is dropped whole, counted, and {@code false} is returned
 * (overflow policy: drop newest; audio already accepted is never discarded); the pipeline reports
 * the drops later, from its own thread ({@link PipelineListener#audioDropped} and a rate-limited
 * WARN). Once the stream has left or the session has closed, every {@code offer} returns {@code
 * false} and is counted too, without an exception: a source racing the end of a session costs
 * nothing per frame. Sources that can wait (files read as fast as possible) use {@link #put}
 * instead, which waits for room.
 *
 * <p>Timestamps are microseconds on the source's timeline (0 = when the source started). The sink
 * uses them to place each speaker's audio on the session's shared timeline and to detect gaps (a
 * muted track, dropped frames, a speaker whose first frame comes late): a write stamped more than
 * 20 ms after the time the samples written before it predict starts a new stretch at its stamp; a
 * stamp behind that time is taken as continuous. Stamp by sample count where the capture clock is
 * known (a file, a device); a source that knows only when frames arrive stamps them with {@link
 * ArrivalClock}.
 */
public interface AudioSink {
  /**
   * Offers interleaved samples in the stream's format.
   *
   * @return {@code true} if accepted; {@code false} if dropped because the buffer is full, or
   *     because the stream has left or the session is closed (no exception: see above)
   * @throws IllegalArgumentException for an empty range or a length that is not a whole number of
   *     sample frames (a programming error, checked before anything else)
   */
  boolean offer(short[] samples, int offset, int length, long timestampMicros);

  /**
   * Offers signed 16-bit little-endian PCM bytes in the stream's format (what WebRTC delivers).
   *
   * @return {@code true} if accepted; {@code false} if dropped because the buffer is full, or
   *     because the stream has left or the session is closed
   * @throws IllegalArgumentException for an empty or odd-length range, or a length that is not a
   *     whole number of sample frames
   */
  boolean offerBytes(byte[] pcm, int offset, int length, long timestampMicros);

  /** Offers a frame; see {@link #offer(short[], int, int, long)}. */
  default boolean offer(AudioFrame frame) {
    if (!frame.format().equals(format())) {
      throw new IllegalArgumentException(
          "frame format " + frame.format() + " differs from the stream's format " + format());
    }
    return offer(frame.samples(), frame.offset(), frame.length(), frame.timestampMicros());
  }

  /**
   * Writes samples, waiting for room in the buffer. For sources that may block (file readers), not
   * for real-time callbacks.
   *
   * @throws InterruptedException if interrupted while waiting; nothing of this call was written
   * @throws IllegalStateException if the stream has left or the session is closed: nobody will read
   *     the audio any more, so a waiting writer is told to stop (it should stop at the first)
   */
  void put(short[] samples, int offset, int length, long timestampMicros)
      throws InterruptedException;

  /** The format every call must use: the stream's format. */
  AudioFormat format();
}
