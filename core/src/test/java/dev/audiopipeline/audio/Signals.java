package dev.audiopipeline.audio;

import java.util.Arrays;

/** Synthesised test signals and measurements (least-squares tone fit, RMS) for converter tests. */
final class Signals {
  private Signals() {}

  /** {@code seconds} of a tone on every channel, interleaved s16. */
  static short[] tone(AudioFormat f, double hz, double amplitude, double seconds, double phase) {
    int frames = (int) Math.round(seconds * f.sampleRate());
    short[] s = new short[frames * f.channels()];
    for (int i = 0; i < frames; i++) {
      double v = amplitude * Math.sin(2 * Math.PI * hz * i / f.sampleRate() + phase);
      short q = (short) Math.round(v);
      for (int c = 0; c < f.channels(); c++) {
        s[i * f.channels() + c] = q;
      }
    }
    return s;
  }

  /** Linear sweep from {@code f0} to {@code f1} Hz over {@code seconds}, every channel. */
  static short[] sweep(AudioFormat f, double f0, double f1, double amplitude, double seconds) {
    int frames = (int) Math.round(seconds * f.sampleRate());
    short[] s = new short[frames * f.channels()];
    double k = (f1 - f0) / seconds;
    for (int i = 0; i < frames; i++) {
      double t = (double) i / f.sampleRate();
      short q = (short) Math.round(amplitude * Math.sin(2 * Math.PI * (f0 * t + 0.5 * k * t * t)));
      for (int c = 0; c < f.channels(); c++) {
        s[i * f.channels() + c] = q;
      }
    }
    return s;
  }

  /** Converts the whole input in one call, then drains. */
  static short[] convertAll(AudioConverter c, short[] in) {
    short[] out = new short[c.maxOutputLength(in.length) + c.maxDrainLength()];
    int n = c.convert(in, 0, in.length, out, 0);
    n += c.drain(out, n);
    return Arrays.copyOf(out, n);
  }

  /**
   * Amplitude of the {@code hz} component of {@code y[from, to)} (sample rate {@code rate}) by a
   * least-squares fit of a sine, a cosine and a constant, fitted together with sines and cosines at
   * the {@code alsoPresent} frequencies so that a strong tone there does not leak into the answer.
   */
  static double amplitude(short[] y, int from, int to, double hz, int rate, double... alsoPresent) {
    double[] f = new double[1 + alsoPresent.length];
    f[0] = hz;
    System.arraycopy(alsoPresent, 0, f, 1, alsoPresent.length);
    double[] x = leastSquares(y, from, to, f, rate);
    return Math.hypot(x[0], x[1]);
  }

  /** {amplitude, rms of the residual after removing the fitted tone and DC}. */
  static double[] fit(short[] y, int from, int to, double hz, int rate) {
    double[] x = leastSquares(y, from, to, new double[] {hz}, rate);
    double ss = 0;
    for (int i = from; i < to; i++) {
      double w = 2 * Math.PI * hz * i / rate;
      double e = y[i] - (x[0] * Math.sin(w) + x[1] * Math.cos(w) + x[2]);
      ss += e * e;
    }
    return new double[] {Math.hypot(x[0], x[1]), Math.sqrt(ss / (to - from))};
  }

  /** Coefficients of [sin f0, cos f0, sin f1, cos f1, ..., 1] by the normal equations. */
  private static double[] leastSquares(short[] y, int from, int to, double[] hz, int rate) {
    int n = 2 * hz.length + 1;
    double[][] a = new double[n][n + 1];
    double[] b = new double[n];
    for (int i = from; i < to; i++) {
      for (int k = 0; k < hz.length; k++) {
        double w = 2 * Math.PI * hz[k] * i / rate;
        b[2 * k] = Math.sin(w);
        b[2 * k + 1] = Math.cos(w);
      }
      b[n - 1] = 1;
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < n; c++) {
          a[r][c] += b[r] * b[c];
        }
        a[r][n] += b[r] * y[i];
      }
    }
    return solve(a);
  }

  private static double[] solve(double[][] a) {
    int n = a.length;
    for (int p = 0; p < n; p++) {
      int best = p;
      for (int r = p + 1; r < n; r++) {
        if (Math.abs(a[r][p]) > Math.abs(a[best][p])) {
          best = r;
        }
      }
      double[] t = a[p];
      a[p] = a[best];
      a[best] = t;
      if (Math.abs(a[p][p]) < 1e-9) {
        continue; // degenerate (e.g. 0 Hz): leave that unknown at 0
      }
      for (int r = 0; r < n; r++) {
        if (r != p) {
          double f = a[r][p] / a[p][p];
          for (int c = p; c <= n; c++) {
            a[r][c] -= f * a[p][c];
          }
        }
      }
    }
    double[] x = new double[n];
    for (int r = 0; r < n; r++) {
      x[r] = Math.abs(a[r][r]) < 1e-9 ? 0 : a[r][n] / a[r][r];
    }
    return x;
  }

  static double rms(short[] y, int from, int to) {
    double ss = 0;
    for (int i = from; i < to; i++) {
      ss += (double) y[i] * y[i];
    }
    return Math.sqrt(ss / (to - from));
  }

  static double db(double ratio) {
    return 20 * Math.log10(Math.max(ratio, 1e-12));
  }
}
