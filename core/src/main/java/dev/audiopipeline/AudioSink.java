package dev.audiopipeline;

/**
 * Where a {@link SpeakerStream} delivers its audio. The pipeline provides the sink; sources call it
 * from their own thread (for LiveKit, WebRTC's audio thread).
 *
 * <p>The {@code offer} methods never block, never allocate in steady state, and copy the samples
 * before returning, so the caller may reuse its array. When the sink's bounded buffer is full, the
 * incoming frame is dropped whole, counted, and {@code false} is returned (overflow policy: drop
 * newest; audio already accepted is never discarded). Sources that can wait (files read as fast as
 * possible) use {@link #put} instead, which waits for room.
 *
 * <p>Timestamps are microseconds on the source's timeline (0 = when the source started). The sink
 * uses them to place each speaker's audio on the session's shared timeline and to detect gaps (a
 * muted track, dropped frames).
 */
public interface AudioSink {
  /**
   * Offers interleaved samples in the stream's format.
   *
   * @return {@code true} if accepted, {@code false} if dropped because the buffer is full
   * @throws IllegalArgumentException for an empty range or a length that is not a whole number of
   *     sample frames
   * @throws IllegalStateException if the stream has already left or the session is closed
   */
  boolean offer(short[] samples, int offset, int length, long timestampMicros);

  /**
   * Offers signed 16-bit little-endian PCM bytes in the stream's format (what WebRTC delivers).
   *
   * @return {@code true} if accepted, {@code false} if dropped because the buffer is full
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
   */
  void put(short[] samples, int offset, int length, long timestampMicros)
      throws InterruptedException;

  /** The format every call must use: the stream's format. */
  AudioFormat format();
}
