package dev.audiopipeline;

import java.util.Objects;

/**
 * Converts interleaved s16le PCM from one format to another: down-mix to mono, then resample.
 * Streaming: the output is the same whether the input arrives as one block, 10 ms frames or odd
 * sizes. Not thread-safe: one converter per stream, used by one thread at a time.
 *
 * <p>INTERIM IMPLEMENTATION (linear interpolation, no anti-aliasing); the polyphase windowed-sinc
 * resampler replaces it.
 */
public final class AudioConverter {
  private final AudioFormat input;
  private final AudioFormat output;
  private double pos;
  private short last;
  private boolean primed;

  private AudioConverter(AudioFormat input, AudioFormat output) {
    this.input = input;
    this.output = output;
  }

  /**
   * A converter from {@code input} to {@code output}.
   *
   * @throws IllegalArgumentException if the pair is not supported
   */
  public static AudioConverter create(AudioFormat input, AudioFormat output) {
    Objects.requireNonNull(input, "input == null");
    Objects.requireNonNull(output, "output == null");
    if (output.channels() != 1 && output.channels() != input.channels()) {
      throw new IllegalArgumentException(
          "cannot convert " + input + " to " + output + ": output must be mono");
    }
    return new AudioConverter(input, output);
  }

  public AudioFormat inputFormat() {
    return input;
  }

  public AudioFormat outputFormat() {
    return output;
  }

  /** Upper bound of output samples produced for {@code inputLength} interleaved input samples. */
  public int maxOutputLength(int inputLength) {
    long frames = inputLength / input.channels();
    return (int) (frames * output.sampleRate() / input.sampleRate() + 2) * output.channels();
  }

  /**
   * Converts {@code in[inOffset, inOffset + inLength)}, writing to {@code out} from {@code
   * outOffset}, which must have room for {@link #maxOutputLength(int)} samples.
   *
   * @return the number of samples written
   */
  public int convert(short[] in, int inOffset, int inLength, short[] out, int outOffset) {
    int ch = input.channels();
    int frames = inLength / ch;
    double step = (double) input.sampleRate() / output.sampleRate();
    int written = 0;
    for (int f = 0; f < frames; f++) {
      int sum = 0;
      for (int c = 0; c < ch; c++) {
        sum += in[inOffset + f * ch + c];
      }
      short s = (short) (sum / ch);
      if (!primed) {
        last = s;
        primed = true;
      }
      while (pos < 1.0) {
        out[outOffset + written++] = (short) Math.round(last + (s - last) * pos);
        pos += step;
      }
      pos -= 1.0;
      last = s;
    }
    return written;
  }

  /** Forgets all history: call after a gap in the input. */
  public void reset() {
    pos = 0;
    primed = false;
  }

  /** How much audio the converter holds back, in microseconds. */
  public long delayMicros() {
    return 0;
  }
}
