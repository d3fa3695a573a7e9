package dev.audiopipeline.elevenlabs.tts;

import dev.audiopipeline.audio.AudioFormat;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code output_format} asked of ElevenLabs. Only formats this module turns into PCM are
 * accepted: raw {@code pcm_<rate>} (signed 16-bit little-endian mono) and {@code ulaw_8000} (G.711
 * μ-law, decoded to 16-bit PCM at 8 kHz). The chunks this module emits are always PCM in {@link
 * #pcmFormat()}.
 */
public final class OutputFormat {
  public static final OutputFormat PCM_16000 = new OutputFormat("pcm_16000", 16_000, false);
  public static final OutputFormat PCM_22050 = new OutputFormat("pcm_22050", 22_050, false);
  public static final OutputFormat PCM_24000 = new OutputFormat("pcm_24000", 24_000, false);
  public static final OutputFormat PCM_44100 = new OutputFormat("pcm_44100", 44_100, false);
  public static final OutputFormat ULAW_8000 = new OutputFormat("ulaw_8000", 8_000, true);

  private static final Pattern PCM = Pattern.compile("pcm_(\\d{4,6})");

  private final String value;
  private final int sampleRate;
  private final boolean ulaw;

  private OutputFormat(String value, int sampleRate, boolean ulaw) {
    this.value = value;
    this.sampleRate = sampleRate;
    this.ulaw = ulaw;
  }

  /**
   * Parses an ElevenLabs format name.
   *
   * @throws IllegalArgumentException for formats that are not PCM or μ-law (mp3, opus, alaw)
   */
  public static OutputFormat of(String value) {
    Objects.requireNonNull(value, "value == null");
    if (value.equals(ULAW_8000.value)) {
      return ULAW_8000;
    }
    Matcher m = PCM.matcher(value);
    if (m.matches()) {
      int rate = Integer.parseInt(m.group(1));
      if (rate >= 8_000 && rate <= 48_000) {
        return new OutputFormat(value, rate, false);
      }
    }
    throw new IllegalArgumentException(
        "output format \""
            + value
            + "\" is not supported: accepted pcm_8000..pcm_48000 (e.g. pcm_16000, pcm_22050,"
            + " pcm_24000, pcm_44100) and ulaw_8000");
  }

  /** The name sent to ElevenLabs, e.g. {@code pcm_16000}. */
  public String value() {
    return value;
  }

  /** The PCM format of the chunks produced (μ-law is decoded to 16-bit PCM). */
  public AudioFormat pcmFormat() {
    return AudioFormat.mono(sampleRate);
  }

  /** Whether the wire carries 8-bit μ-law rather than 16-bit PCM. */
  public boolean isUlaw() {
    return ulaw;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OutputFormat && ((OutputFormat) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return value;
  }
}
