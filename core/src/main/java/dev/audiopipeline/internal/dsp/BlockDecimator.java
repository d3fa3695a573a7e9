package dev.audiopipeline.internal.dsp;

import java.util.Arrays;

/**
 * Integer-factor decimator (ratio 1/M) that computes a block of outputs at a time in a form the JIT
 * turns into SIMD code.
 *
 * <p>The filter {@code h} (length {@code N = 2Mq + 1}, centre {@code Mq}) gives output {@code y[j]
 * = sum_k h[k] x[jM - k]}, whose group delay is exactly {@code q} output samples. Splitting the
 * taps as {@code k = iM + M - 1 - r} turns the input into M "group streams": group {@code g} holds
 * {@code x[gM - M + 1 .. gM]} and stream {@code r} holds element {@code r} of every group, so
 *
 * <pre>y[j] = sum_r sum_i c_r[i] * stream_r[j - i],   c_r[i] = h[iM + M - 1 - r]</pre>
 *
 * <h2>Why the kernel looks the way it does</h2>
 *
 * <p>C2 (JDK 17; still true in 25 for same-type arrays) vectorises a loop only when every array in
 * it is indexed by the same expression: {@code y[j] += c * s[j + o]} with a run-time {@code o}
 * stays scalar, and that is exactly what a convolution needs, with a different {@code o} per tap.
 * So the shifts are moved out of the inner loop:
 *
 * <ul>
 *   <li>each stream is kept in {@value #SHIFTS} copies, copy {@code p} delayed by {@code p}
 *       samples, so the taps {@code i = 4t .. 4t + 3} of a stream read the four copies at one
 *       index;
 *   <li>the accumulator slides instead of the data: in pass {@code t} the sum for output {@code j}
 *       lives at {@code acc[o_t + j]} where {@code o_t} is the index the taps of that pass read,
 *       and between passes one {@code arraycopy} moves the block of sums down by four.
 * </ul>
 *
 * <p>Every array in the inner loop is then read at {@code [j]}, with 4M taps per pass (one loop per
 * stream: JDK 17 stops vectorising loops over more than five or six arrays) and one copy of {@code
 * g} floats per pass instead of one per tap. Measured alternatives that did not help: FMA, five
 * taps per loop, padding the block to a multiple of the vector length. Each output is always summed
 * in the same order, so the result does not depend on how the input is split into calls. Nothing is
 * allocated after construction.
 */
final class BlockDecimator extends Resampler {
  /** Outputs computed per block. */
  private static final int BLOCK = 256;

  /** Delayed copies per stream: taps per stream per pass. */
  private static final int SHIFTS = 4;

  private final int m;
  private final int groups; // I: taps per stream, a multiple of SHIFTS
  private final int history; // I - 1 groups kept between blocks
  private final float[] coef; // [r * groups + i] = c_r[i]
  private final float[][] shifted; // [r * SHIFTS + p][n] = stream_r at n - p (history first)
  private final float[] pending; // channel sums of a group not yet complete
  private final float[] acc; // sliding sums
  private int pendingCount;
  private int filled; // new groups in the streams, not yet filtered

  BlockDecimator(int m, int inRate, int channels) {
    super(1, m, delay(m, inRate));
    this.m = m;
    int q = delay(m, inRate);
    int taps = 2 * m * q + 1;
    double nyquist = inRate / (2.0 * m);
    // the streams hold the sum of the channels: the 1/channels of the average is in the taps
    double[] h =
        FilterDesign.lowPass(
            taps, FilterDesign.CUTOFF * nyquist / inRate, FilterDesign.BETA, 1.0 / channels);
    int g = (taps + m - 1) / m;
    this.groups = (g + SHIFTS - 1) / SHIFTS * SHIFTS;
    this.history = groups - 1;
    this.coef = new float[m * groups];
    for (int r = 0; r < m; r++) {
      for (int i = 0; i < groups; i++) {
        int k = i * m + m - 1 - r;
        coef[r * groups + i] = k < taps ? (float) h[k] : 0f;
      }
    }
    this.shifted = new float[m * SHIFTS][history + BLOCK + SHIFTS];
    this.pending = new float[m];
    this.acc = new float[history + BLOCK + SHIFTS];
    doReset();
  }

