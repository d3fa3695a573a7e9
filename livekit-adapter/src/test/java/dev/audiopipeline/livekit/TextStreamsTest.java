package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;
import livekit.LivekitModels.Transcription;
import livekit.LivekitModels.TranscriptionSegment;
import org.junit.jupiter.api.Test;

/** The receive side of text streams, fed with the packets our own caption sender produces. */
class TextStreamsTest {
  private final List<ReceivedText> got = new ArrayList<>();
  private final TextStreams streams =
      new TextStreams("test", Map.of(ReceivedText.TRANSCRIPTION_TOPIC, got::add));

  @Test
  void captionsFromOurSenderArriveWithSpeakerSegmentAndFinality() {
    for (DataPacket p :
        CaptionPackets.encode("s1", 1000, "candidate", "TR_1", "TR_1/c0-1", "hello wor", false)) {
      streams.accept(p);
    }
    for (DataPacket p :
        CaptionPackets.encode("s2", 1100, "candidate", "TR_1", "TR_1/c0-1", "hello world", true)) {
      streams.accept(p);
    }
    List<ReceivedText> complete = got.stream().filter(ReceivedText::complete).toList();
    assertThat(complete).hasSize(2);
    assertThat(complete.get(0).text()).isEqualTo("hello wor");
    assertThat(complete.get(0).isFinalCaption()).isFalse();
    ReceivedText fin = complete.get(1);
    assertThat(fin.text()).isEqualTo("hello world");
    assertThat(fin.isFinalCaption()).isTrue();
    assertThat(fin.participantIdentity()).isEqualTo("candidate");
    assertThat(fin.segmentId()).isEqualTo("TR_1/c0-1");
    assertThat(fin.attributes()).containsEntry("lk.transcribed_track_id", "TR_1");
    assertThat(fin.timestampMs()).isEqualTo(1100);
    assertThat(streams.openStreams()).isZero();
  }

  @Test
  void aStreamThatGrowsChunkByChunkIsSeenGrowingAndTheTrailerAttributesWin() {
    String id = "grow";
    streams.accept(
        DataPacket.newBuilder()
            .setParticipantIdentity("agent-speaker")
            .setStreamHeader(
                DataStream.Header.newBuilder()
                    .setStreamId(id)
                    .setTopic(ReceivedText.TRANSCRIPTION_TOPIC)
                    .setTextHeader(DataStream.TextHeader.newBuilder())
                    .putAttributes("lk.transcription_final", "false")
                    .putAttributes("lk.segment_id", "SG_1"))
            .build());
    for (String word : List.of("Good ", "morning ", "everyone")) {
      streams.accept(
          DataPacket.newBuilder()
              .setStreamChunk(
                  DataStream.Chunk.newBuilder()
                      .setStreamId(id)
                      .setContent(ByteString.copyFromUtf8(word)))
              .build());
    }
    streams.accept(
        DataPacket.newBuilder()
            .setStreamTrailer(
                DataStream.Trailer.newBuilder()
                    .setStreamId(id)
                    .putAttributes("lk.transcription_final", "true"))
            .build());
    assertThat(got)
        .extracting(ReceivedText::text)
        .containsExactly(
            "Good ", "Good morning ", "Good morning everyone", "Good morning everyone");
    assertThat(got.get(2).complete()).isFalse();
    assertThat(got.get(3).isFinalCaption()).isTrue();
    assertThat(got.get(3).segmentId()).isEqualTo("SG_1");
  }

  @Test
  void legacyTranscriptionPacketsArriveAsCaptions() {
    streams.accept(
        DataPacket.newBuilder()
            .setTranscription(
                Transcription.newBuilder()
                    .setTranscribedParticipantIdentity("recruiter")
                    .setTrackId("TR_9")
                    .addSegments(
                        TranscriptionSegment.newBuilder()
                            .setId("SG_9")
                            .setText("Hi")
                            .setFinal(true)))
            .build());
    assertThat(got)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.participantIdentity()).isEqualTo("recruiter");
              assertThat(t.isFinalCaption()).isTrue();
              assertThat(t.segmentId()).isEqualTo("SG_9");
            });
  }

  @Test
  void otherTopicsAndUnfinishedFloodsAreBounded() {
    for (DataPacket p : CaptionPackets.encode("x", 1, "a", "", "s", "t", true)) {
      streams.accept(
          p.hasStreamHeader()
              ? p.toBuilder()
                  .setStreamHeader(p.getStreamHeader().toBuilder().setTopic("chat"))
                  .build()
              : p);
    }
    assertThat(got).isEmpty();
    for (int i = 0; i < TextStreams.MAX_OPEN_STREAMS + 10; i++) {
      streams.accept(CaptionPackets.encode("open-" + i, 1, "a", "", "s", "t", false).get(0));
    }
    assertThat(streams.openStreams()).isEqualTo(TextStreams.MAX_OPEN_STREAMS);
    assertThat(streams.dropped()[0]).isEqualTo(10);
  }
}
