package dev.audiopipeline.testing;

import java.io.ByteArrayOutputStream;

/**
 * Synthetic test audio, 16 kHz mono 16-bit: a script of 440 Hz tone bursts (amplitude 8000, about
 * -12 dBFS, the phase continuous over the whole script) and silences, as samples or as
 * little-endian PCM bytes.
 *
 * <pre>{@code
 * byte[] pcm = new Audio().silence(200).tone(600).silence(800).bytes();
 * }</pre>
 */
public final class Audio {
  private final ByteArrayOutputStream pcm = new ByteArrayOutputStream();
  private int samples;

  /** An empty script. */
  public Audio() {}

  /** Appends {@code ms} milliseconds of silence. */
  public Audio silence(int ms) {
    for (int i = 0; i < ms * 16; i++) {
      add((short) 0);
    }
    return this;
  }

  /** Appends {@code ms} milliseconds of the 440 Hz tone. */
  public Audio tone(int ms) {
    for (int i = 0; i < ms * 16; i++) {
      add((short) (8000 * Math.sin(2 * Math.PI * 440 * samples / 16_000.0)));
    }
    return this;
  }

  private void add(short s) {
    pcm.write(s & 0xff);
    pcm.write((s >> 8) & 0xff);
    samples++;
  }

  /** The script so far as samples. */
  public short[] samples() {
    byte[] b = pcm.toByteArray();
    short[] s = new short[b.length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
    }
    return s;
  }

  /** The script so far as little-endian 16-bit PCM. */
  public byte[] bytes() {
    return pcm.toByteArray();
  }
}
