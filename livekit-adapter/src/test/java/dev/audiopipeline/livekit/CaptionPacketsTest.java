package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;
import org.junit.jupiter.api.Test;

/** The packets of one caption update, byte for byte what LiveKit's receivers parse. */
class CaptionPacketsTest {

  @Test
  void shortUpdateIsHeaderOneChunkAndTrailerWithTheSpeakersIdentity() {
    List<DataPacket> p =
        CaptionPackets.encode(
            "s-1", 1_700_000_000_123L, "cand-0815", "TR_abc", "TR_abc/c0-7", "hello there", false);
    assertThat(p).hasSize(3);
    assertThat(p).allSatisfy(d -> assertThat(d.getParticipantIdentity()).isEqualTo("cand-0815"));
    assertThat(p).allSatisfy(d -> assertThat(d.getSequence()).isZero()); // set by the sender

    DataStream.Header h = p.get(0).getStreamHeader();
    assertThat(p.get(0).getValueCase()).isEqualTo(DataPacket.ValueCase.STREAM_HEADER);
    assertThat(h.getStreamId()).isEqualTo("s-1");
    assertThat(h.getTimestamp()).isEqualTo(1_700_000_000_123L);
    assertThat(h.getTopic()).isEqualTo("lk.transcription");
    assertThat(h.getMimeType()).isEqualTo("text/plain");
    assertThat(h.hasTotalLength()).isFalse();
    assertThat(h.getContentHeaderCase()).isEqualTo(DataStream.Header.ContentHeaderCase.TEXT_HEADER);
    assertThat(h.getTextHeader().getOperationType()).isEqualTo(DataStream.OperationType.CREATE);
    assertThat(h.getAttributesMap())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of(
                "lk.segment_id", "TR_abc/c0-7",
                "lk.transcribed_track_id", "TR_abc",
                "lk.transcription_final", "false"));

    DataStream.Chunk c = p.get(1).getStreamChunk();
    assertThat(c.getStreamId()).isEqualTo("s-1");
    assertThat(c.getChunkIndex()).isZero();
    assertThat(c.getContent().toStringUtf8()).isEqualTo("hello there");

    DataStream.Trailer t = p.get(2).getStreamTrailer();
    assertThat(p.get(2).getValueCase()).isEqualTo(DataPacket.ValueCase.STREAM_TRAILER);
    assertThat(t.getStreamId()).isEqualTo("s-1");
    assertThat(t.getReason()).isEmpty();
  }

  @Test
  void finalIsMarkedWithTheStringTrue() {
    List<DataPacket> p = CaptionPackets.encode("s-2", 1, "rec", "TR_x", "TR_x/1", "done", true);
    assertThat(p.get(0).getStreamHeader().getAttributesMap())
        .containsEntry("lk.transcription_final", "true");
  }

  @Test
  void unknownTrackLeavesTheAttributeOutInsteadOfSendingItEmpty() {
    List<DataPacket> p = CaptionPackets.encode("s-3", 1, "rec", "", "x/1", "hi", true);
    assertThat(p.get(0).getStreamHeader().getAttributesMap())
        .doesNotContainKey("lk.transcribed_track_id");
  }

  @Test
  void emptyTextIsHeaderAndTrailerOnly() {
    List<DataPacket> p = CaptionPackets.encode("s-4", 1, "rec", "TR_x", "TR_x/1", "", true);
    assertThat(p)
        .extracting(DataPacket::getValueCase)
        .containsExactly(DataPacket.ValueCase.STREAM_HEADER, DataPacket.ValueCase.STREAM_TRAILER);
  }

  @Test
  void longMultiByteTextIsChunkedAtMost15000BytesNeverSplittingACodePoint() throws Exception {
    // 1 + 3 + 4 bytes per period, so that chunk edges fall inside multi-byte characters
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 16_000) {
      sb.append("a€😀");
    }
    String text = sb.toString();
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    assertThat(utf8.length).isGreaterThan(2 * 15_000);

    List<DataPacket> p = CaptionPackets.encode("s-5", 1, "rec", "TR_x", "TR_x/1", text, false);
    List<DataStream.Chunk> chunks =
        p.subList(1, p.size() - 1).stream().map(DataPacket::getStreamChunk).toList();
    assertThat(chunks).hasSize(3);
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < chunks.size(); i++) {
      DataStream.Chunk c = chunks.get(i);
      assertThat(c.getChunkIndex()).isEqualTo(i);
      assertThat(c.getContent().size()).isBetween(1, 15_000);
      joined.append(strictUtf8(c.getContent().toByteArray())); // each chunk decodes on its own
    }
    assertThat(joined.toString()).isEqualTo(text);
  }

  @Test
  void chunkRangesCoverTheInputExactly() {
    byte[] b = "x😀😀😀".getBytes(StandardCharsets.UTF_8); // 13 bytes
    List<int[]> r = CaptionPackets.chunks(b, 5);
    assertThat(r).extracting(a -> a[1] - a[0]).containsExactly(5, 4, 4);
    assertThat(CaptionPackets.chunks(new byte[0], 5)).isEmpty();
  }

  private static String strictUtf8(byte[] b) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(b))
        .toString();
  }
}
