package dev.audiopipeline.elevenlabs.stt;

import java.io.ByteArrayOutputStream;

/** Synthetic test audio: 16 kHz mono tone bursts between silences. */
final class Audio {
  private final ByteArrayOutputStream pcm = new ByteArrayOutputStream();
  private int samples;

  Audio silence(int ms) {
    for (int i = 0; i < ms * 16; i++) {
      add((short) 0);
    }
    return this;
  }

  Audio tone(int ms) {
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

  short[] samples() {
    byte[] b = pcm.toByteArray();
    short[] s = new short[b.length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
    }
    return s;
  }

  byte[] bytes() {
    return pcm.toByteArray();
  }
}
