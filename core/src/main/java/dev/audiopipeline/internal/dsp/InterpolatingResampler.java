package dev.audiopipeline.internal.dsp;

/**
 * Rational resampler for ratios whose exact polyphase table would be too large (L/M in lowest terms
 * with a large L, e.g. 44 101 Hz to 16 kHz is 16000/44101): the same Kaiser-windowed sinc as {@link
 * PolyphaseResampler}, stored at {@value #PHASES} phases per input sample, with the coefficients
 * for an output's exact fractional position interpolated linearly between the two nearest phases.
 *
 * <p>Positions are exact: in units of {@code 1 / (L * P)} input samples, output {@code j} sits at
 * {@code A_j = (j - D) M P + c L} where {@code c} is the filter's centre (in {@code 1/P} input
 * samples) and {@code D = ceil(c L / (M P))} the delay in output samples, so output {@code j}
 * stands for input time {@code (j - D) M / L} as for the other engines. The newest input sample the
 * output needs is {@code floor(A_j / (L P))}; the remainder picks the phase and the interpolation
 * weight.
 *
 * <p>Linear interpolation of a table oversampled {@value #PHASES} times has an error near -110 dB
 * of the coefficients, well under the 16-bit floor and under the filter's own stop band, so the
 * measured response is that of the exact design (see the converter tests). Each output costs two
 * dot products over {@code T} taps.
 */
final class InterpolatingResampler extends FirResampler {
  /** Table phases per input sample. */
  static final int PHASES = 512;

  /** Largest table, in floats (8 MiB), this engine builds. */
  static final long MAX_TABLE = 1L << 21;

  private final float[] table; // [phase * T + t], phases 0..PHASES, taps reversed
  private final long den; // L * P
  private final long step; // M * P
  private final int l;
  private final long startRem;
  private long rem; // position of the next output within that sample, in 1/(L P)

  InterpolatingResampler(int l, int m, int inRate, int outRate) {
    super(l, m, delay(l, m, inRate, outRate), 2);
    this.l = l;
    double designRate = (double) PHASES * inRate;
    double nyquist = Math.min(inRate, outRate) / 2.0;
    int n = protoLength(inRate, outRate);
    double[] h =
        FilterDesign.lowPass(
            n, FilterDesign.CUTOFF * nyquist / designRate, FilterDesign.BETA, PHASES);
    int c = (n - 1) / 2;
    int t = tapsPerPhase(n);
    this.table = new float[(PHASES + 1) * t];
    for (int ph = 0; ph <= PHASES; ph++) {
      for (int i = 0; i < t; i++) {
        long k = ph + (long) i * PHASES;
        table[ph * t + (t - 1 - i)] = k < n ? (float) h[(int) k] : 0f;
      }
    }
    this.den = (long) l * PHASES;
    this.step = (long) m * PHASES;
    long a0 = -(long) delayFrames() * step + (long) c * l; // <= 0
    long idx0 = Math.floorDiv(a0, den);
    int lead = (int) Math.max(0, -idx0); // silent samples before the first input sample
    this.startRem = Math.floorMod(a0, den);
    initInput(t, lead, idx0 + lead);
  }

  /** Prototype length (odd) at {@value #PHASES} times the input rate. */
  static int protoLength(int inRate, int outRate) {
    long n =
        FilterDesign.minimumTaps((double) PHASES * inRate, Math.min(inRate, outRate) / 2.0) | 1;
    return (int) Math.min(n, Integer.MAX_VALUE - 8);
  }

  private static int tapsPerPhase(int n) {
    int t = (n + PHASES - 1) / PHASES + 1; // + 1: phase PHASES reaches one tap further
    return (t + 7) & ~7;
  }

  /** Floats in the table for this pair. */
  static long tableSize(int inRate, int outRate) {
    return (long) (PHASES + 1) * tapsPerPhase(protoLength(inRate, outRate));
  }

  static int delay(int l, int m, int inRate, int outRate) {
    int c = (protoLength(inRate, outRate) - 1) / 2;
    long num = (long) c * l;
    long d = (long) m * PHASES;
    return (int) ((num + d - 1) / d);
  }

  @Override
  void resetPosition() {
    rem = startRem;
  }

  @Override
  int emit(int limit, short[] out, int outOffset) {
    final float[] x = buf;
    final float[] c = table;
    final int t = taps;
    final float invL = 1f / l;
    int written = 0;
    while (written < limit && next - first < fill) {
      int o = (int) (next - t + 1 - first);
      int p = (int) (rem / l);
      float alpha = (rem - (long) p * l) * invL;
      int c0 = p * t;
      int c1 = c0 + t;
      float a0 = 0;
      float a1 = 0;
      float a2 = 0;
      float a3 = 0;
      float b0 = 0;
      float b1 = 0;
      float b2 = 0;
      float b3 = 0;
      for (int i = 0; i < t; i += 4) {
        float x0 = x[o + i];
        float x1 = x[o + i + 1];
        float x2 = x[o + i + 2];
        float x3 = x[o + i + 3];
        a0 += c[c0 + i] * x0;
        a1 += c[c0 + i + 1] * x1;
        a2 += c[c0 + i + 2] * x2;
        a3 += c[c0 + i + 3] * x3;
        b0 += c[c1 + i] * x0;
        b1 += c[c1 + i + 1] * x1;
        b2 += c[c1 + i + 2] * x2;
        b3 += c[c1 + i + 3] * x3;
      }
      float ya = (a0 + a1) + (a2 + a3);
      float yb = (b0 + b1) + (b2 + b3);
      out[outOffset + written++] = Downmix.toShort(ya + alpha * (yb - ya));
      rem += step;
      if (rem >= den) {
        next += rem / den;
        rem %= den;
      }
    }
    return written;
  }
}
