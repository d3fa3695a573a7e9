package dev.audiopipeline.elevenlabs.tts;

/**
 * Turns the bytes ElevenLabs sends into whole 16-bit PCM samples: PCM passes through (an odd byte
 * split across network reads is carried to the next read); μ-law is expanded to 16-bit. Not
 * thread-safe: one per stream.
 */
final class AudioDecoder {
  private static final short[] ULAW = new short[256];

  static {
    for (int i = 0; i < 256; i++) {
      int u = ~i & 0xff;
      int sign = u & 0x80;
      int exponent = (u >> 4) & 0x07;
      int mantissa = u & 0x0f;
      int magnitude = ((mantissa << 3) + 0x84) << exponent;
      magnitude -= 0x84;
      ULAW[i] = (short) (sign != 0 ? -magnitude : magnitude);
    }
  }

  private final boolean ulaw;
  private int carry = -1;

  AudioDecoder(OutputFormat format) {
    this.ulaw = format.isUlaw();
  }

  /** PCM for the next {@code len} wire bytes; may be empty. */
  byte[] decode(byte[] wire, int len) {
    if (ulaw) {
      byte[] out = new byte[len * 2];
      for (int i = 0; i < len; i++) {
        short s = ULAW[wire[i] & 0xff];
        out[2 * i] = (byte) s;
        out[2 * i + 1] = (byte) (s >> 8);
      }
      return out;
    }
    int total = len + (carry >= 0 ? 1 : 0);
    int whole = total & ~1;
    byte[] out = new byte[whole];
    int pos = 0;
    int i = 0;
    if (carry >= 0 && whole > 0) {
      out[pos++] = (byte) carry;
      carry = -1;
    }
    for (; pos < whole; i++) {
      out[pos++] = wire[i];
    }
    if (i < len) {
      carry = wire[i] & 0xff;
    }
    return out;
  }

  /** Whether half a sample is left over (the stream ended mid-sample). */
  boolean hasPartialSample() {
    return carry >= 0;
  }
}
