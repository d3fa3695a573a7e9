package dev.audiopipeline.examples;

import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;

/**
 * Converts raw s16le PCM on stdin to raw s16le mono PCM on stdout with {@link AudioConverter}
 * (down-mix, then the anti-aliasing resampler), streaming in 10 ms frames.
 *
 * <pre>
 * java -cp ... dev.audiopipeline.examples.ConvertPcm --in-rate 48000 --in-channels 2 \
 *     --out-rate 16000 &lt; in.raw &gt; out.raw
 * </pre>
 *
 * <p>By default the output is aligned with the input: the converter's delay is dropped from the
 * start and its tail is flushed at the end, so {@code n} input frames give {@code ceil(n * out /
 * in)} output samples. {@code --keep-delay} writes the stream as a live pipeline sees it instead
 * (delay at the start, tail flushed). Exit status: 0 on success, 2 for bad arguments, 1 for an
 * input that ends inside a frame or an I/O error.
 */
public final class ConvertPcm {
  static final String USAGE =
      "usage: ConvertPcm --in-rate HZ [--in-channels N] --out-rate HZ [--out-channels 1]"
          + " [--keep-delay] < in.raw > out.raw\n"
          + "  Reads raw signed 16-bit little-endian PCM (interleaved) on stdin and writes raw\n"
          + "  s16le mono PCM on stdout, in 10 ms frames.\n"
          + "  rates: any integer rate from 1000 to 384000 Hz; --in-channels 1..8"
          + " (default 1);\n"
          + "  --out-channels must be 1 (channels are averaged).\n"
          + "  --keep-delay: keep the converter's delay at the start instead of trimming it.\n";

  private ConvertPcm() {}

  public static void main(String[] args) {
    int status;
    try {
      status = run(args, System.in, System.out, System.err);
    } catch (IOException e) {
      System.err.println("ConvertPcm: " + e.getMessage());
      status = 1;
    }
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Parsed command line. */
  record Options(AudioFormat input, AudioFormat output, boolean keepDelay) {}

  /** Thrown for a bad command line; the message says what is wrong. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }

    @Override
    public String getMessage() {
      return Objects.requireNonNullElse(super.getMessage(), "");
    }
  }

  /** Runs the tool on the given streams and returns the exit status. Does not close the streams. */
  static int run(String[] args, InputStream in, OutputStream out, PrintStream err)
      throws IOException {
    Options options;
    try {
      options = parse(args);
    } catch (UsageException e) {
      if (e.getMessage().isEmpty()) {
        err.print(USAGE);
        return 0; // --help
      }
      err.println("ConvertPcm: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    return convert(options, in, out, err);
  }

  static Options parse(String[] args) throws UsageException {
    Integer inRate = null;
    Integer outRate = null;
    int inChannels = 1;
    int outChannels = 1;
    boolean keepDelay = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h":
        case "--help":
          throw new UsageException("");
        case "--keep-delay":
          keepDelay = true;
          break;
        case "--in-rate":
          inRate = intValue(args, ++i, a);
          break;
        case "--out-rate":
          outRate = intValue(args, ++i, a);
          break;
        case "--in-channels":
          inChannels = intValue(args, ++i, a);
          break;
        case "--out-channels":
          outChannels = intValue(args, ++i, a);
          break;
        default:
          throw new UsageException("unknown argument '" + a + "'");
      }
    }
    if (inRate == null) {
      throw new UsageException("--in-rate is required");
    }
    if (outRate == null) {
      throw new UsageException("--out-rate is required");
    }
    if (outChannels != 1) {
      throw new UsageException("--out-channels " + outChannels + " is not supported: only 1");
    }
    AudioFormat input;
    AudioFormat output;
    try {
      input = new AudioFormat(inRate, inChannels);
      output = new AudioFormat(outRate, outChannels);
    } catch (IllegalArgumentException e) {
      throw new UsageException(String.valueOf(e.getMessage()));
    }
    if (!AudioConverter.isSupported(input, output)) {
      try {
        AudioConverter.create(input, output);
      } catch (IllegalArgumentException e) {
        throw new UsageException(String.valueOf(e.getMessage()));
      }
    }
    return new Options(input, output, keepDelay);
  }

  private static int intValue(String[] args, int i, String name) throws UsageException {
    if (i >= args.length) {
      throw new UsageException(name + " needs a value");
    }
    try {
      return Integer.parseInt(args[i]);
    } catch (NumberFormatException e) {
      throw new UsageException(name + " needs an integer, got '" + args[i] + "'");
    }
  }

  private static int convert(Options o, InputStream in, OutputStream rawOut, PrintStream err)
      throws IOException {
    AudioConverter converter = AudioConverter.create(o.input(), o.output());
    int frameSamples = o.input().samplesIn(10_000); // 10 ms, all channels
    byte[] inBytes = new byte[frameSamples * AudioFormat.BYTES_PER_SAMPLE];
    short[] samples = new short[frameSamples];
    int maxOut = Math.max(converter.maxOutputLength(frameSamples), converter.maxDrainLength());
    short[] converted = new short[maxOut];
    byte[] outBytes = new byte[maxOut * AudioFormat.BYTES_PER_SAMPLE];
    int toSkip = o.keepDelay() ? 0 : converter.delayFrames();
    int bytesPerFrame = o.input().channels() * AudioFormat.BYTES_PER_SAMPLE;
    try (OutputStream out = new NonClosing(new BufferedOutputStream(rawOut, 1 << 16))) {
      while (true) {
        int n = in.readNBytes(inBytes, 0, inBytes.length);
        if (n == 0) {
          break;
        }
        if (n % bytesPerFrame != 0) {
          out.flush();
          err.println(
              String.format(
                  Locale.ROOT,
                  "ConvertPcm: input ends inside a frame: %d trailing byte(s), expected whole"
                      + " frames of %d bytes (%d channel(s) of s16le)",
                  n % bytesPerFrame,
                  bytesPerFrame,
                  o.input().channels()));
          return 1;
        }
        int count = n / AudioFormat.BYTES_PER_SAMPLE;
        for (int i = 0; i < count; i++) {
          samples[i] = (short) ((inBytes[2 * i] & 0xff) | (inBytes[2 * i + 1] << 8));
        }
        int m = converter.convert(samples, 0, count, converted, 0);
        toSkip = write(converted, m, toSkip, outBytes, out);
        if (n < inBytes.length) {
          break;
        }
      }
      int m = converter.drain(converted, 0);
      write(converted, m, toSkip, outBytes, out);
    }
    return 0;
  }

  /** Writes {@code converted[skip, m)}; returns how much is still to skip. */
  private static int write(short[] converted, int m, int toSkip, byte[] buf, OutputStream out)
      throws IOException {
    int skip = Math.min(toSkip, m);
    int n = 0;
    for (int i = skip; i < m; i++) {
      buf[n++] = (byte) converted[i];
      buf[n++] = (byte) (converted[i] >> 8);
    }
    out.write(buf, 0, n);
    return toSkip - skip;
  }

  /** Flushes but never closes the caller's stream. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
