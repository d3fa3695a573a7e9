package dev.audiopipeline.internal.dsp;

import java.util.Arrays;

/**
 * Rational resampler for small up-sampling factors (ratio L/M with 2 &lt;= L &lt;= 4, e.g. 8 to 16,
 * 16 to 24, 24 to 16 kHz) using the same vectorisable block kernel as {@link BlockDecimator}.
 *
 * <p>Output {@code j = qL + u} falls in one of L "classes" {@code u}. Within a class the polyphase
 * phase is fixed and consecutive outputs move M input samples on, so each class is an M-fold
 * decimator with its own taps: {@code y[qL + u] = sum_r sum_k coef[u][r][k] * stream_r[q - k]},
 * where group {@code g} of M input samples ends at the newest sample any class of output {@code q}
 * needs. The streams, their delayed copies and the sliding accumulator are as in {@link
 * BlockDecimator}; each class has its own accumulator and the classes are interleaved on output.
 * The filter and the output timing are those of {@link PolyphaseResampler}.
 */
final class BlockResampler extends Resampler {
  private static final int BLOCK = 256;
  private static final int SHIFTS = 4;

  private final int l;
  private final int m;
  private final int groups; // taps per (class, stream), a multiple of SHIFTS
  private final int history;
  private final float[] coef; // [((u * m) + r) * groups + k]
  private final float[][] shifted; // [r * SHIFTS + p][n] = stream_r at n - p
  private final float[] pending;
  private final float[][] acc; // per class
  private final int[] at; // per class: index of output 0 in acc after filter()
  private final int leadZeros; // silence before the first input sample
  private final int leadGroups; // groups whose outputs precede output 0 (dropped)
  private int pendingCount;
  private int filled;
  private int toSkip;

  BlockResampler(int l, int m, int inRate, int outRate, int channels) {
    super(l, m, PolyphaseResampler.delay(l, m, inRate, outRate));
    this.l = l;
    this.m = m;
    double designRate = (double) l * inRate;
    double nyquist = Math.min(inRate, outRate) / 2.0;
    int n = PolyphaseResampler.protoLength(designRate, nyquist);
    double[] h =
        FilterDesign.lowPass(
            n,
            FilterDesign.CUTOFF * nyquist / designRate,
            FilterDesign.BETA,
            (double) l / channels);
    int c = (n - 1) / 2;
    long s = (long) delayFrames() * m - c;
    // class u: phase (uM - s) mod L, newest input index qM + b[u]
    int[] phase = new int[l];
    int[] b = new int[l];
    int newest = Integer.MIN_VALUE;
    for (int u = 0; u < l; u++) {
      long a = (long) u * m - s;
      phase[u] = (int) Math.floorMod(a, (long) l);
      b[u] = (int) Math.floorDiv(a, (long) l);
      newest = Math.max(newest, b[u]);
    }
    // group q holds x[qM + newest - M + 1 .. qM + newest]; stream r holds element r
    int maxK = 0;
    int perPhase = (n + l - 1) / l;
    for (int u = 0; u < l; u++) {
      for (int i = 0; i < perPhase; i++) {
        int w = b[u] - i - newest + m - 1; // position relative to the start of group q
        maxK = Math.max(maxK, -Math.floorDiv(w, m));
      }
    }
    this.groups = (maxK + 1 + SHIFTS - 1) / SHIFTS * SHIFTS;
    this.history = groups - 1;
    this.coef = new float[l * m * groups];
    for (int u = 0; u < l; u++) {
      for (int i = 0; i < perPhase; i++) {
        int k = phase[u] + i * l;
        if (k >= n) {
          continue;
        }
        int w = b[u] - i - newest + m - 1;
        int r = Math.floorMod(w, m);
        int back = -Math.floorDiv(w, m);
        coef[((u * m) + r) * groups + back] = (float) h[k];
      }
    }
    int lead = Math.floorMod(m - 1 - newest, m);
    this.leadZeros = lead;
    this.leadGroups = (newest + lead - m + 1) / m;
    this.shifted = new float[m * SHIFTS][history + BLOCK + SHIFTS];
    this.pending = new float[m];
    this.acc = new float[l][history + BLOCK + SHIFTS];
    this.at = new int[l];
    doReset();
  }

