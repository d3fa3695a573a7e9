package dev.audiopipeline.internal;

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
  private long framesIn;
  private long framesOut;

  Resampler(int up, int down, int delayFrames) {
    this.up = up;
    this.down = down;
    this.delayFrames = delayFrames;
  }

  /**
   * The resampler for {@code inRate} with {@code channels} interleaved channels to mono {@code
   * outRate}: down-mix only when the rates are equal, the block decimator when the ratio is 1/M,
   * the block resampler for L/M with L up to 4, the general polyphase filter otherwise. {@link
   * #process} must then always be given {@code channels}.
   */
  public static Resampler create(int inRate, int channels, int outRate) {
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
    return new PolyphaseResampler(l, m, inRate, outRate);
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
    return (int) ((long) frames * up / down + up + 1);
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
   * Writes the samples still held back as if the input were followed by silence, so that the
   * output since the last reset holds {@code delayFrames() + ceil(framesIn * L / M)} samples, then
   * resets.
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
