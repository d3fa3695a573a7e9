package dev.audiopipeline.internal.dsp;

/** Interleaved s16 to mono float (the average of the channels), and float back to s16. */
public final class Downmix {
  private Downmix() {}

  /**
   * Writes the mono average of {@code frames} interleaved frames of {@code channels} channels from
   * {@code in[offset...]} to {@code dst[dstOffset...]}, in s16 units (no scaling).
   */
  public static void toMono(
      short[] in, int offset, int frames, int channels, float[] dst, int dstOffset) {
    switch (channels) {
      case 1:
        for (int i = 0; i < frames; i++) {
          dst[dstOffset + i] = in[offset + i];
        }
        break;
      case 2:
        for (int i = 0; i < frames; i++) {
          int p = offset + 2 * i;
          dst[dstOffset + i] = (in[p] + in[p + 1]) * 0.5f;
        }
        break;
      default:
        float scale = 1f / channels;
        for (int i = 0; i < frames; i++) {
          int p = offset + channels * i;
          int sum = 0;
          for (int c = 0; c < channels; c++) {
            sum += in[p + c];
          }
          dst[dstOffset + i] = sum * scale;
        }
    }
  }

  /**
   * Writes the sum of the channels of {@code frames} interleaved frames to {@code
   * dst[dstOffset...]} (exact: at most 8 * 32768 in magnitude).
   */
  public static void toSum(
      short[] in, int offset, int frames, int channels, float[] dst, int dstOffset) {
    for (int i = 0; i < frames; i++) {
      int p = offset + channels * i;
      int sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += in[p + c];
      }
      dst[dstOffset + i] = sum;
    }
  }

  /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer. */
  private static final float ROUNDER = 12_582_912f;

  /**
   * Rounds to the nearest s16 value (ties to even), saturating at the limits. Cheaper than {@code
   * Math.round}, which JDK 17 does not intrinsify.
   */
  public static short toShort(float v) {
    if (!(Math.abs(v) < 4_000_000f)) { // beyond any filter overshoot of s16 input, or NaN
      return v > 0 ? Short.MAX_VALUE : Short.MIN_VALUE;
    }
    int r = (int) ((v + ROUNDER) - ROUNDER);
    return (short) (r > Short.MAX_VALUE ? Short.MAX_VALUE : Math.max(r, Short.MIN_VALUE));
  }
}
