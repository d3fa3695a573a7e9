package dev.audiopipeline.internal;

import java.util.Arrays;

/**
 * Integer-factor decimator (ratio 1/M) that computes a block of outputs at a time so that the JIT
 * can vectorise the inner loop.
 *
 * <p>The filter {@code h} (length {@code N = 2Mq + 1}, centre {@code Mq}) gives output {@code y[j] =
 * sum_k h[k] x[jM - k]}, whose group delay is exactly {@code q} output samples. Splitting the taps
 * as {@code k = iM + p} turns the input into M "group streams": group {@code g} holds {@code
 * x[gM - M + 1 .. gM]} and stream {@code r} holds element {@code r} of every group, so
 *
 * <pre>y[j] = sum_r sum_i c_r[i] * stream_r[j - i],   c_r[i] = h[iM + M - 1 - r]</pre>
 *
 * <p>For a fixed tap {@code (r, i)} the update over a block of outputs {@code j} is an axpy over
 * contiguous floats, which C2 turns into SIMD code; four taps share one pass over the accumulator.
 * Each output is always summed in the same order, so the result does not depend on how the input
 * is split into calls. Nothing is allocated after construction.
 */
final class BlockDecimator extends Resampler {
  /** Outputs computed per block. */
  private static final int BLOCK = 256;

  private final int m;
  private final int groups; // I: taps per stream
  private final int history; // I - 1 groups kept between blocks
  private final int stride; // length of one stream
  private final float[] coef; // [r * groups + i] = c_r[i]
  private final float[] streams; // stream r at [r * stride, (r + 1) * stride)
  private final float[] pending; // mono input not yet split into complete groups
  private final float[] acc = new float[BLOCK];
  private int pendingCount;

  BlockDecimator(int m, int inRate) {
    super(1, m, delay(m, inRate));
    this.m = m;
    int q = delay(m, inRate);
    int taps = 2 * m * q + 1;
    double nyquist = inRate / (2.0 * m);
    double[] h =
        FilterDesign.lowPass(taps, FilterDesign.CUTOFF * nyquist / inRate, FilterDesign.BETA, 1.0);
    this.groups = (taps + m - 1) / m;
    this.history = groups - 1;
    this.stride = history + BLOCK;
    this.coef = new float[m * groups];
    for (int r = 0; r < m; r++) {
      for (int i = 0; i < groups; i++) {
        int k = i * m + m - 1 - r;
        coef[r * groups + i] = k < taps ? (float) h[k] : 0f;
      }
    }
    this.streams = new float[m * stride];
    this.pending = new float[BLOCK * m + m];
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
    int done = 0;
    while (done < frames) {
      int n = Math.min(frames - done, BLOCK * m - pendingCount);
      Downmix.toMono(in, offset + done * channels, n, channels, pending, pendingCount);
      pendingCount += n;
      done += n;
      written += flush(out, outOffset + written);
    }
    return written;
  }

  @Override
  int doDrain(int count, short[] out, int outOffset) {
    // silence that completes exactly `count` more groups
    int zeros = count * m - pendingCount;
    int written = 0;
    while (zeros > 0) {
      int n = Math.min(zeros, BLOCK * m - pendingCount);
      Arrays.fill(pending, pendingCount, pendingCount + n, 0f);
      pendingCount += n;
      zeros -= n;
      written += flush(out, outOffset + written);
    }
    return written;
  }

  @Override
  void doReset() {
    Arrays.fill(streams, 0f);
    // group 0 is x[-M+1 .. 0]: M - 1 samples of silence come before the first input sample
    Arrays.fill(pending, 0f);
    pendingCount = m - 1;
  }

  /** Turns the complete groups in {@code pending} into outputs. */
  private int flush(short[] out, int outOffset) {
    int g = pendingCount / m;
    if (g == 0) {
      return 0;
    }
    split(g);
    filter(g);
    for (int j = 0; j < g; j++) {
      out[outOffset + j] = Downmix.toShort(acc[j]);
    }
    for (int r = 0; r < m; r++) {
      System.arraycopy(streams, r * stride + g, streams, r * stride, history);
    }
    int rest = pendingCount - g * m;
    System.arraycopy(pending, g * m, pending, 0, rest);
    pendingCount = rest;
    return g;
  }

  private void split(int g) {
    float[] s = streams;
    float[] p = pending;
    int h = history;
    if (m == 2) {
      int b1 = stride + h;
      for (int j = 0; j < g; j++) {
        s[h + j] = p[2 * j];
        s[b1 + j] = p[2 * j + 1];
      }
    } else if (m == 3) {
      int b1 = stride + h;
      int b2 = 2 * stride + h;
      for (int j = 0; j < g; j++) {
        s[h + j] = p[3 * j];
        s[b1 + j] = p[3 * j + 1];
        s[b2 + j] = p[3 * j + 2];
      }
    } else {
      for (int r = 0; r < m; r++) {
        int b = r * stride + h;
        for (int j = 0; j < g; j++) {
          s[b + j] = p[j * m + r];
        }
      }
    }
  }

  /** acc[j] = y for the j-th new group, j < g. */
  private void filter(int g) {
    float[] y = acc;
    float[] s = streams;
    Arrays.fill(y, 0, g, 0f);
    for (int r = 0; r < m; r++) {
      int cb = r * groups;
      int sb = r * stride + history; // stream_r[j - i] is s[sb + j - i]
      int i = 0;
      for (; i + 3 < groups; i += 4) {
        float c0 = coef[cb + i];
        float c1 = coef[cb + i + 1];
        float c2 = coef[cb + i + 2];
        float c3 = coef[cb + i + 3];
        int o0 = sb - i;
        int o1 = o0 - 1;
        int o2 = o0 - 2;
        int o3 = o0 - 3;
        for (int j = 0; j < g; j++) {
          y[j] = y[j] + c0 * s[o0 + j] + c1 * s[o1 + j] + c2 * s[o2 + j] + c3 * s[o3 + j];
        }
      }
      for (; i < groups; i++) {
        float c0 = coef[cb + i];
        int o0 = sb - i;
        for (int j = 0; j < g; j++) {
          y[j] = y[j] + c0 * s[o0 + j];
        }
      }
    }
  }
}
