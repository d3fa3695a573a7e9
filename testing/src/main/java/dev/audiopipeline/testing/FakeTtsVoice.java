package dev.audiopipeline.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * The deterministic "voice" of the fake TTS servers: every character of the input becomes {@link
 * #charMillis()} of audio, a sine tone for letters and digits (a pitch per character) and silence
 * for spaces and punctuation. So the length of the audio follows the text exactly (characters ×
 * charMillis), and the alignment the fake reports is exact.
 */
public final class FakeTtsVoice {
  private static final double AMPLITUDE = 8_000;

  private final int charMillis;

  /** A voice that speaks each character for {@code charMillis} milliseconds. */
  public FakeTtsVoice(int charMillis) {
    if (charMillis < 1 || charMillis > 1_000) {
      throw new IllegalArgumentException(
          "charMillis " + charMillis + " is out of range: accepted 1..1000");
    }
    this.charMillis = charMillis;
  }

  /** Milliseconds of audio per character. */
  public int charMillis() {
    return charMillis;
  }

  /** Samples per character at the given rate. */
  public int samplesPerChar(int sampleRate) {
    return (int) ((long) sampleRate * charMillis / 1000);
  }

  /** The tone frequency for a character, or 0 for silence. */
  public static double frequencyOf(int codePoint) {
    if (Character.isLetter(codePoint)) {
      int index = Math.floorMod(Character.toLowerCase(codePoint) - 'a', 26);
      return 300 + index * 20.0;
    }
    if (Character.isDigit(codePoint)) {
      return 900 + (codePoint - '0') * 20.0;
    }
    return 0;
  }

  /** Signed 16-bit little-endian mono PCM for {@code text} at {@code sampleRate}. */
  public byte[] pcm(String text, int sampleRate) {
    List<String> chars = characters(text);
    int perChar = samplesPerChar(sampleRate);
    byte[] out = new byte[chars.size() * perChar * 2];
    int pos = 0;
    for (String ch : chars) {
      double freq = frequencyOf(ch.codePointAt(0));
      for (int i = 0; i < perChar; i++) {
        short s =
            freq == 0
                ? 0
                : (short) Math.round(AMPLITUDE * Math.sin(2 * Math.PI * freq * i / sampleRate));
        out[pos++] = (byte) s;
        out[pos++] = (byte) (s >> 8);
      }
    }
    return out;
  }

  /** G.711 μ-law bytes (8-bit) for {@code text} at {@code sampleRate}. */
  public byte[] ulaw(String text, int sampleRate) {
    byte[] pcm = pcm(text, sampleRate);
    byte[] out = new byte[pcm.length / 2];
    for (int i = 0; i < out.length; i++) {
      short s = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
      out[i] = linearToUlaw(s);
    }
    return out;
  }

  /** The user-perceived characters of {@code text} as the fake counts them (one per code point). */
  public static List<String> characters(String text) {
    List<String> out = new ArrayList<>(text.length());
    text.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
    return out;
  }

  /** G.711 μ-law encoding of one linear sample (the classic Sun reference algorithm). */
  static byte linearToUlaw(short sample) {
    final int bias = 0x84;
    final int clip = 32635;
    int pcm = sample;
    int sign = (pcm >> 8) & 0x80;
    if (sign != 0) {
      pcm = -pcm;
    }
    if (pcm > clip) {
      pcm = clip;
    }
    pcm += bias;
    int exponent = 7;
    for (int mask = 0x4000; (pcm & mask) == 0 && exponent > 0; mask >>= 1) {
      exponent--;
    }
    int mantissa = (pcm >> (exponent + 3)) & 0x0f;
    return (byte) ~(sign | (exponent << 4) | mantissa);
  }
}
