package dev.audiopipeline.testing;

import java.util.Arrays;

/**
 * Streaming energy-based speech segmentation for the fakes: 10 ms blocks, a block is speech when its
 * RMS is at or above {@code thresholdDbfs}; a segment ends after {@code hangoverMs} of silence. Keeps
 * the audio of the running segment (at most 120 s, then it is cut). Not thread-safe.
 */
final class EnergySegmenter {
  /** A finished segment, positions in samples on the connection. */
  record Segment(long start, long end, short[] samples) {}

  interface Sink {
    void segment(Segment s);
  }

  private static final int MAX_SEGMENT_SECONDS = 120;

  private final int block;
  private final double threshold;
  private final int hangoverSamples;
  private final short[] pending;
  private int pendingLen;
  private long pos; // samples analysed
  private boolean inSpeech;
  private long speechStart;
  private long lastSpeechEnd;
  private short[] seg = new short[16_000];
  private int segLen;
  private final int maxSeg;

  EnergySegmenter(int sampleRate, double thresholdDbfs, int hangoverMs) {
    this.block = sampleRate / 100;
    this.threshold = 32768.0 * Math.pow(10, thresholdDbfs / 20);
    this.hangoverSamples = hangoverMs * sampleRate / 1000;
    this.pending = new short[block];
    this.maxSeg = MAX_SEGMENT_SECONDS * sampleRate;
  }

  /** Feeds little-endian 16-bit PCM. */
  void feed(byte[] pcm, int off, int len, Sink sink) {
    for (int i = off; i + 1 < off + len; i += 2) {
      pending[pendingLen++] = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8));
      if (pendingLen == block) {
        analyse(sink);
        pendingLen = 0;
      }
    }
  }

  private void analyse(Sink sink) {
    double sum = 0;
    for (int i = 0; i < block; i++) {
      sum += (double) pending[i] * pending[i];
    }
    double rms = Math.sqrt(sum / block);
    long blockStart = pos;
    pos += block;
    if (rms >= threshold) {
      if (!inSpeech) {
        inSpeech = true;
        speechStart = blockStart;
        segLen = 0;
      }
      lastSpeechEnd = pos;
    }
    if (inSpeech) {
      append(pending, block);
      if (pos - lastSpeechEnd >= hangoverSamples || segLen >= maxSeg) {
        sink.segment(cut());
      }
    }
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
    Segment s = new Segment(speechStart, lastSpeechEnd,
        Arrays.copyOf(seg, Math.min(speechLen, segLen)));
    inSpeech = false;
    segLen = 0;
    return s;
  }

  /** Ends a running segment now (Finalize, commit, close). */
  void force(Sink sink) {
    if (inSpeech) {
      sink.segment(cut());
    }
  }

  boolean inSpeech() {
    return inSpeech;
  }

  long speechStart() {
    return speechStart;
  }

  /** Samples analysed so far. */
  long position() {
    return pos;
  }

  /** Audio of the running segment so far. */
  short[] running() {
    return Arrays.copyOf(seg, segLen);
  }
}
