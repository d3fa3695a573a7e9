package dev.audiopipeline.turn;

import java.util.Arrays;

/**
 * A complex FFT of one fixed size, for the mel features: a mixed-radix Stockham autosort transform
 * (radix 4, 2 and 5, and a generic butterfly for other small primes), so sizes such as 200 =
 * 4·2·5·5 need no padding to a power of two. The plan (radices, twiddle factors) is made once in
 * the constructor; {@link #transform} allocates nothing.
 *
 * <p>Not thread-safe: an instance owns its scratch buffers. Forward transform, no scaling: {@code
 * X[k] = Σ x[t]·e^(-2πi·t·k/n)}.
 */
final class MelFft {
  private final int n;
  private final int[] radices;

  /** Per stage, {@code W_len^(p·j)} at {@code [p * r + j]}, len = the stage's sub-length. */
  private final double[][] twiddleRe;

  private final double[][] twiddleIm;

  /** Per stage, the r-th roots of unity {@code e^(-2πi·k/r)}, for the generic butterfly. */
  private final double[][] rootsRe;

  private final double[][] rootsIm;

  /** Ping-pong partner of the caller's arrays. */
  private final double[] scratchRe;

  private final double[] scratchIm;

  /** Inputs of one generic butterfly. */
  private final double[] inRe;

  private final double[] inIm;

