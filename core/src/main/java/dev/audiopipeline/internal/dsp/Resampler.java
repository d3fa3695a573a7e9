package dev.audiopipeline.internal.dsp;

import org.jspecify.annotations.Nullable;

/**
 * A streaming mono resampler fed with interleaved s16 frames that it down-mixes first. Output
 * sample {@code j} is the band-limited input at input time {@code (j - delayFrames()) * inRate /
 * outRate}: the delay is a whole number of output samples. Not thread-safe.
 */
public abstract class Resampler {
  /** Up-sampling factor L of the reduced ratio L/M. */
  protected final int up;

  /** Down-sampling factor M of the reduced ratio L/M. */
  protected final int down;

  private final int delayFrames;
  private final int slack;
  private long framesIn;
  private long framesOut;

  Resampler(int up, int down, int delayFrames) {
    this(up, down, delayFrames, up + 1);
  }

  /**
   * @param slack how many samples one {@link #process} call may write beyond {@code frames * up /
   *     down} (engines that work in blocks of groups need {@code up + 1})
   */
  Resampler(int up, int down, int delayFrames, int slack) {
    this.up = up;
    this.down = down;
    this.delayFrames = delayFrames;
    this.slack = slack;
  }

  /** Largest exact polyphase table (L phases of T taps), in floats (1 MiB). */
  static final long MAX_EXACT_TABLE = 1L << 18;

  /**
   * The resampler for {@code inRate} with {@code channels} interleaved channels to mono {@code
   * outRate}: down-mix only when the rates are equal, the block decimator when the ratio is 1/M,
   * the block resampler for L/M with L up to 4, the exact polyphase filter when its table (L
   * phases) stays within {@value #MAX_EXACT_TABLE} floats (every ratio between the common rates:
   * 44.1 to 16 kHz is 160/441, 11.025 to 16 kHz 640/441), the interpolated-phase filter otherwise
   * (rates with no large common factor, e.g. 44 101 Hz). {@link #process} must then always be given
   * {@code channels}.
   *
   * @throws IllegalArgumentException if {@link #unsupported} gives a reason
   */
  public static Resampler create(int inRate, int channels, int outRate) {
    String why = unsupported(inRate, outRate);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    int g = gcd(inRate, outRate);
    int l = outRate / g;
    int m = inRate / g;
    if (l == 1 && m == 1) {
      return new PassThrough();
    }
    if (l == 1) {
      return new BlockDecimator(m, inRate, channels);
    }
    if (l <= 4) {
      return new BlockResampler(l, m, inRate, outRate, channels);
    }
    if (exactFits(l, inRate, outRate)) {
      return new PolyphaseResampler(l, m, inRate, outRate);
    }
    return new InterpolatingResampler(l, m, inRate, outRate);
  }

  /**
   * Why {@link #create} would refuse this pair of rates (positive, as {@code AudioFormat} bounds
   * them), or {@code null} if it converts it. Every integer or common ratio converts; a ratio that
   * is neither converts while the interpolated filter's table stays within 8 MiB, which holds for
   * any pair with {@code inRate <= 70 * outRate} (every input rate up to 384 kHz to 8 kHz or more).
   */
  public static @Nullable String unsupported(int inRate, int outRate) {
    if (inRate <= 0 || outRate <= 0) {
      return "rates must be positive: " + inRate + " Hz to " + outRate + " Hz";
    }
    int g = gcd(inRate, outRate);
    int l = outRate / g;
    if (l <= 4 || exactFits(l, inRate, outRate)) {
      return null;
    }
    if (InterpolatingResampler.tableSize(inRate, outRate) > InterpolatingResampler.MAX_TABLE) {
      return "converting "
          + inRate
          + " Hz to "
          + outRate
          + " Hz would need a filter of "
          + InterpolatingResampler.tableSize(inRate, outRate)
          + " coefficients (the ratio "
          + inRate / g
          + "/"
          + l
          + " reduces to no integer and the rates are more than 70 times"
          + " apart); use an output rate that divides the input rate or is closer to it";
    }
    return null;
  }

  private static boolean exactFits(int l, int inRate, int outRate) {
    long n = FilterDesign.minimumTaps((double) l * inRate, Math.min(inRate, outRate) / 2.0) | 1;
    if (n > 1 << 20) {
      return false;
    }
    long t = ((n + l - 1) / l + 7) & ~7L;
    return t * l <= MAX_EXACT_TABLE;
  }

  static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Output delay in output samples (the filter's group delay, rounded up to a whole sample). */
  public final int delayFrames() {
    return delayFrames;
  }

  /** Upper bound of the samples that {@link #process} writes for {@code frames} input frames. */
  public final int maxOutput(int frames) {
    return (int) ((long) frames * up / down + slack);
  }

  /** Upper bound of the samples that {@link #drain} writes. */
  public final int maxDrain() {
    return delayFrames + 2 * up + 2;
  }

  /**
   * Consumes {@code frames} interleaved frames of {@code channels} channels, writes the output
   * samples that became computable and returns their number.
   */
  public final int process(
      short[] in, int offset, int frames, int channels, short[] out, int outOffset) {
    int n = doProcess(in, offset, frames, channels, out, outOffset);
    framesIn += frames;
    framesOut += n;
    return n;
  }

  /**
   * Writes the samples still held back as if the input were followed by silence, so that the output
   * since the last reset holds {@code delayFrames() + ceil(framesIn * L / M)} samples, then resets.
   */
  public final int drain(short[] out, int outOffset) {
    long target = delayFrames + ceilDiv(framesIn * up, down);
    int need = (int) Math.max(0, target - framesOut);
    int n = need == 0 ? 0 : doDrain(need, out, outOffset);
    reset();
    return n;
  }

  /** Forgets all history. */
  public final void reset() {
    framesIn = 0;
    framesOut = 0;
    doReset();
  }

  abstract int doProcess(
      short[] in, int offset, int frames, int channels, short[] out, int outOffset);

  /** Feeds silence until exactly {@code count} more samples are written. */
  abstract int doDrain(int count, short[] out, int outOffset);

  abstract void doReset();

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Equal rates: down-mix and round only. */
  static final class PassThrough extends Resampler {
    private final float[] mono = new float[1024];

    PassThrough() {
      super(1, 1, 0);
    }

    @Override
    int doProcess(short[] in, int offset, int frames, int channels, short[] out, int outOffset) {
      if (channels == 1) {
        System.arraycopy(in, offset, out, outOffset, frames);
        return frames;
      }
      for (int done = 0; done < frames; ) {
        int n = Math.min(frames - done, mono.length);
        Downmix.toMono(in, offset + done * channels, n, channels, mono, 0);
        for (int i = 0; i < n; i++) {
          out[outOffset + done + i] = Downmix.toShort(mono[i]);
        }
        done += n;
      }
      return frames;
    }

    @Override
    int doDrain(int count, short[] out, int outOffset) {
      return 0;
    }

    @Override
    void doReset() {}
  }
}
