package dev.audiopipeline.audio;

/**
 * A PCM audio format: signed 16-bit little-endian samples, interleaved when there is more than one
 * channel. That is the only sample encoding the pipeline carries; what varies is the rate and the
 * channel count.
 *
 * @param sampleRate samples per second per channel, 1 000 to 384 000
 * @param channels interleaved channels, 1 to 8
 */
public record AudioFormat(int sampleRate, int channels) {
  /** 16 kHz mono: what most recognisers want. */
  public static final AudioFormat MONO_16K = new AudioFormat(16_000, 1);

  /** 48 kHz mono: what WebRTC delivers. */
  public static final AudioFormat MONO_48K = new AudioFormat(48_000, 1);

  /** 48 kHz stereo. */
  public static final AudioFormat STEREO_48K = new AudioFormat(48_000, 2);

  /** Bytes per sample of one channel: always 2 (signed 16-bit little-endian). */
  public static final int BYTES_PER_SAMPLE = 2;

  public AudioFormat {
    if (sampleRate < 1_000 || sampleRate > 384_000) {
      throw new IllegalArgumentException(
          "sampleRate " + sampleRate + " Hz is out of range: accepted 1000..384000 Hz");
    }
    if (channels < 1 || channels > 8) {
      throw new IllegalArgumentException(
          "channels " + channels + " is out of range: accepted 1..8");
    }
  }

  /** Mono at the given rate. */
  public static AudioFormat mono(int sampleRate) {
    return new AudioFormat(sampleRate, 1);
  }

  /** Interleaved samples (all channels) in the given duration, rounded down. */
  public int samplesIn(long durationMicros) {
    return (int) (durationMicros * sampleRate / 1_000_000L) * channels;
  }

  /** Duration in microseconds of the given number of interleaved samples. */
  public long durationMicros(long interleavedSamples) {
    return interleavedSamples / channels * 1_000_000L / sampleRate;
  }

  /** Bytes in one second of audio. */
  public int bytesPerSecond() {
    return sampleRate * channels * BYTES_PER_SAMPLE;
  }

  @Override
  public String toString() {
    return "s16le " + sampleRate + " Hz " + (channels == 1 ? "mono" : channels + " ch");
  }
}