  MelFft(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("FFT size " + n + " must be at least 1");
    }
    this.n = n;
    this.radices = factor(n);
    this.twiddleRe = new double[radices.length][];
    this.twiddleIm = new double[radices.length][];
    this.rootsRe = new double[radices.length][];
    this.rootsIm = new double[radices.length][];
    int len = n;
    int maxRadix = 1;
    for (int stage = 0; stage < radices.length; stage++) {
      int r = radices[stage];
      maxRadix = Math.max(maxRadix, r);
      int m = len / r;
      double[] re = new double[m * r];
      double[] im = new double[m * r];
      for (int p = 0; p < m; p++) {
        for (int j = 0; j < r; j++) {
          double angle = -2 * Math.PI * (((long) p * j) % len) / len;
          re[p * r + j] = Math.cos(angle);
          im[p * r + j] = Math.sin(angle);
        }
      }
      twiddleRe[stage] = re;
      rootsRe[stage] = new double[r];
      rootsIm[stage] = new double[r];
      for (int k = 0; k < r; k++) {
        rootsRe[stage][k] = Math.cos(-2 * Math.PI * k / r);
        rootsIm[stage][k] = Math.sin(-2 * Math.PI * k / r);
      }
      twiddleIm[stage] = im;
      len = m;
    }
    this.scratchRe = new double[n];
    this.scratchIm = new double[n];
    this.inRe = new double[maxRadix];
    this.inIm = new double[maxRadix];
  }

  int size() {
    return n;
  }

  /** Radix 4 first (fewest multiplications), then 2, 3, 5, then any remaining prime. */
  private static int[] factor(int n) {
    int[] out = new int[32];
    int count = 0;
    int rest = n;
    while (rest % 4 == 0) {
      out[count++] = 4;
      rest /= 4;
    }
    for (int p = 2; rest > 1; p++) {
      while (rest % p == 0) {
        if (p > 64) {
          throw new IllegalArgumentException(
              "FFT size " + n + " has a prime factor " + p + " above 64; use a smoother size");
        }
        out[count++] = p;
        rest /= p;
      }
    }
    return Arrays.copyOf(out, count);
  }

  /**
   * Transforms {@code re}/{@code im} (length {@link #size()}) in place.
   *
   * @throws IllegalArgumentException if an array has the wrong length
   */
  void transform(double[] re, double[] im) {
    if (re.length != n || im.length != n) {
      throw new IllegalArgumentException(
          "FFT of size " + n + " got arrays of length " + re.length + " and " + im.length);
    }
    double[] xr = re;
    double[] xi = im;
    double[] yr = scratchRe;
    double[] yi = scratchIm;
    int len = n;
    int stride = 1;
    for (int stage = 0; stage < radices.length; stage++) {
      int r = radices[stage];
      int m = len / r;
      double[] wr = twiddleRe[stage];
      double[] wi = twiddleIm[stage];
      switch (r) {
        case 4 -> radix4(xr, xi, yr, yi, m, stride, wr, wi);
        case 2 -> radix2(xr, xi, yr, yi, m, stride, wr, wi);
        case 5 -> radix5(xr, xi, yr, yi, m, stride, wr, wi);
        default ->
            radixGeneric(r, rootsRe[stage], rootsIm[stage], xr, xi, yr, yi, m, stride, wr, wi);
      }
      len = m;
      stride *= r;
      double[] t = xr;
      xr = yr;
      yr = t;
      t = xi;
      xi = yi;
      yi = t;
    }
    if (xr != re) {
      System.arraycopy(xr, 0, re, 0, n);
      System.arraycopy(xi, 0, im, 0, n);
    }
  }

  // One Stockham stage: for each p < m and q < stride, the r inputs x[q + s·(p + k·m)] go through
  // an r-point DFT; output j is multiplied by W_len^(p·j) and stored at y[q + s·(r·p + j)].

  private static void radix2(
      double[] xr, double[] xi, double[] yr, double[] yi, int m, int s, double[] wr, double[] wi) {
    for (int p = 0; p < m; p++) {
      double w1r = wr[2 * p + 1];
      double w1i = wi[2 * p + 1];
      for (int q = 0; q < s; q++) {
        int i0 = q + s * p;
        int i1 = i0 + s * m;
        double ar = xr[i0];
        double ai = xi[i0];
        double br = xr[i1];
        double bi = xi[i1];
        int o = q + s * 2 * p;
        yr[o] = ar + br;
        yi[o] = ai + bi;
        double dr = ar - br;
        double di = ai - bi;
        yr[o + s] = dr * w1r - di * w1i;
        yi[o + s] = dr * w1i + di * w1r;
      }
    }
  }

  private static void radix4(
      double[] xr, double[] xi, double[] yr, double[] yi, int m, int s, double[] wr, double[] wi) {
    int sm = s * m;
    for (int p = 0; p < m; p++) {
      int t = 4 * p;
      double w1r = wr[t + 1];
      double w1i = wi[t + 1];
      double w2r = wr[t + 2];
      double w2i = wi[t + 2];
      double w3r = wr[t + 3];
      double w3i = wi[t + 3];
      for (int q = 0; q < s; q++) {
        int i0 = q + s * p;
        double a0r = xr[i0];
        double a0i = xi[i0];
        double a1r = xr[i0 + sm];
        double a1i = xi[i0 + sm];
        double a2r = xr[i0 + 2 * sm];
        double a2i = xi[i0 + 2 * sm];
        double a3r = xr[i0 + 3 * sm];
        double a3i = xi[i0 + 3 * sm];
        double t0r = a0r + a2r;
        double t0i = a0i + a2i;
        double t1r = a0r - a2r;
        double t1i = a0i - a2i;
        double t2r = a1r + a3r;
        double t2i = a1i + a3i;
        double t3r = a1r - a3r;
        double t3i = a1i - a3i;
        // b0 = t0 + t2, b2 = t0 - t2, b1 = t1 - i·t3, b3 = t1 + i·t3
        double b1r = t1r + t3i;
        double b1i = t1i - t3r;
        double b2r = t0r - t2r;
        double b2i = t0i - t2i;
        double b3r = t1r - t3i;
        double b3i = t1i + t3r;
        int o = q + s * t;
        yr[o] = t0r + t2r;
        yi[o] = t0i + t2i;
        yr[o + s] = b1r * w1r - b1i * w1i;
        yi[o + s] = b1r * w1i + b1i * w1r;
        yr[o + 2 * s] = b2r * w2r - b2i * w2i;
        yi[o + 2 * s] = b2r * w2i + b2i * w2r;
        yr[o + 3 * s] = b3r * w3r - b3i * w3i;
        yi[o + 3 * s] = b3r * w3i + b3i * w3r;
      }
    }
  }

  private static final double C1 = Math.cos(2 * Math.PI / 5);
  private static final double C2 = Math.cos(4 * Math.PI / 5);
  private static final double S1 = Math.sin(2 * Math.PI / 5);
  private static final double S2 = Math.sin(4 * Math.PI / 5);

  /** The 5-point DFT by its symmetric pairs (a1 ± a4, a2 ± a3): 10 real multiplications. */
  private static void radix5(
      double[] xr, double[] xi, double[] yr, double[] yi, int m, int s, double[] wr, double[] wi) {
    int sm = s * m;
    for (int p = 0; p < m; p++) {
      int t = 5 * p;
      for (int q = 0; q < s; q++) {
        int i0 = q + s * p;
        double a0r = xr[i0];
        double a0i = xi[i0];
        double a1r = xr[i0 + sm];
        double a1i = xi[i0 + sm];
        double a2r = xr[i0 + 2 * sm];
        double a2i = xi[i0 + 2 * sm];
        double a3r = xr[i0 + 3 * sm];
        double a3i = xi[i0 + 3 * sm];
        double a4r = xr[i0 + 4 * sm];
        double a4i = xi[i0 + 4 * sm];
        double t1r = a1r + a4r;
        double t1i = a1i + a4i;
        double t2r = a2r + a3r;
        double t2i = a2i + a3i;
        double t3r = a1r - a4r;
        double t3i = a1i - a4i;
        double t4r = a2r - a3r;
        double t4i = a2i - a3i;
        double m1r = a0r + C1 * t1r + C2 * t2r;
        double m1i = a0i + C1 * t1i + C2 * t2i;
        double m2r = a0r + C2 * t1r + C1 * t2r;
        double m2i = a0i + C2 * t1i + C1 * t2i;
        double n1r = S1 * t3r + S2 * t4r;
        double n1i = S1 * t3i + S2 * t4i;
        double n2r = S2 * t3r - S1 * t4r;
        double n2i = S2 * t3i - S1 * t4i;
        int o = q + s * t;
        yr[o] = a0r + t1r + t2r;
        yi[o] = a0i + t1i + t2i;
        // b1 = m1 - i·n1, b4 = m1 + i·n1, b2 = m2 - i·n2, b3 = m2 + i·n2; then the twiddles
        store(yr, yi, o + s, m1r + n1i, m1i - n1r, wr[t + 1], wi[t + 1]);
        store(yr, yi, o + 2 * s, m2r + n2i, m2i - n2r, wr[t + 2], wi[t + 2]);
        store(yr, yi, o + 3 * s, m2r - n2i, m2i + n2r, wr[t + 3], wi[t + 3]);
        store(yr, yi, o + 4 * s, m1r - n1i, m1i + n1r, wr[t + 4], wi[t + 4]);
      }
    }
  }

  private static void store(
      double[] yr, double[] yi, int at, double br, double bi, double w1r, double w1i) {
    yr[at] = br * w1r - bi * w1i;
    yi[at] = br * w1i + bi * w1r;
  }

  private void radixGeneric(
      int r,
      double[] rootRe,
      double[] rootIm,
      double[] xr,
      double[] xi,
      double[] yr,
      double[] yi,
      int m,
      int s,
      double[] wr,
      double[] wi) {
    int sm = s * m;
    for (int p = 0; p < m; p++) {
      for (int q = 0; q < s; q++) {
        int i0 = q + s * p;
        for (int k = 0; k < r; k++) {
          inRe[k] = xr[i0 + k * sm];
          inIm[k] = xi[i0 + k * sm];
        }
        int o = q + s * r * p;
        for (int j = 0; j < r; j++) {
          double sr = 0;
          double si = 0;
          int e = 0;
          for (int k = 0; k < r; k++) {
            double cr = rootRe[e];
            double ci = rootIm[e];
            sr += inRe[k] * cr - inIm[k] * ci;
            si += inRe[k] * ci + inIm[k] * cr;
            e += j;
            if (e >= r) {
              e -= r;
            }
          }
          double w1r = wr[p * r + j];
          double w1i = wi[p * r + j];
          yr[o + s * j] = sr * w1r - si * w1i;
          yi[o + s * j] = sr * w1i + si * w1r;
        }
      }
    }
  }
}
