package dev.audiopipeline.testing;

import java.util.Arrays;

/**
 * The one energy-based speech segmenter of the test kit, behind the fake provider servers and
 * {@link SpeechSegmentRecognizer}: 10 ms blocks; a block is speech when its RMS is at or above
 * {@code thresholdDbfs}; a segment runs from its first speech block to the end of its last one and
 * ends after {@code hangoverMs} of silence (or by {@link #force}). When it keeps audio, it keeps
 * the running segment's samples (at most 120 s, then the segment is cut). Not thread-safe.
 */
final class EnergySegmenter {
  /**
   * A finished segment, positions in samples on the stream.
   *
   * @param speechBlocks how many of its 10 ms blocks were speech
   * @param samples its audio, empty when the segmenter keeps none
   */
  record Segment(long start, long end, int speechBlocks, short[] samples) {}

  /** Receives segments, and (optionally) each analysed block. */
  interface Sink {
    void segment(Segment s);

    /**
     * After each 10 ms block, once any segment it ended was delivered. The segmenter's state
     * ({@link #inSpeech()}, {@link #lastSpeechEnd()}, ...) already includes the block.
     */
    default void block(boolean speech) {}
  }

  private static final int MAX_SEGMENT_SECONDS = 120;

  private final int block;
  private final double threshold;
  private final int hangoverSamples;
  private final boolean keepAudio;
  private final short[] pending;
  private int pendingLen;
  private long pos; // samples analysed
  private boolean inSpeech;
  private long speechStart;
  private long lastSpeechEnd;
  private int speechBlocks;
  private short[] seg;
  private int segLen;
  private final int maxSeg;

  /** A segmenter that keeps each segment's audio. */
  EnergySegmenter(int sampleRate, double thresholdDbfs, int hangoverMs) {
    this(sampleRate, thresholdDbfs, hangoverMs, true);
  }

  EnergySegmenter(int sampleRate, double thresholdDbfs, int hangoverMs, boolean keepAudio) {
    this.block = sampleRate / 100;
    this.threshold = 32768.0 * Math.pow(10, thresholdDbfs / 20);
    this.hangoverSamples = hangoverMs * sampleRate / 1000;
    this.keepAudio = keepAudio;
    this.pending = new short[block];
    this.seg = new short[keepAudio ? 16_000 : 0];
    this.maxSeg = MAX_SEGMENT_SECONDS * sampleRate;
  }

  /** Feeds little-endian 16-bit PCM. */
  void feed(byte[] pcm, int off, int len, Sink sink) {
    for (int i = off; i + 1 < off + len; i += 2) {
      pending[pendingLen++] = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8));
      if (pendingLen == block) {
        pendingLen = 0;
        analyse(sink);
      }
    }
  }

  /** Feeds samples. */
  void feed(short[] samples, int off, int len, Sink sink) {
    for (int i = off; i < off + len; i++) {
      pending[pendingLen++] = samples[i];
      if (pendingLen == block) {
        pendingLen = 0;
        analyse(sink);
      }
    }
  }

  private void analyse(Sink sink) {
    double sum = 0;
    for (int i = 0; i < block; i++) {
      sum += (double) pending[i] * pending[i];
    }
    boolean speech = Math.sqrt(sum / block) >= threshold;
    long blockStart = pos;
    pos += block;
    if (speech) {
      if (!inSpeech) {
        inSpeech = true;
        speechStart = blockStart;
        speechBlocks = 0;
        segLen = 0;
      }
      lastSpeechEnd = pos;
      speechBlocks++;
    }
    if (inSpeech) {
      if (keepAudio) {
        append(pending, block);
      }
      if (pos - lastSpeechEnd >= hangoverSamples || segLen >= maxSeg) {
        sink.segment(cut());
      }
    }
    sink.block(speech);
  }

  private void append(short[] s, int n) {
    if (segLen + n > seg.length) {
      seg = Arrays.copyOf(seg, Math.max(seg.length * 2, segLen + n));
    }
    System.arraycopy(s, 0, seg, segLen, n);
    segLen += n;
  }

  private Segment cut() {
    int speechLen = (int) (lastSpeechEnd - speechStart);
    Segment s =
        new Segment(
            speechStart,
            lastSpeechEnd,
            speechBlocks,
            Arrays.copyOf(seg, Math.min(speechLen, segLen)));
    inSpeech = false;
    segLen = 0;
    return s;
  }

  /** Ends a running segment now (Finalize, commit, flush, close). */
  void force(Sink sink) {
    if (inSpeech) {
      sink.segment(cut());
    }
  }

  boolean inSpeech() {
    return inSpeech;
  }

  /** Start of the running (or last) segment, in samples. */
  long speechStart() {
    return speechStart;
  }

  /** End of the last speech block of the running (or last) segment, in samples. */
  long lastSpeechEnd() {
    return lastSpeechEnd;
  }

  /** Speech blocks in the running (or last) segment. */
  int speechBlocks() {
    return speechBlocks;
  }

  /** Samples analysed so far. */
  long position() {
    return pos;
  }

  /** Audio of the running segment so far (empty when the segmenter keeps none). */
  short[] running() {
    return Arrays.copyOf(seg, segLen);
  }
}
