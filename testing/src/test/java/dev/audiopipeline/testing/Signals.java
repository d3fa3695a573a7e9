package dev.audiopipeline.testing;

import dev.audiopipeline.audio.AudioFormat;

/** Speech-like test signals: bursts of a two-tone, amplitude-modulated sound at known times. */
final class Signals {
  private Signals() {}

  /**
   * Interleaved samples of {@code totalMs} of audio in {@code format}, silent except for bursts
   * {@code [start, end)} in milliseconds, identical on every channel.
   */
  static short[] bursts(AudioFormat format, long totalMs, long[][] bursts) {
    int rate = format.sampleRate();
    int ch = format.channels();
    int frames = (int) (totalMs * rate / 1000);
    short[] out = new short[frames * ch];
    for (long[] b : bursts) {
      int from = (int) (b[0] * rate / 1000);
      int to = (int) Math.min(frames, b[1] * rate / 1000);
      for (int i = from; i < to; i++) {
        double t = (double) i / rate;
        double env = 0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t);
        double v = env * (0.6 * Math.sin(2 * Math.PI * 220 * t) + 0.4 * Math.sin(2 * Math.PI * 1300 * t));
        short s = (short) Math.round(9000 * v);
        for (int c = 0; c < ch; c++) {
          out[i * ch + c] = s;
        }
      }
    }
    return out;
  }
}
