package dev.audiopipeline.elevenlabs.tts;

/** Small signal measurements for assertions on synthesised audio. */
final class Signals {
  private Signals() {}

  static short[] samples(byte[] pcm, int from, int count) {
    short[] out = new short[count];
    for (int i = 0; i < count; i++) {
      int p = 2 * (from + i);
      out[i] = (short) ((pcm[p] & 0xff) | (pcm[p + 1] << 8));
    }
    return out;
  }

  /** Relative power at {@code freq} (Goertzel), normalised by the block's energy. */
  static double goertzelShare(short[] x, int sampleRate, double freq) {
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

  static double rms(short[] x) {
    double e = 0;
    for (short v : x) {
      e += (double) v * v;
    }
    return Math.sqrt(e / Math.max(1, x.length));
  }
}
