package dev.audiopipeline.examples.live;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * Writes 16-bit mono PCM into a WAV file as it comes; the header's sizes are fixed on {@link
 * #close()} (a killed process leaves a file whose data is there but whose header says 0 bytes). One
 * writer thread.
 */
final class WavRecorder implements AutoCloseable {
  private final RandomAccessFile file;
  private final int sampleRate;
  private long dataBytes;
  private final byte[] scratch = new byte[48_000 * 2];

  WavRecorder(Path path, int sampleRate) throws IOException {
    this.file = new RandomAccessFile(path.toFile(), "rw");
    this.sampleRate = sampleRate;
    file.setLength(0);
    file.write(header(0));
  }

  void write(short[] samples, int n) throws IOException {
    int bytes = Math.min(n * 2, scratch.length);
    for (int i = 0; i < bytes / 2; i++) {
      scratch[2 * i] = (byte) samples[i];
      scratch[2 * i + 1] = (byte) (samples[i] >> 8);
    }
    file.write(scratch, 0, bytes);
    dataBytes += bytes;
  }

  private byte[] header(long data) {
    byte[] h = new byte[44];
    put(h, 0, "RIFF");
    le32(h, 4, 36 + data);
    put(h, 8, "WAVE");
    put(h, 12, "fmt ");
    le32(h, 16, 16);
    h[20] = 1; // PCM
    h[22] = 1; // mono
    le32(h, 24, sampleRate);
    le32(h, 28, sampleRate * 2L);
    h[32] = 2;
    h[34] = 16;
    put(h, 36, "data");
    le32(h, 40, data);
    return h;
  }

  private static void put(byte[] b, int at, String s) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) s.charAt(i);
    }
  }

  private static void le32(byte[] b, int at, long v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >> (8 * i));
    }
  }

  @Override
  public void close() throws IOException {
    try {
      file.seek(0);
      file.write(header(dataBytes));
    } finally {
      file.close();
    }
  }
}
