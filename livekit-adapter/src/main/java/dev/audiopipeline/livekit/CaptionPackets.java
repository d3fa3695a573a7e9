package dev.audiopipeline.livekit;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;

/**
 * One caption update as a LiveKit text stream on topic {@value #TOPIC}, the way LiveKit's agents
 * publish a transcribed participant's text: a header ({@code DataStream.Header} with a {@code
 * TextHeader}, mime {@code text/plain}, the three {@code lk.*} attributes), the full segment text
 * in chunks of at most {@value #MAX_CHUNK_BYTES} UTF-8 bytes (never splitting a code point), and a
 * trailer with an empty reason. Every packet carries the speaker's identity in {@code
 * participant_identity}; the server keeps it on the header only for an agent sender. Sequence
 * numbers are set by whoever sends the packets on the reliable channel.
 */
final class CaptionPackets {
  static final String TOPIC = "lk.transcription";
  static final String ATTR_SEGMENT_ID = "lk.segment_id";
  static final String ATTR_TRACK_ID = "lk.transcribed_track_id";
  static final String ATTR_FINAL = "lk.transcription_final";
  static final String MIME = "text/plain";

  /** LiveKit's {@code STREAM_CHUNK_SIZE_BYTES}. */
  static final int MAX_CHUNK_BYTES = 15_000;

  private CaptionPackets() {}

  /**
   * The packets of one update, header first, trailer last (without sequence numbers).
   *
   * @param trackSid the transcribed track's SID, or empty when unknown (the attribute is then left
   *     out rather than sent empty)
   */
  static List<DataPacket> encode(
      String streamId,
      long timestampMs,
      String identity,
      String trackSid,
      String segmentId,
      String text,
      boolean isFinal) {
    DataStream.Header.Builder header =
        DataStream.Header.newBuilder()
            .setStreamId(streamId)
            .setTimestamp(timestampMs)
            .setTopic(TOPIC)
            .setMimeType(MIME)
            .setTextHeader(
                DataStream.TextHeader.newBuilder()
                    .setOperationType(DataStream.OperationType.CREATE))
            .putAttributes(ATTR_SEGMENT_ID, segmentId)
            .putAttributes(ATTR_FINAL, isFinal ? "true" : "false");
    if (!trackSid.isEmpty()) {
      header.putAttributes(ATTR_TRACK_ID, trackSid);
    }
    List<DataPacket> out = new ArrayList<>();
    out.add(
        DataPacket.newBuilder().setParticipantIdentity(identity).setStreamHeader(header).build());
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int index = 0;
    for (int[] range : chunks(utf8, MAX_CHUNK_BYTES)) {
      out.add(
          DataPacket.newBuilder()
              .setParticipantIdentity(identity)
              .setStreamChunk(
                  DataStream.Chunk.newBuilder()
                      .setStreamId(streamId)
                      .setChunkIndex(index++)
                      .setContent(ByteString.copyFrom(utf8, range[0], range[1] - range[0])))
              .build());
    }
    out.add(
        DataPacket.newBuilder()
            .setParticipantIdentity(identity)
            .setStreamTrailer(DataStream.Trailer.newBuilder().setStreamId(streamId).setReason(""))
            .build());
    return out;
  }

  /**
   * {@code [from, to)} byte ranges of at most {@code max} bytes each that cut well-formed UTF-8
   * only between code points. Empty input gives no range.
   */
  static List<int[]> chunks(byte[] utf8, int max) {
    if (max < 4) {
      throw new IllegalArgumentException("max " + max + " < 4 cannot hold every code point");
    }
    List<int[]> out = new ArrayList<>();
    int from = 0;
    while (from < utf8.length) {
      int to = Math.min(utf8.length, from + max);
      if (to < utf8.length) {
        // back off while the first byte of the next chunk would be a continuation byte (10xxxxxx)
        while (to > from && (utf8[to] & 0xC0) == 0x80) {
          to--;
        }
        if (to == from) { // not UTF-8 (String.getBytes never gives this); cut where asked
          to = Math.min(utf8.length, from + max);
        }
      }
      out.add(new int[] {from, to});
      from = to;
    }
    return out;
  }
}
