package dev.audiopipeline.audio;

import dev.audiopipeline.internal.dsp.Resampler;
import java.util.Objects;

/**
 * Converts interleaved s16le PCM from one format to another: down-mix to mono (the average of the
 * channels), then resample with an anti-aliasing polyphase windowed-sinc filter.
 *
 * <p>Supported: every rate {@link AudioFormat} accepts (1 000 to 384 000 Hz) in and out, 1 to 8
 * input channels, mono output. That includes 8, 11.025, 12, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96,
 * 176.4 and 192 kHz and any other integer rate; the one refusal is a ratio that reduces to no
 * integer between rates more than 70 times apart (e.g. 383 999 Hz to 5 kHz), whose filter would not
 * fit in 8 MiB ({@link #isSupported} says so before anything is built). The filter is designed for
 * each pair at {@link #create} (Kaiser window, rational ratio L/M): pass band flat to within 0.08
 * dB up to 87.5 % of the lower Nyquist frequency (7 kHz for 16 kHz output), -3 dB near 93.3 % (7.47
 * kHz), and about 100 dB of rejection from 106.25 % (8.5 kHz) on, so what would alias is below the
 * 16-bit floor. For 48 kHz to 16 kHz the converter holds 1.81 ms of audio (29 output samples).
 * Ratios with a large L (rates with no large common factor, such as 44 101 Hz) use the same filter
 * stored at 512 phases per input sample and interpolated between them, which measures the same.
 *
 * <p>Streaming: the output is the same, sample for sample, whether the input arrives as one block,
 * 10 ms frames or odd sizes. After a gap in the input call {@link #reset()}; at the end of a stream
 * call {@link #drain} to get the audio still held back. {@link #convert} allocates nothing.
 *
 * <p>Not thread-safe: one converter per stream, used by one thread at a time.
 */
public final class AudioConverter {
  private static final String ACCEPTED =
      "accepted: input and output rates 1000..384000 Hz (any integer rate; a ratio that reduces"
          + " to no integer needs the rates within 70 times of each other), 1..8 input channels,"
          + " mono (1-channel) output";

  private final AudioFormat input;
  private final AudioFormat output;
  private final Resampler resampler;

  private AudioConverter(AudioFormat input, AudioFormat output) {
    this.input = input;
    this.output = output;
    this.resampler = Resampler.create(input.sampleRate(), input.channels(), output.sampleRate());
  }

  /**
   * A converter from {@code input} to {@code output}. Designs the filter for the pair: well under a
   * millisecond for integer ratios such as 48 to 16 kHz, about 10 ms for the 22.05 and 44.1 kHz
   * pairs (once the JVM is warm), more for rates with no large common factor (interpolated table).
   * Create converters when a stream starts, not per frame.
   *
   * @throws IllegalArgumentException if the pair is not supported (see {@link #isSupported})
   */
  public static AudioConverter create(AudioFormat input, AudioFormat output) {
    Objects.requireNonNull(input, "input == null");
    Objects.requireNonNull(output, "output == null");
    if (output.channels() != 1) {
      throw new IllegalArgumentException(
          "cannot convert " + input + " to " + output + ": the output must be mono; " + ACCEPTED);
    }
    String why = Resampler.unsupported(input.sampleRate(), output.sampleRate());
    if (why != null) {
      throw new IllegalArgumentException(
          "cannot convert " + input + " to " + output + ": " + why + "; " + ACCEPTED);
    }
    return new AudioConverter(input, output);
  }

  /** Whether {@link #create} accepts this pair. */
  public static boolean isSupported(AudioFormat input, AudioFormat output) {
    Objects.requireNonNull(input, "input == null");
    Objects.requireNonNull(output, "output == null");
    return output.channels() == 1
        && Resampler.unsupported(input.sampleRate(), output.sampleRate()) == null;
  }

  public AudioFormat inputFormat() {
    return input;
  }

  public AudioFormat outputFormat() {
    return output;
  }

  /**
   * Upper bound of output samples that {@link #convert} writes for {@code inputLength} interleaved
   * input samples, whatever came before.
   */
  public int maxOutputLength(int inputLength) {
    if (inputLength < 0) {
      throw new IllegalArgumentException("inputLength < 0: " + inputLength);
    }
    return resampler.maxOutput(inputLength / input.channels());
  }

  /**
   * Converts {@code in[inOffset, inOffset + inLength)}, writing to {@code out} from {@code
   * outOffset}, which must have room for {@link #maxOutputLength(int)} samples. Writes only the
   * samples that have become computable; the converter keeps the rest of the filter's history.
   *
   * @return the number of samples written
   * @throws IllegalArgumentException if {@code inLength} is zero or not a multiple of the input
   *     channel count
   * @throws IndexOutOfBoundsException if a range lies outside its array or {@code out} lacks room
   */
  public int convert(short[] in, int inOffset, int inLength, short[] out, int outOffset) {
    Objects.requireNonNull(in, "in == null");
    Objects.requireNonNull(out, "out == null");
    int ch = input.channels();
    if (inLength <= 0 || inLength % ch != 0) {
      throw new IllegalArgumentException(
          "inLength "
              + inLength
              + " must be a positive multiple of the "
              + ch
              + " input channel(s) of "
              + input);
    }
    Objects.checkFromIndexSize(inOffset, inLength, in.length);
    Objects.checkFromIndexSize(outOffset, maxOutputLength(inLength), out.length);
    return resampler.process(in, inOffset, inLength / ch, ch, out, outOffset);
  }

  /**
   * Ends the stream: writes the samples the converter still holds, as if the input were followed by
   * silence, then resets. Since the last reset the output then holds exactly {@link #delayFrames()}
   * samples plus {@code ceil(inputFrames * outRate / inRate)}, so a caller that drops the first
   * {@link #delayFrames()} samples gets the input's duration, aligned.
   *
   * @param out room for {@link #maxDrainLength()} samples from {@code outOffset}
   * @return the number of samples written
   */
  public int drain(short[] out, int outOffset) {
    Objects.requireNonNull(out, "out == null");
    Objects.checkFromIndexSize(outOffset, maxDrainLength(), out.length);
    return resampler.drain(out, outOffset);
  }

  /** Upper bound of the samples {@link #drain} writes. */
  public int maxDrainLength() {
    return resampler.maxDrain();
  }

  /** Forgets all history: call after a gap in the input. */
  public void reset() {
    resampler.reset();
  }

  /**
   * The filter's delay in output samples: output sample {@code j} stands for input time {@code (j -
   * delayFrames()) / outRate}. A whole number by design (29 for 48 kHz to 16 kHz).
   */
  public int delayFrames() {
    return resampler.delayFrames();
  }

  /** How much audio the converter holds back, in microseconds ({@link #delayFrames()}, rounded). */
  public long delayMicros() {
    return Math.round(resampler.delayFrames() * 1_000_000.0 / output.sampleRate());
  }
}
