package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.audio.AudioFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one energy segmenter behind the fake servers and {@link SpeechSegmentRecognizer}. */
class EnergySegmenterTest {
  static final long[][] BURSTS = {{300, 900}, {1000, 1200}, {2000, 2600}};

  static final class Collect implements EnergySegmenter.Sink {
    final List<EnergySegmenter.Segment> segments = new ArrayList<>();
    int blocks;
    int speechBlocks;

    @Override
    public void segment(EnergySegmenter.Segment s) {
      segments.add(s);
    }

    @Override
    public void block(boolean speech) {
      blocks++;
      if (speech) {
        speechBlocks++;
      }
    }
  }

  @Test
  void segmentsSpanTheSpeechAndAShortGapDoesNotSplitThem() {
    short[] audio = Signals.bursts(AudioFormat.MONO_16K, 3500, BURSTS);
    EnergySegmenter seg = new EnergySegmenter(16_000, -40, 400);
    Collect c = new Collect();
    seg.feed(audio, 0, audio.length, c);
    // 300-900 and 1000-1200 are 100 ms apart, less than the 400 ms hangover: one segment
    assertThat(c.segments).hasSize(2);
    assertSpan(c.segments.get(0), 300, 1200);
    assertSpan(c.segments.get(1), 2000, 2600);
    assertThat(c.segments.get(0).speechBlocks()).isBetween(78, 82); // 600 + 200 ms of speech
    assertThat(c.segments.get(0).samples()).hasSize(16 * 900);
    assertThat(c.blocks).isEqualTo(350);
    assertThat(c.speechBlocks).isBetween(136, 142);
    assertThat(seg.position()).isEqualTo(16L * 3500);
  }

  @Test
  void bytesAndSamplesInAnyChunkingGiveTheSameSegments() {
    short[] audio = Signals.bursts(AudioFormat.MONO_16K, 3500, BURSTS);
    byte[] pcm = new byte[audio.length * 2];
    for (int i = 0; i < audio.length; i++) {
      pcm[2 * i] = (byte) audio[i];
      pcm[2 * i + 1] = (byte) (audio[i] >> 8);
    }
    Collect whole = new Collect();
    new EnergySegmenter(16_000, -40, 400).feed(audio, 0, audio.length, whole);
    Collect chunks = new Collect();
    EnergySegmenter seg = new EnergySegmenter(16_000, -40, 400);
    for (int i = 0; i < pcm.length; i += 734) { // odd chunks: blocks and samples straddle them
      seg.feed(pcm, i, Math.min(734, pcm.length - i), chunks);
    }
    assertThat(chunks.segments).hasSameSizeAs(whole.segments);
    for (int i = 0; i < whole.segments.size(); i++) {
      assertThat(chunks.segments.get(i).start()).isEqualTo(whole.segments.get(i).start());
      assertThat(chunks.segments.get(i).end()).isEqualTo(whole.segments.get(i).end());
      assertThat(chunks.segments.get(i).samples()).isEqualTo(whole.segments.get(i).samples());
    }
  }

  @Test
  void forceEndsTheRunningSegmentAndWithoutAudioNothingIsKept() {
    short[] audio = Signals.bursts(AudioFormat.MONO_16K, 1000, new long[][] {{500, 1000}});
    EnergySegmenter seg = new EnergySegmenter(16_000, -40, 400, false);
    Collect c = new Collect();
    seg.feed(audio, 0, audio.length, c);
    assertThat(c.segments).isEmpty();
    assertThat(seg.inSpeech()).isTrue();
    assertThat(seg.running()).isEmpty();
    seg.force(c);
    assertThat(seg.inSpeech()).isFalse();
    assertThat(c.segments).hasSize(1);
    assertSpan(c.segments.get(0), 500, 1000);
    assertThat(c.segments.get(0).samples()).isEmpty();
    seg.force(c);
    assertThat(c.segments).hasSize(1);
  }

  private static void assertSpan(EnergySegmenter.Segment s, long startMs, long endMs) {
    // within one 10 ms block: a burst's first and last blocks may be partly quiet
    assertThat(s.start() / 16).isBetween(startMs - 10, startMs + 10);
    assertThat(s.end() / 16).isBetween(endMs - 10, endMs + 10);
  }
}
