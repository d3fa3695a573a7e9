package dev.audiopipeline.io;

import dev.audiopipeline.audio.AudioFormat;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes 16-bit PCM WAV files: the only WAV encoding the pipeline accepts (format tag 1,
 * or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, 16 bits per sample, 1 000 to 384 000 Hz and
 * 1-8 channels).
 *
 * <p>Reading follows the RIFF rules: chunk sizes are unsigned 32-bit, an odd-sized chunk is
 * followed by a pad byte, and any chunk other than {@code fmt } and {@code data} ({@code LIST},
 * {@code id3 }, {@code iXML}, {@code JUNK}, {@code bext}, cover art, of any size) is skipped
 * without being read into memory. {@code RF64} files are read with the size from their {@code ds64}
 * chunk. A data chunk whose size is {@code 0xFFFFFFFF} or 0 (a streamed WAV whose header was never
 * patched), or larger than what follows in the file (a truncated file, or one still being written),
 * is read to the end of the file, with one WARN; so is a stream that ends before the declared size.
 * A header that is not RIFF/WAVE, has no data chunk, a malformed or second fmt chunk, a chunk name
 * that is not printable ASCII, another encoding, or a rate, channel count or block alignment out of
 * range is refused with an {@link IllegalArgumentException} naming the file, what was wrong and
 * what is accepted.
 */
public final class WavFile {
  private static final Logger log = LoggerFactory.getLogger(WavFile.class);
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
    private boolean warned;
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

    /**
     * Total sample frames per channel, or -1 if the header does not say (streamed WAV) or promises
     * more than the file holds (then the file is read to its end).
     */
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
      if (got < want * 2) {
        endedEarly(got);
      }
      got -= got % (2 * ch);
      if (got <= 0) {
        remaining = 0;
        return -1;
      }
      remaining -= got;
      ByteBuffer.wrap(buf, 0, got)
          .order(ByteOrder.LITTLE_ENDIAN)
          .asShortBuffer()
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
          endedEarly(0);
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