  /** q: half the filter length in output samples, from the shared design rule. */
  private static int delay(int m, int inRate) {
    long min = FilterDesign.minimumTaps(inRate, inRate / (2.0 * m));
    return (int) ((min - 1 + 2L * m - 1) / (2L * m)); // smallest q with 2mq + 1 >= min
  }

  /** Filter length in input samples. */
  int taps() {
    return 2 * m * delayFrames() + 1;
  }

  @Override
  int doProcess(short[] in, int offset, int frames, int channels, short[] out, int outOffset) {
    int written = 0;
    int pos = 0;
    while (pos < frames) {
      if (pendingCount > 0) {
        // complete the group begun by an earlier call
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
        written += flush(out, outOffset + written);
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
    // silence that completes exactly `count` more groups
    int written = 0;
    int left = count;
    if (pendingCount > 0) {
      for (int r = 0; r < m; r++) {
        shifted[r * SHIFTS][history + filled] = r < pendingCount ? pending[r] : 0f;
      }
      pendingCount = 0;
      filled++;
      left--;
    }
    while (true) {
      int n = Math.min(left, BLOCK - filled);
      for (int r = 0; r < m; r++) {
        int at = history + filled;
        Arrays.fill(shifted[r * SHIFTS], at, at + n, 0f);
      }
      filled += n;
      left -= n;
      written += flush(out, outOffset + written);
      if (left == 0) {
        return written;
      }
    }
  }

  @Override
  void doReset() {
    for (float[] s : shifted) {
      Arrays.fill(s, 0f);
    }
    // group 0 is x[-M+1 .. 0]: M - 1 samples of silence come before the first input sample
    Arrays.fill(pending, 0f);
    pendingCount = m - 1;
    filled = 0;
  }

  /** Filters the {@code filled} new groups into outputs. */
  private int flush(short[] out, int outOffset) {
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
    int at = filter(g);
    for (int j = 0; j < g; j++) {
      out[outOffset + j] = Downmix.toShort(acc[at + j]);
    }
    for (int r = 0; r < m; r++) {
      float[] s = shifted[r * SHIFTS];
      System.arraycopy(s, g, s, 0, history);
    }
    filled = 0;
    return g;
  }

  /**
   * Adds up the channels of {@code n} whole groups of interleaved input straight into the undelayed
   * streams, after the {@code filled} groups already there.
   */
  private void split(short[] in, int offset, int n, int channels) {
    int h = history + filled;
    if (m == 3 && channels == 2) {
      float[] s0 = shifted[0];
      float[] s1 = shifted[SHIFTS];
      float[] s2 = shifted[2 * SHIFTS];
      int end = offset + 6 * n;
      int j = h;
      for (int p = offset; p < end; p += 6) { // loads first: measurably faster on JDK 17
        int l0 = in[p];
        int r0 = in[p + 1];
        int l1 = in[p + 2];
        int r1 = in[p + 3];
        int l2 = in[p + 4];
        int r2 = in[p + 5];
        s0[j] = l0 + r0;
        s1[j] = l1 + r1;
        s2[j] = l2 + r2;
        j++;
      }
    } else if (m == 3 && channels == 1) {
      float[] s0 = shifted[0];
      float[] s1 = shifted[SHIFTS];
      float[] s2 = shifted[2 * SHIFTS];
      int end = offset + 3 * n;
      int j = h;
      for (int p = offset; p < end; p += 3) {
        int x0 = in[p];
        int x1 = in[p + 1];
        int x2 = in[p + 2];
        s0[j] = x0;
        s1[j] = x1;
        s2[j] = x2;
        j++;
      }
    } else {
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
    }
    filled += n;
  }

  /**
   * Sums the g new outputs into {@code acc}; returns the index of output 0 in it.
   *
   * <p>Pass {@code t} covers taps {@code 4t .. 4t + 3} of every stream; they read {@code stream_r[j
   * - 4t - d]}, which is {@code shifted[r][d][o + j]} with {@code o = history - 4t}.
   */
  private int filter(int g) {
    final float[] y = acc;
    int o = history;
    Arrays.fill(y, o, o + g, 0f);
    for (int t = 0; t < groups; t += SHIFTS) {
      for (int r = 0; r < m; r++) {
        int cb = r * groups + t;
        float c0 = coef[cb];
        float c1 = coef[cb + 1];
        float c2 = coef[cb + 2];
        float c3 = coef[cb + 3];
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
