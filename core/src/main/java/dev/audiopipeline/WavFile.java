package dev.audiopipeline;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Reads and writes 16-bit PCM WAV files: the only WAV encoding the pipeline accepts (format tag 1,
 * or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, 16 bits per sample, any rate and 1-8 channels).
 */
public final class WavFile {
  private static final String ACCEPTED =
      "accepted: RIFF/WAVE, 16-bit signed PCM (format 1 or EXTENSIBLE/PCM), 1000-384000 Hz, 1-8"
          + " channels";

  private WavFile() {}

  /** A WAV stream positioned at the first sample. */
  public static final class Reader implements AutoCloseable {
    private final InputStream in;
    private final AudioFormat format;
    private final long dataBytes;
    private final String name;
    private long remaining;
    private byte[] scratch = new byte[0];

    private Reader(InputStream in, AudioFormat format, long dataBytes, String name) {
      this.in = in;
      this.format = format;
      this.dataBytes = dataBytes;
      this.remaining = dataBytes < 0 ? Long.MAX_VALUE : dataBytes;
      this.name = name;
    }

    public AudioFormat format() {
      return format;
    }

    /** Total sample frames per channel, or -1 if the header does not say (streamed WAV). */
    public long frames() {
      return dataBytes < 0 ? -1 : dataBytes / (2L * format.channels());
    }

    /**
     * Reads up to {@code max} interleaved samples (rounded down to whole sample frames).
     *
     * @return samples read, or -1 at the end
     */
    public int read(short[] dst, int offset, int max) throws IOException {
      int ch = format.channels();
      int want = (int) Math.min(max - max % ch, remaining / 2);
      if (want <= 0) {
        return -1;
      }
      if (scratch.length < want * 2) {
        scratch = new byte[want * 2];
      }
      byte[] buf = scratch;
      int got = in.readNBytes(buf, 0, want * 2);
      got -= got % (2 * ch);
      if (got <= 0) {
        remaining = 0;
        return -1;
      }
      remaining -= got;
      ByteBuffer.wrap(buf, 0, got).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer()
          .get(dst, offset, got / 2);
      return got / 2;
    }

    /** Reads every remaining sample. */
    public short[] readAll() throws IOException {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      byte[] buf = new byte[65536];
      while (remaining > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
        if (n < 0) {
          break;
        }
        bos.write(buf, 0, n);
        remaining -= n;
      }
      byte[] all = bos.toByteArray();
      int samples = all.length / 2 - (all.length / 2) % format.channels();
      short[] out = new short[samples];
      ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out, 0, samples);
      return out;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    @Override
    public String toString() {
      return "WavFile.Reader{" + name + ", " + format + "}";
    }
  }

  /**
   * Opens {@code path} and parses its header.
   *
   * @throws NoSuchFileException if it does not exist
   * @throws IllegalArgumentException naming the file and what is accepted, if it is not a WAV file
   *     or uses another encoding
   */
  public static Reader open(Path path) throws IOException {
    Objects.requireNonNull(path, "path == null");
    if (!Files.isRegularFile(path)) {
      throw new NoSuchFileException(path.toString(), null, "no such WAV file");
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(path), 65536);
    try {
      return open(in, path.toString());
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** Parses a WAV header from {@code in}; {@code name} is used in error messages. */
  public static Reader open(InputStream in, String name) throws IOException {
    byte[] riff = readN(in, 12, name);
    if (!ascii(riff, 0, "RIFF") || !ascii(riff, 8, "WAVE")) {
      throw new IllegalArgumentException(name + " is not a WAV file (no RIFF/WAVE header); "
          + ACCEPTED);
    }
    AudioFormat format = null;
    while (true) {
      byte[] hdr;
      try {
        hdr = readN(in, 8, name);
      } catch (EOFException e) {
        throw new IllegalArgumentException(name + " has no data chunk; " + ACCEPTED);
      }
      String id = new String(hdr, 0, 4, java.nio.charset.StandardCharsets.US_ASCII);
      long size = ByteBuffer.wrap(hdr, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
      if (id.equals("fmt ")) {
        if (size < 16 || size > 1024) {
          throw new IllegalArgumentException(name + ": malformed fmt chunk of " + size + " bytes");
        }
        byte[] fmt = readN(in, (int) size + (int) (size & 1), name);
        ByteBuffer b = ByteBuffer.wrap(fmt).order(ByteOrder.LITTLE_ENDIAN);
        int tag = b.getShort(0) & 0xffff;
        int channels = b.getShort(2) & 0xffff;
        int rate = b.getInt(4);
        int bits = b.getShort(14) & 0xffff;
        if (tag == 0xFFFE && size >= 26) {
          tag = b.getShort(24) & 0xffff; // sub-format GUID starts with the format tag
        }
        if (tag != 1) {
          throw new IllegalArgumentException(name + " uses WAV encoding " + describeTag(tag)
              + "; " + ACCEPTED);
        }
        if (bits != 16) {
          throw new IllegalArgumentException(name + " has " + bits + "-bit samples; " + ACCEPTED);
        }
        try {
          format = new AudioFormat(rate, channels);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(name + ": " + e.getMessage() + "; " + ACCEPTED, e);
        }
      } else if (id.equals("data")) {
        if (format == null) {
          throw new IllegalArgumentException(name + ": data chunk before fmt chunk; " + ACCEPTED);
        }
        long dataBytes = size == 0 || size == 0xffffffffL ? -1 : size;
        return new Reader(in, format, dataBytes, name);
      } else {
        long skip = size + (size & 1);
        if (in.skip(skip) < skip) {
          // skip() may stop short; fall back to reading.
          in.readNBytes((int) Math.min(Integer.MAX_VALUE, skip));
        }
      }
    }
  }

  private static String describeTag(int tag) {
    switch (tag) {
      case 3: return "3 (IEEE float)";
      case 6: return "6 (A-law)";
      case 7: return "7 (mu-law)";
      case 2: return "2 (ADPCM)";
      case 0x55: return "0x55 (MP3)";
      default: return String.valueOf(tag);
    }
  }

  private static boolean ascii(byte[] b, int off, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[off + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static byte[] readN(InputStream in, int n, String name) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new EOFException(name + " ended inside its header");
    }
    return b;
  }

  /** Writes a complete 16-bit PCM WAV file with the given interleaved samples. */
  public static void write(Path path, AudioFormat format, short[] samples) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      write(out, format, samples, 0, samples.length);
    }
  }

  /** Writes a 16-bit PCM WAV stream: header plus {@code samples[offset, offset+length)}. */
  public static void write(OutputStream out, AudioFormat format, short[] samples, int offset,
      int length) throws IOException {
    int dataBytes = length * 2;
    ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
    h.put(new byte[] {'R', 'I', 'F', 'F'}).putInt(36 + dataBytes)
        .put(new byte[] {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '}).putInt(16)
        .putShort((short) 1).putShort((short) format.channels()).putInt(format.sampleRate())
        .putInt(format.bytesPerSecond()).putShort((short) (2 * format.channels()))
        .putShort((short) 16).put(new byte[] {'d', 'a', 't', 'a'}).putInt(dataBytes);
    out.write(h.array());
    ByteBuffer d = ByteBuffer.allocate(dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    d.asShortBuffer().put(samples, offset, length);
    out.write(d.array());
  }
}
