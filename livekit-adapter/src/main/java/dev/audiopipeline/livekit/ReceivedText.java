package dev.audiopipeline.livekit;

import java.util.Map;
import java.util.Objects;

/**
 * Text another participant (or an agent on their behalf) sent into the room on a topic you listen
 * to with {@link LiveKitRoomSource.Builder#onText}: a LiveKit text stream as far as it has arrived,
 * or a legacy transcription segment.
 *
 * <p>A text stream is delivered after every chunk ({@code complete == false}, {@link #text()} all
 * the text so far, so an agent that streams a caption word by word is seen growing) and once more
 * at its trailer ({@code complete == true}, the trailer's attributes merged over the header's).
 * Captions on {@code lk.transcription} carry {@code lk.segment_id}, {@code lk.transcribed_track_id}
 * and {@code lk.transcription_final}: receivers replace a segment's text with each new delivery of
 * the same segment id.
 *
 * @param topic the stream's topic, e.g. {@code lk.transcription}
 * @param participantIdentity whom the text is about or from: the data packet's participant identity
 *     (for captions, the transcribed speaker), or a legacy transcription's transcribed participant
 * @param streamId the stream id (for a legacy segment: the segment id)
 * @param attributes the header's attributes, plus the trailer's once complete
 * @param text the UTF-8 text received so far
 * @param complete whether the stream has ended (its trailer arrived)
 * @param timestampMs the sender's timestamp in the header (ms since the epoch), 0 if none
 */
public record ReceivedText(
    String topic,
    String participantIdentity,
    String streamId,
    Map<String, String> attributes,
    String text,
    boolean complete,
    long timestampMs) {
  /** LiveKit's caption topic. */
  public static final String TRANSCRIPTION_TOPIC = "lk.transcription";

  /** Validates and copies {@code attributes}. */
  public ReceivedText {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(participantIdentity, "participantIdentity");
    Objects.requireNonNull(streamId, "streamId");
    attributes = Map.copyOf(attributes);
    Objects.requireNonNull(text, "text");
  }

  /** The caption's segment id ({@code lk.segment_id}), or the stream id without one. */
  public String segmentId() {
    return attributes.getOrDefault(CaptionPackets.ATTR_SEGMENT_ID, streamId);
  }

  /** Whether this is a complete caption that says it is final ({@code lk.transcription_final}). */
  public boolean isFinalCaption() {
    return complete && "true".equals(attributes.get(CaptionPackets.ATTR_FINAL));
  }
}
