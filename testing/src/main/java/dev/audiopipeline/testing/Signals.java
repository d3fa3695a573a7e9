package dev.audiopipeline.testing;

import dev.audiopipeline.audio.AudioFormat;

/**
 * Test signals and small measurements on 16-bit audio: speech-like bursts at known times, samples
 * out of little-endian PCM, RMS level and the share of one frequency (Goertzel). For a tone and
 * silence script at 16 kHz see {@link Audio}.
 */
public final class Signals {
  private Signals() {}

  /**
   * Interleaved samples of {@code totalMs} of audio in {@code format}, silent except for bursts
   * {@code [start, end)} in milliseconds, identical on every channel. A burst is a two-tone (220
   * and 1300 Hz), 4 Hz amplitude-modulated sound at about -11 dBFS peak: speech to an energy
   * detector.
   */
  public static short[] bursts(AudioFormat format, long totalMs, long[][] bursts) {
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
        double v =
            env * (0.6 * Math.sin(2 * Math.PI * 220 * t) + 0.4 * Math.sin(2 * Math.PI * 1300 * t));
        short s = (short) Math.round(9000 * v);
        for (int c = 0; c < ch; c++) {
          out[i * ch + c] = s;
        }
      }
    }
    return out;
  }

  /** {@code count} samples of little-endian 16-bit {@code pcm}, from sample {@code from}. */
  public static short[] samples(byte[] pcm, int from, int count) {
    short[] out = new short[count];
    for (int i = 0; i < count; i++) {
      int p = 2 * (from + i);
      out[i] = (short) ((pcm[p] & 0xff) | (pcm[p + 1] << 8));
    }
    return out;
  }

  /**
   * Relative power at {@code freq} (Goertzel), normalised by the block's energy: about 1 for a pure
   * tone at {@code freq}, near 0 for a tone elsewhere, 0 for silence.
   */
  public static double goertzelShare(short[] x, int sampleRate, double freq) {
    double w = 2 * Math.PI * freq / sampleRate;
    double coeff = 2 * Math.cos(w);
    double s1 = 0;
    double s2 = 0;
    double energy = 0;
    for (short v : x) {
      double s = v + coeff * s1 - s2;
      s2 = s1;
      s1 = s;
      energy += (double) v * v;
    }
    double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    return energy == 0 ? 0 : power / (energy * x.length / 2.0);
  }

  /** Root mean square of {@code x}, in sample units (0 for no samples). */
  public static double rms(short[] x) {
    double e = 0;
    for (short v : x) {
      e += (double) v * v;
    }
    return Math.sqrt(e / Math.max(1, x.length));
  }
}
