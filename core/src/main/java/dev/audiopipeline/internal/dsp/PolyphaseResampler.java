package dev.audiopipeline.internal.dsp;

import java.util.Arrays;

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
final class PolyphaseResampler extends Resampler {
  private static final int CHUNK = 2048;

  private final int taps; // T, a multiple of 8
  private final int lead; // P: silent samples before the first input sample
  private final float[] table; // [phase * T + t]
  private final int[] nextPhase;
  private final int[] advance;
  private final int startPhase;
  private final long startIndex;
  private final float[] buf;
  private long first; // absolute index (input with P leading zeros) of buf[0]
  private int fill;
  private long next; // index of the newest sample the next output needs
  private int phase;

  PolyphaseResampler(int l, int m, int inRate, int outRate) {
    super(l, m, delay(l, m, inRate, outRate));
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
    this.taps = t;
    this.table = new float[l * t];
    for (int ph = 0; ph < l; ph++) {
      for (int i = 0; i < t; i++) {
        long k = ph + (long) i * l;
        table[ph * t + (t - 1 - i)] = k < n ? (float) h[(int) k] : 0f;
      }
    }
    this.lead = (int) ((s + l - 1) / l);
    long a0 = (long) lead * l - s; // >= 0
    this.startIndex = a0 / l;
    this.startPhase = (int) (a0 % l);
    this.nextPhase = new int[l];
    this.advance = new int[l];
    for (int ph = 0; ph < l; ph++) {
      nextPhase[ph] = (ph + m) % l;
      advance[ph] = (ph + m) / l;
    }
    this.buf = new float[t + lead + CHUNK];
    doReset();
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
  int doProcess(short[] in, int offset, int frames, int channels, short[] out, int outOffset) {
    int written = 0;
    int done = 0;
    while (done < frames) {
      compact();
      int n = Math.min(frames - done, buf.length - fill);
      Downmix.toMono(in, offset + done * channels, n, channels, buf, fill);
      fill += n;
      done += n;
      written += emit(Integer.MAX_VALUE, out, outOffset + written);
    }
    return written;
  }

  @Override
  int doDrain(int count, short[] out, int outOffset) {
    int written = 0;
    while (written < count) {
      compact();
      int n = buf.length - fill;
      Arrays.fill(buf, fill, fill + n, 0f);
      fill += n;
      written += emit(count - written, out, outOffset + written);
    }
    return written;
  }

  @Override
  void doReset() {
    Arrays.fill(buf, 0f);
    first = -(taps - 1);
    fill = taps - 1 + lead;
    next = startIndex;
    phase = startPhase;
  }

  /** Drops samples no future output needs. */
  private void compact() {
    int keepFrom = (int) (next - taps + 1 - first);
    if (keepFrom > 0 && fill > buf.length / 2) {
      int keep = fill - keepFrom;
      System.arraycopy(buf, keepFrom, buf, 0, keep);
      first += keepFrom;
      fill = keep;
    }
  }

  private int emit(int limit, short[] out, int outOffset) {
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
