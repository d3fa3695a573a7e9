package dev.audiopipeline.livekit;

/**
 * Delivery counters of one subscribed audio track, for monitoring and tests.
 *
 * @param trackSid the LiveKit track SID ({@code TR_…})
 * @param identity the publishing participant's identity
 * @param framesReceived 10 ms frames WebRTC delivered to the track's sink
 * @param framesDropped frames the pipeline's buffer refused (it was full)
 * @param framesRejected frames not passed on: unsupported format, or the session had closed
 * @param joinToFirstFrameMicros from the room's join response to the first frame, or -1
 * @param subscribeToFirstFrameMicros from the track's arrival on the peer connection to its first
 *     frame, or -1
 * @param spanMicros from the first frame's arrival to the end of the last one (0 if none)
 * @param ended whether the stream has ended (unpublished, participant left, or room closed)
 */
public record TrackStats(
    String trackSid,
    String identity,
    long framesReceived,
    long framesDropped,
    long framesRejected,
    long joinToFirstFrameMicros,
    long subscribeToFirstFrameMicros,
    long spanMicros,
    boolean ended) {

  /** Frames expected at 100 per second over {@link #spanMicros}. */
  public long framesExpected() {
    return spanMicros / 10_000;
  }
}