    /** The stream ended before {@code remaining}: warn once if the header had promised more. */
    private void endedEarly(int got) {
      if (dataBytes >= 0 && remaining - got > 0 && !warned) {
        warned = true;
        log.warn(
            "{}: the header promises {} bytes of audio but the file ends after {}"
                + " (truncated?); the audio read so far is kept",
            name,
            dataBytes,
            dataBytes - remaining + got);
      }
      remaining = got;
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
   * @throws IllegalArgumentException naming the file, what was wrong and what is accepted, if it is
   *     not a WAV file, uses another encoding, or its header is malformed
   */
  public static Reader open(Path path) throws IOException {
    Objects.requireNonNull(path, "path == null");
    if (!Files.isRegularFile(path)) {
      throw new NoSuchFileException(path.toString(), null, "no such WAV file");
    }
    long size = Files.size(path);
    InputStream in = new BufferedInputStream(Files.newInputStream(path), 65536);
    try {
      return open(in, path.toString(), size);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * Parses a WAV header from {@code in}; {@code name} is used in error messages. See {@link
   * #open(Path)}; the length of the stream is not known, so a data chunk that promises more than
   * the stream holds is noticed (and logged) when the stream ends.
   */
  public static Reader open(InputStream in, String name) throws IOException {
    return open(in, name, -1);
  }

  /**
   * The chunk walk. Sizes are unsigned 32-bit; odd chunks are followed by a pad byte; chunks before
   * the audio are skipped in bounded steps, never read into memory by their declared size.
   */
  private static Reader open(InputStream in, String name, long streamLength) throws IOException {
    Objects.requireNonNull(in, "in == null");
    Objects.requireNonNull(name, "name == null");
    byte[] riff = in.readNBytes(12);
    if (riff.length < 12
        || !(ascii(riff, 0, "RIFF") || ascii(riff, 0, "RF64"))
        || !ascii(riff, 8, "WAVE")) {
      throw new IllegalArgumentException(
          name + " is not a WAV file (no RIFF/WAVE header); " + ACCEPTED);
    }
    long offset = 12;
    boolean rf64 = ascii(riff, 0, "RF64");
    long ds64Data = -1; // RF64: the data size from the ds64 chunk
    AudioFormat format = null;
    boolean pad = false; // the last chunk was odd-sized: a pad byte should follow
    StringBuilder seen = new StringBuilder();
    while (true) {
      byte[] hdr = in.readNBytes(8);
      if (pad && hdr.length > 0 && hdr[0] == 0) {
        // the pad byte after an odd-sized chunk (some writers leave it out: then there is none)
        offset++;
        byte[] more = in.readNBytes(1);
        byte[] h = Arrays.copyOfRange(hdr, 1, hdr.length + more.length);
        System.arraycopy(more, 0, h, hdr.length - 1, more.length);
        hdr = h;
      }
      if (hdr.length < 8) {
        throw new IllegalArgumentException(
            name
                + " has no data chunk (the file ends at byte "
                + (offset + hdr.length)
                + (seen.length() > 0 ? " after chunks " + seen : "")
                + "); "
                + ACCEPTED);
      }
      String id = chunkId(hdr);
      if (id == null) {
        throw new IllegalArgumentException(
            name
                + ": malformed chunk header at byte "
                + offset
                + " (id bytes "
                + hex(hdr, 4)
                + " are not a chunk name)"
                + (seen.length() > 0 ? " after chunks " + seen : "")
                + "; "
                + ACCEPTED);
      }
      long size = ByteBuffer.wrap(hdr, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
      offset += 8;
      seen.append(seen.length() > 0 ? ", " : "").append('\'').append(id).append('\'');
      if (id.equals("fmt ")) {
        if (format != null) {
          throw new IllegalArgumentException(
              name + ": second fmt chunk at byte " + (offset - 8) + "; " + ACCEPTED);
        }
        format = parseFmt(in, name, size);
        skipFully(in, size - Math.min(size, FMT_READ), name, id, size);
      } else if (id.equals("ds64") && rf64 && size >= 16) {
        byte[] ds = in.readNBytes(16);
        if (ds.length < 16) {
          throw new IllegalArgumentException(name + " ends inside its ds64 chunk; " + ACCEPTED);
        }
        ds64Data = ByteBuffer.wrap(ds).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
        skipFully(in, size - 16, name, id, size);
      } else if (id.equals("data")) {
        if (format == null) {
          throw new IllegalArgumentException(name + ": data chunk before fmt chunk; " + ACCEPTED);
        }
        long available = streamLength < 0 ? -1 : streamLength - offset;
        if (size == 0xffffffffL && ds64Data >= 0) {
          size = ds64Data;
        }
        long dataBytes = size;
        if (size == 0xffffffffL || (size == 0 && available != 0)) {
          log.warn(
              "{}: the data chunk does not give its length ({} bytes declared: a streamed"
                  + " WAV); reading to the end of the file",
              name,
              size);
          dataBytes = -1;
        } else if (available >= 0 && size > available) {
          log.warn(
              "{}: the header promises {} bytes of audio but the file holds {} after it"
                  + " (truncated, or still being written); reading to the end of the file",
              name,
              size,
              available);
          dataBytes = -1;
        }
        return new Reader(in, format, dataBytes, name);
      } else {
        if (streamLength >= 0 && size > streamLength - offset) {
          throw endsInside(name, id, size, streamLength - offset); // before any skip() may overrun
        }
        skipFully(in, size, name, id, size);
      }
      offset += size;
      pad = (size & 1) != 0;
    }
  }

  /** Bytes of a fmt chunk that are read; the rest (extension bytes we do not use) is skipped. */
  private static final int FMT_READ = 40;

  private static AudioFormat parseFmt(InputStream in, String name, long size) throws IOException {
    if (size < 16) {
      throw new IllegalArgumentException(
          name + ": malformed fmt chunk of " + size + " bytes (at least 16 needed); " + ACCEPTED);
    }
    int n = (int) Math.min(size, FMT_READ);
    byte[] fmt = in.readNBytes(n);
    if (fmt.length < n) {
      throw new IllegalArgumentException(name + " ends inside its fmt chunk; " + ACCEPTED);
    }
    ByteBuffer b = ByteBuffer.wrap(fmt).order(ByteOrder.LITTLE_ENDIAN);
    int tag = b.getShort(0) & 0xffff;
    int channels = b.getShort(2) & 0xffff;
    long rate = b.getInt(4) & 0xffffffffL;
    int blockAlign = b.getShort(12) & 0xffff;
    int bits = b.getShort(14) & 0xffff;
    if (tag == 0xFFFE && n >= 26) {
      tag = b.getShort(24) & 0xffff; // sub-format GUID starts with the format tag
    }
    if (tag != 1) {
      throw new IllegalArgumentException(
          name + " uses WAV encoding " + describeTag(tag) + "; " + ACCEPTED);
    }
    if (bits != 16) {
      throw new IllegalArgumentException(name + " has " + bits + "-bit samples; " + ACCEPTED);
    }
    if (channels < 1 || channels > 8) {
      throw new IllegalArgumentException(name + " has " + channels + " channels; " + ACCEPTED);
    }
    if (rate < 1_000 || rate > 384_000) {
      throw new IllegalArgumentException(
          name + " has a sample rate of " + rate + " Hz; " + ACCEPTED);
    }
    if (blockAlign != 2 * channels) {
      throw new IllegalArgumentException(
          name
              + ": malformed fmt chunk: block align "
              + blockAlign
              + " bytes, but "
              + channels
              + " channel(s) of 16-bit samples take "
              + 2 * channels
              + "; "
              + ACCEPTED);
    }
    return new AudioFormat((int) rate, channels);
  }

  /** Skips exactly {@code n} bytes, in bounded steps; the stream ending first is an error. */
  private static void skipFully(InputStream in, long n, String name, String id, long size)
      throws IOException {
    long left = n;
    byte[] sink = null;
    while (left > 0) {
      long k = in.skip(left);
      if (k > 0) {
        left -= k;
        continue;
      }
      // skip() may skip nothing without being at the end: read to tell the two apart
      if (sink == null) {
        sink = new byte[8192];
      }
      int r = in.read(sink, 0, (int) Math.min(sink.length, left));
      if (r < 0) {
        throw endsInside(name, id, size, n - left);
      }
      left -= r;
    }
  }

  private static IllegalArgumentException endsInside(
      String name, String id, long size, long present) {
    return new IllegalArgumentException(
        name
            + " ends inside its '"
            + id
            + "' chunk before the"
            + " audio (declared "
            + size
            + " bytes, "
            + present
            + " present); "
            + ACCEPTED);
  }

  /** The chunk id if its four bytes are printable ASCII (as RIFF ids are), else null. */
  private static @Nullable String chunkId(byte[] hdr) {
    for (int i = 0; i < 4; i++) {
      if (hdr[i] < 0x20 || hdr[i] > 0x7e) {
        return null;
      }
    }
    return new String(hdr, 0, 4, StandardCharsets.US_ASCII);
  }

  private static String hex(byte[] b, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(String.format(Locale.ROOT, "%02x", b[i] & 0xff));
    }
    return sb.toString();
  }

  private static String describeTag(int tag) {
    switch (tag) {
      case 3:
        return "3 (IEEE float)";
      case 6:
        return "6 (A-law)";
      case 7:
        return "7 (mu-law)";
      case 2:
        return "2 (ADPCM)";
      case 0x55:
        return "0x55 (MP3)";
      default:
        return String.valueOf(tag);
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

  /** Writes a complete 16-bit PCM WAV file with the given interleaved samples. */
  public static void write(Path path, AudioFormat format, short[] samples) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      write(out, format, samples, 0, samples.length);
    }
  }

  /** Writes a 16-bit PCM WAV stream: header plus {@code samples[offset, offset+length)}. */
  public static void write(
      OutputStream out, AudioFormat format, short[] samples, int offset, int length)
      throws IOException {
    int dataBytes = length * 2;
    ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
    h.put(new byte[] {'R', 'I', 'F', 'F'})
        .putInt(36 + dataBytes)
        .put(new byte[] {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '})
        .putInt(16)
        .putShort((short) 1)
        .putShort((short) format.channels())
        .putInt(format.sampleRate())
        .putInt(format.bytesPerSecond())
        .putShort((short) (2 * format.channels()))
        .putShort((short) 16)
        .put(new byte[] {'d', 'a', 't', 'a'})
        .putInt(dataBytes);
    out.write(h.array());
    ByteBuffer d = ByteBuffer.allocate(dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    d.asShortBuffer().put(samples, offset, length);
    out.write(d.array());
  }
}