  @Override
  int doProcess(short[] in, int offset, int frames, int channels, short[] out, int outOffset) {
    int written = 0;
    int pos = 0;
    while (pos < frames) {
      if (pendingCount > 0) {
        int n = Math.min(m - pendingCount, frames - pos);
        Downmix.toSum(in, offset + pos * channels, n, channels, pending, pendingCount);
        pendingCount += n;
        pos += n;
        if (pendingCount < m) {
          break;
        }
        for (int r = 0; r < m; r++) {
          shifted[r * SHIFTS][history + filled] = pending[r];
        }
        pendingCount = 0;
        filled++;
      }
      int whole = Math.min((frames - pos) / m, BLOCK - filled);
      split(in, offset + pos * channels, whole, channels);
      pos += whole * m;
      if (filled == BLOCK || frames - pos < m) {
        written += flush(out, outOffset + written, Integer.MAX_VALUE);
      }
      if (frames - pos < m) {
        int n = frames - pos;
        Downmix.toSum(in, offset + pos * channels, n, channels, pending, 0);
        pendingCount = n;
        pos = frames;
      }
    }
    return written;
  }

  @Override
  int doDrain(int count, short[] out, int outOffset) {
    int written = 0;
    if (pendingCount > 0) {
      for (int r = 0; r < m; r++) {
        shifted[r * SHIFTS][history + filled] = r < pendingCount ? pending[r] : 0f;
      }
      pendingCount = 0;
      filled++;
    }
    while (true) {
      written += flush(out, outOffset + written, count - written);
      if (written >= count) {
        return written;
      }
      int n = Math.min((count - written + l - 1) / l + toSkip, BLOCK - filled);
      for (int r = 0; r < m; r++) {
        int p = history + filled;
        Arrays.fill(shifted[r * SHIFTS], p, p + n, 0f);
      }
      filled += n;
    }
  }

  @Override
  void doReset() {
    for (float[] s : shifted) {
      Arrays.fill(s, 0f);
    }
    Arrays.fill(pending, 0f);
    pendingCount = leadZeros;
    filled = 0;
    toSkip = leadGroups;
  }

  /** Filters the {@code filled} new groups; writes at most {@code limit} outputs. */
  private int flush(short[] out, int outOffset, int limit) {
    int g = filled;
    if (g == 0) {
      return 0;
    }
    for (int r = 0; r < m; r++) {
      float[] s = shifted[r * SHIFTS];
      for (int d = 1; d < SHIFTS; d++) {
        System.arraycopy(s, 0, shifted[r * SHIFTS + d], d, history + g);
      }
    }
    for (int u = 0; u < l; u++) {
      at[u] = filter(u, g);
    }
    int skip = Math.min(toSkip, g);
    toSkip -= skip;
    int written = 0;
    for (int q = skip; q < g && written < limit; q++) {
      for (int u = 0; u < l && written < limit; u++) {
        out[outOffset + written++] = Downmix.toShort(acc[u][at[u] + q]);
      }
    }
    for (int r = 0; r < m; r++) {
      float[] s = shifted[r * SHIFTS];
      System.arraycopy(s, g, s, 0, history);
    }
    filled = 0;
    return written;
  }

  private void split(short[] in, int offset, int n, int channels) {
    int h = history + filled;
    int step = m * channels;
    for (int r = 0; r < m; r++) {
      float[] s = shifted[r * SHIFTS];
      for (int j = 0; j < n; j++) {
        int p = offset + j * step + r * channels;
        int sum = 0;
        for (int c = 0; c < channels; c++) {
          sum += in[p + c];
        }
        s[h + j] = sum;
      }
    }
    filled += n;
  }

  /** As {@link BlockDecimator}, for class {@code u}; returns the index of output 0 in acc[u]. */
  private int filter(int u, int g) {
    final float[] y = acc[u];
    int o = history;
    Arrays.fill(y, o, o + g, 0f);
    for (int t = 0; t < groups; t += SHIFTS) {
      for (int r = 0; r < m; r++) {
        int cb = ((u * m) + r) * groups + t;
        float c0 = coef[cb];
        float c1 = coef[cb + 1];
        float c2 = coef[cb + 2];
        float c3 = coef[cb + 3];
        if (c0 == 0f && c1 == 0f && c2 == 0f && c3 == 0f) {
          continue; // padding
        }
        float[] s0 = shifted[r * SHIFTS];
        float[] s1 = shifted[r * SHIFTS + 1];
        float[] s2 = shifted[r * SHIFTS + 2];
        float[] s3 = shifted[r * SHIFTS + 3];
        int end = o + g;
        for (int j = o; j < end; j++) {
          y[j] = y[j] + c0 * s0[j] + c1 * s1[j] + c2 * s2[j] + c3 * s3[j];
        }
      }
      if (t + SHIFTS < groups) {
        System.arraycopy(y, o, y, o - SHIFTS, g);
        o -= SHIFTS;
      }
    }
    return o;
  }
}
