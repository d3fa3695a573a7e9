package dev.audiopipeline.livekit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;
import livekit.LivekitModels.Transcription;
import livekit.LivekitModels.TranscriptionSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reassembles the text streams that arrive on the subscriber connection's data channels for the
 * topics someone listens to, and hands each step to that topic's handler as a {@link ReceivedText}.
 * Legacy {@code Transcription} packets are delivered on {@link ReceivedText#TRANSCRIPTION_TOPIC}.
 *
 * <p>Runs on the room's event thread only (no lock). Bounded: at most {@link #MAX_OPEN_STREAMS}
 * streams are assembled at once (a new header beyond that evicts the oldest unfinished stream,
 * which is then never delivered complete) and at most {@link #MAX_STREAM_BYTES} of text are kept
 * per stream (further chunks are counted and ignored). Packets of other topics cost a map lookup.
 */
final class TextStreams {
  private static final Logger log = LoggerFactory.getLogger(TextStreams.class);

  static final int MAX_OPEN_STREAMS = 64;
  static final int MAX_STREAM_BYTES = 1 << 20;

  private final String logPrefix;
  private final Map<String, Consumer<ReceivedText>> handlers;
  private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();
  private long evicted;
  private long oversized;

  private static final class Open {
    final DataStream.Header header;
    final String identity;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Open(DataStream.Header header, String identity) {
      this.header = header;
      this.identity = identity;
    }
  }

  TextStreams(String logPrefix, Map<String, Consumer<ReceivedText>> handlers) {
    this.logPrefix = logPrefix;
    this.handlers = Map.copyOf(handlers);
  }

  /** Whether anyone listens (else the data channels' packets are not even parsed). */
  boolean active() {
    return !handlers.isEmpty();
  }

  /** One data packet from another participant. */
  void accept(DataPacket packet) {
    switch (packet.getValueCase()) {
      case STREAM_HEADER -> header(packet.getStreamHeader(), packet.getParticipantIdentity());
      case STREAM_CHUNK -> chunk(packet.getStreamChunk());
      case STREAM_TRAILER -> trailer(packet.getStreamTrailer());
      case TRANSCRIPTION -> transcription(packet.getTranscription());
      default -> {}
    }
  }

  private void header(DataStream.Header h, String identity) {
    if (!handlers.containsKey(h.getTopic()) || !h.hasTextHeader()) {
      return;
    }
    if (open.size() >= MAX_OPEN_STREAMS) {
      Iterator<String> oldest = open.keySet().iterator();
      oldest.next();
      oldest.remove();
      evicted++;
      log.debug("{} - {} unfinished text stream(s) evicted", logPrefix, evicted);
    }
    open.put(h.getStreamId(), new Open(h, identity));
  }

  private void chunk(DataStream.Chunk c) {
    Open o = open.get(c.getStreamId());
    if (o == null) {
      return;
    }
    if (o.bytes.size() + c.getContent().size() > MAX_STREAM_BYTES) {
      oversized++;
      return;
    }
    o.bytes.writeBytes(c.getContent().toByteArray());
    deliver(o, o.header.getAttributesMap(), false);
  }

  private void trailer(DataStream.Trailer t) {
    Open o = open.remove(t.getStreamId());
    if (o == null) {
      return;
    }
    Map<String, String> attributes = o.header.getAttributesMap();
    if (t.getAttributesCount() > 0) {
      attributes = new HashMap<>(attributes);
      attributes.putAll(t.getAttributesMap());
    }
    deliver(o, attributes, true);
  }

  private void deliver(Open o, Map<String, String> attributes, boolean complete) {
    // a chunk may end inside a character: decoding replaces only that tail, fixed by the next one
    String text = o.bytes.toString(StandardCharsets.UTF_8);
    call(
        new ReceivedText(
            o.header.getTopic(),
            o.identity,
            o.header.getStreamId(),
            attributes,
            text,
            complete,
            o.header.getTimestamp()));
  }

  private void transcription(Transcription t) {
    if (!handlers.containsKey(ReceivedText.TRANSCRIPTION_TOPIC)) {
      return;
    }
    for (TranscriptionSegment s : t.getSegmentsList()) {
      call(
          new ReceivedText(
              ReceivedText.TRANSCRIPTION_TOPIC,
              t.getTranscribedParticipantIdentity(),
              s.getId(),
              Map.of(
                  CaptionPackets.ATTR_SEGMENT_ID, s.getId(),
                  CaptionPackets.ATTR_TRACK_ID, t.getTrackId(),
                  CaptionPackets.ATTR_FINAL, Boolean.toString(s.getFinal())),
              s.getText(),
              true,
              0));
    }
  }

  private void call(ReceivedText text) {
    Consumer<ReceivedText> h = handlers.get(text.topic());
    if (h == null) {
      return;
    }
    try {
      h.accept(text);
    } catch (RuntimeException e) {
      log.warn("{} - text handler for '{}' threw: {}", logPrefix, text.topic(), e.toString());
    }
  }

  /** Unfinished streams evicted, chunks ignored past the size bound (for tests). */
  long[] dropped() {
    return new long[] {evicted, oversized};
  }

  /** Streams being assembled (for tests). */
  int openStreams() {
    return open.size();
  }
}
