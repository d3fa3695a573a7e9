package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;
import java.util.List;
import java.util.Objects;

/**
 * A piece of synthesised audio, signed 16-bit little-endian PCM in {@link #format()}, with the
 * characters it speaks when the provider reports alignment.
 */
public final class TtsChunk {
  private final AudioFormat format;
  private final byte[] pcm;
  private final List<CharTiming> alignment;

  /**
   * @param pcm s16le bytes, whole sample frames; the chunk takes ownership of the array
   * @param alignment character times relative to the start of this request's audio, or empty
   */
  public TtsChunk(AudioFormat format, byte[] pcm, List<CharTiming> alignment) {
    this.format = Objects.requireNonNull(format, "format == null");
    this.pcm = Objects.requireNonNull(pcm, "pcm == null");
    this.alignment = List.copyOf(alignment);
    int frameBytes = format.channels() * AudioFormat.BYTES_PER_SAMPLE;
    if (pcm.length % frameBytes != 0) {
      throw new IllegalArgumentException(
          pcm.length + " bytes is not a whole number of " + frameBytes + "-byte sample frames");
    }
  }

  public AudioFormat format() {
    return format;
  }

  /** The PCM bytes (not a copy: do not modify). */
  public byte[] pcm() {
    return pcm;
  }

  /** Character timings for this chunk, empty when the provider gave none. */
  public List<CharTiming> alignment() {
    return alignment;
  }

  /** Duration of this chunk in microseconds. */
  public long durationMicros() {
    return format.durationMicros(pcm.length / AudioFormat.BYTES_PER_SAMPLE);
  }

  @Override
  public String toString() {
    return "TtsChunk{" + format + ", " + pcm.length + " bytes, " + alignment.size() + " chars}";
  }

  /**
   * When one character is spoken.
   *
   * @param character the character (a string: one user-perceived character may need two chars)
   * @param startMs start, milliseconds from the start of the request's audio
   * @param durationMs how long it is spoken
   */
  public record CharTiming(String character, long startMs, long durationMs) {
    public CharTiming {
      Objects.requireNonNull(character, "character == null");
    }
  }
}
