package dev.audiopipeline.examples.live;

/**
 * A single-producer, single-consumer ring of 16-bit samples: the producer is WebRTC's audio thread
 * (no lock, no allocation), the consumer the playback thread. Overflow policy: a write that does
 * not fit is dropped whole and counted (the audio already queued is kept).
 */
final class SampleRing {
  private final short[] buf;
  private volatile long writePos;
  private volatile long readPos;
  private volatile long dropped;

  SampleRing(int capacity) {
    this.buf = new short[capacity];
  }

  /** Writes mono samples from little-endian PCM bytes; false if dropped (full). */
  boolean writeBytes(byte[] pcm, int offset, int length, int channels) {
    int frames = length / (2 * channels);
    long w = writePos;
    if (w - readPos + frames > buf.length) {
      dropped = dropped + 1;
      return false;
    }
    for (int f = 0; f < frames; f++) {
      int sum = 0;
      for (int c = 0; c < channels; c++) {
        int i = offset + 2 * (f * channels + c);
        sum += (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8));
      }
      buf[(int) ((w + f) % buf.length)] = (short) (sum / channels);
    }
    writePos = w + frames;
    return true;
  }

  /** Samples ready to read. */
  int available() {
    return (int) (writePos - readPos);
  }

  /**
   * Adds {@code n} samples times {@code gain} into {@code mix}; requires {@code available() >= n}.
   */
  void mixInto(int[] mix, int n, double gain) {
    long r = readPos;
    for (int k = 0; k < n; k++) {
      mix[k] += (int) Math.round(buf[(int) ((r + k) % buf.length)] * gain);
    }
    readPos = r + n;
  }

  /** Drops everything queued but the newest {@code keep} samples (after a long stall). */
  void skipTo(int keep) {
    long w = writePos;
    if (w - readPos > keep) {
      readPos = w - keep;
    }
  }

  long dropped() {
    return dropped;
  }
}
