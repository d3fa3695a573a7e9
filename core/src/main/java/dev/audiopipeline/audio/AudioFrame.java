package dev.audiopipeline.audio;

import java.util.Arrays;
import java.util.Objects;

/**
 * A view over a run of interleaved PCM samples plus the capture time of its first sample.
 *
 * <p>A frame does not copy or own its array: whoever receives a frame and keeps the audio must copy
 * it before returning (the pipeline's {@link AudioSink} does).
 */
public final class AudioFrame {
  private final AudioFormat format;
  private final short[] samples;
  private final int offset;
  private final int length;
  private final long timestampMicros;

  private AudioFrame(
      AudioFormat format, short[] samples, int offset, int length, long timestampMicros) {
    this.format = format;
    this.samples = samples;
    this.offset = offset;
    this.length = length;
    this.timestampMicros = timestampMicros;
  }

  /**
   * A frame over {@code samples[offset, offset + length)}.
   *
   * @param timestampMicros capture time of the first sample, in microseconds on the source's
   *     timeline (0 = when the source started)
   * @throws IllegalArgumentException if the range is empty, out of bounds, or not a whole number of
   *     sample frames for the format's channel count
   */
  public static AudioFrame of(
      AudioFormat format, short[] samples, int offset, int length, long timestampMicros) {
    Objects.requireNonNull(format, "format == null");
    Objects.requireNonNull(samples, "samples == null");
    checkRange(format, samples.length, offset, length);
    return new AudioFrame(format, samples, offset, length, timestampMicros);
  }

  /** A frame over the whole array. */
  public static AudioFrame of(AudioFormat format, short[] samples, long timestampMicros) {
    Objects.requireNonNull(samples, "samples == null");
    return of(format, samples, 0, samples.length, timestampMicros);
  }

  static void checkRange(AudioFormat format, int arrayLength, int offset, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException(
          "empty audio: length " + length + "; a frame holds at least one sample per channel");
    }
    if (offset < 0 || offset > arrayLength - length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + offset + length + ") is outside an array of " + arrayLength);
    }
    if (length % format.channels() != 0) {
      throw new IllegalArgumentException(
          "length "
              + length
              + " is not a multiple of the channel count "
              + format.channels()
              + ": samples are interleaved, one per channel per instant");
    }
  }

  public AudioFormat format() {
    return format;
  }

  /** The backing array (not a copy). Samples live at {@code [offset(), offset() + length())}. */
  public short[] samples() {
    return samples;
  }

  public int offset() {
    return offset;
  }

  /** Number of interleaved samples (all channels). */
  public int length() {
    return length;
  }

  public long timestampMicros() {
    return timestampMicros;
  }

  /** Duration of the frame in microseconds. */
  public long durationMicros() {
    return format.durationMicros(length);
  }

  /** A copy of this frame's samples. */
  public short[] toArray() {
    return Arrays.copyOfRange(samples, offset, offset + length);
  }

  @Override
  public String toString() {
    return "AudioFrame{" + format + ", " + length + " samples @" + timestampMicros + "us}";
  }
}
