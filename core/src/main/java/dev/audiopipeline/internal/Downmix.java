package dev.audiopipeline.internal;

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

  /** Rounds to the nearest s16 value, saturating at the limits. */
  public static short toShort(float v) {
    int r = Math.round(v);
    if (r > Short.MAX_VALUE) {
      return Short.MAX_VALUE;
    }
    if (r < Short.MIN_VALUE) {
      return Short.MIN_VALUE;
    }
    return (short) r;
  }
}
