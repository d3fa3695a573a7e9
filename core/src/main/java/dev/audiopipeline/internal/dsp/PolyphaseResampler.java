package dev.audiopipeline.internal.dsp;

/**
 * General rational resampler (ratio L/M in lowest terms): a polyphase windowed-sinc filter.
 *
 * <p>The prototype low-pass {@code h} runs at {@code L * inRate} with centre {@code c}. Output
 * {@code j} stands for input time {@code (j - D) * M / L} where {@code D = ceil(c / M)}, so with
 * {@code a = jM - s} ({@code s = DM - c}) it is {@code y[j] = sum_k h[k] u[a - k]}, {@code u} being
 * the input with L - 1 zeros after each sample. Only the taps with {@code a - k} a multiple of L
 * meet a real sample: phase {@code a mod L} and input index {@code floor(a / L) - i}. The table is
 * stored per phase with the taps reversed, so each output is one forward dot product over the
 * newest {@code T} input samples. The phase sequence is periodic in L and precomputed.
 */
final class PolyphaseResampler extends FirResampler {
  private final float[] table; // [phase * T + t]
  private final int[] nextPhase;
  private final int[] advance;
  private final int startPhase;
  private int phase;

  PolyphaseResampler(int l, int m, int inRate, int outRate) {
    super(l, m, delay(l, m, inRate, outRate), l + 1);
    double designRate = (double) l * inRate;
    double nyquist = Math.min(inRate, outRate) / 2.0;
    int n = protoLength(designRate, nyquist);
    double[] h =
        FilterDesign.lowPass(n, FilterDesign.CUTOFF * nyquist / designRate, FilterDesign.BETA, l);
    int c = (n - 1) / 2;
    int d = delayFrames();
    long s = (long) d * m - c;
    int t = (n + l - 1) / l;
    t = (t + 7) & ~7;
    this.table = new float[l * t];
    for (int ph = 0; ph < l; ph++) {
      for (int i = 0; i < t; i++) {
        long k = ph + (long) i * l;
        table[ph * t + (t - 1 - i)] = k < n ? (float) h[(int) k] : 0f;
      }
    }
    int lead = (int) ((s + l - 1) / l); // P: silent samples before the first input sample
    long a0 = (long) lead * l - s; // >= 0
    this.startPhase = (int) (a0 % l);
    this.nextPhase = new int[l];
    this.advance = new int[l];
    for (int ph = 0; ph < l; ph++) {
      nextPhase[ph] = (ph + m) % l;
      advance[ph] = (ph + m) / l;
    }
    initInput(t, lead, a0 / l);
  }

  static int protoLength(double designRate, double nyquist) {
    long n = FilterDesign.minimumTaps(designRate, nyquist) | 1;
    if (n > 1 << 20) {
      throw new IllegalArgumentException("filter too long for this ratio: " + n + " taps");
    }
    return (int) n;
  }

  static int delay(int l, int m, int inRate, int outRate) {
    int n = protoLength((double) l * inRate, Math.min(inRate, outRate) / 2.0);
    int c = (n - 1) / 2;
    return (c + m - 1) / m;
  }

  @Override
  void resetPosition() {
    phase = startPhase;
  }

  @Override
  int emit(int limit, short[] out, int outOffset) {
    final float[] x = buf;
    final float[] c = table;
    final int t = taps;
    int written = 0;
    while (written < limit && next - first < fill) {
      int o = (int) (next - t + 1 - first);
      int cb = phase * t;
      float a0 = 0;
      float a1 = 0;
      float a2 = 0;
      float a3 = 0;
      float a4 = 0;
      float a5 = 0;
      float a6 = 0;
      float a7 = 0;
      for (int i = 0; i < t; i += 8) { // eight independent sums keep the FP adders busy
        a0 += c[cb + i] * x[o + i];
        a1 += c[cb + i + 1] * x[o + i + 1];
        a2 += c[cb + i + 2] * x[o + i + 2];
        a3 += c[cb + i + 3] * x[o + i + 3];
        a4 += c[cb + i + 4] * x[o + i + 4];
        a5 += c[cb + i + 5] * x[o + i + 5];
        a6 += c[cb + i + 6] * x[o + i + 6];
        a7 += c[cb + i + 7] * x[o + i + 7];
      }
      out[outOffset + written++] =
          Downmix.toShort(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
      next += advance[phase];
      phase = nextPhase[phase];
    }
    return written;
  }
}
