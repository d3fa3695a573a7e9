package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertPcmTest {
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  private int run(byte[] input, String... args) throws IOException {
    return ConvertPcm.run(
        args,
        new ByteArrayInputStream(input),
        stdout,
        new PrintStream(stderr, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  /** Interleaved s16le: the same tone on every channel. */
  private static byte[] tone(int rate, int channels, double hz, double seconds, double amp) {
    int frames = (int) Math.round(rate * seconds);
    byte[] b = new byte[frames * channels * 2];
    for (int i = 0; i < frames; i++) {
      short v = (short) Math.round(amp * Math.sin(2 * Math.PI * hz * i / rate));
      for (int c = 0; c < channels; c++) {
        int p = (i * channels + c) * 2;
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
      }
    }
    return b;
  }

  private static short[] samples(byte[] b) {
    short[] s = new short[b.length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
    }
    return s;
  }

  /** Amplitude at {@code hz} by projection on a whole number of periods. */
  private static double amplitude(short[] y, int from, int to, double hz, int rate) {
    double s = 0;
    double c = 0;
    for (int i = from; i < to; i++) {
      double w = 2 * Math.PI * hz * i / rate;
      s += y[i] * Math.sin(w);
      c += y[i] * Math.cos(w);
    }
    return 2 * Math.hypot(s, c) / (to - from);
  }

  @Test
  void convertsA48kStereoToneTo16kMonoAlignedAndFullLength() throws IOException {
    byte[] in = tone(48_000, 2, 1000, 1.0, 12_000);
    int status = run(in, "--in-rate", "48000", "--in-channels", "2", "--out-rate", "16000");
    assertThat(status).as(err()).isZero();
    short[] y = samples(stdout.toByteArray());
    assertThat(y).hasSize(16_000); // 1 s, the converter's delay trimmed, its tail flushed
    // the 1 kHz tone at full level, and in phase with the input (no delay left in the output)
    assertThat(amplitude(y, 400, 15_600, 1000, 16_000)).isBetween(11_850.0, 12_150.0);
    double inPhase = 0;
    for (int i = 400; i < 15_600; i++) {
      inPhase += y[i] * Math.sin(2 * Math.PI * 1000 * i / 16_000.0);
    }
    assertThat(2 * inPhase / 15_200).isBetween(11_850.0, 12_150.0);
  }

  @Test
  void keepDelayWritesTheLiveStreamIncludingTheDelay() throws IOException {
    byte[] in = tone(8_000, 1, 440, 0.5, 8_000);
    assertThat(run(in, "--in-rate", "8000", "--out-rate", "16000", "--keep-delay"))
        .as(err())
        .isZero();
    short[] y = samples(stdout.toByteArray());
    assertThat(y.length).isGreaterThan(8_000);
    assertThat(y[0]).isZero(); // the filter's start-up, not the tone
  }

  @Test
  void anAliasingToneIsRemoved() throws IOException {
    byte[] in = tone(48_000, 1, 12_000, 0.5, 16_000);
    assertThat(run(in, "--in-rate", "48000", "--out-rate", "16000")).as(err()).isZero();
    short[] y = samples(stdout.toByteArray());
    assertThat(y).hasSize(8_000);
    double rms = 0;
    for (int i = 100; i < y.length - 100; i++) {
      rms += (double) y[i] * y[i];
    }
    rms = Math.sqrt(rms / (y.length - 200));
    // 12 kHz would alias to 4 kHz; it must be more than 90 dB down (16384/sqrt(2) rms in)
    assertThat(20 * Math.log10(Math.max(rms, 1e-9) / (16_000 / Math.sqrt(2)))).isLessThan(-90);
  }

  @Test
  void helpPrintsUsageAndSucceeds() throws IOException {
    assertThat(run(new byte[0], "--help")).isZero();
    assertThat(err()).contains("usage: ConvertPcm").contains("--in-rate");
    assertThat(stdout.size()).isZero();
  }

  @Test
  void badArgumentsFailWithStatus2AndSayWhy() throws IOException {
    assertThat(run(new byte[0], "--out-rate", "16000")).isEqualTo(2);
    assertThat(err()).contains("--in-rate is required").contains("usage:");

    stderr.reset();
    assertThat(run(new byte[0], "--in-rate", "abc", "--out-rate", "16000")).isEqualTo(2);
    assertThat(err()).contains("--in-rate needs an integer, got 'abc'");

    stderr.reset();
    // every rate converts now (#9); the one pair refused: no integer ratio, > 70 times apart
    assertThat(run(new byte[0], "--in-rate", "383999", "--out-rate", "5000")).isEqualTo(2);
    assertThat(err()).contains("383999").contains("accepted");

    stderr.reset();
    assertThat(run(new byte[0], "--in-rate", "48000", "--out-rate", "16000", "--out-channels", "2"))
        .isEqualTo(2);
    assertThat(err()).contains("--out-channels 2 is not supported");

    stderr.reset();
    assertThat(run(new byte[0], "--in-rate", "48000", "--in-channels", "9", "--out-rate", "16000"))
        .isEqualTo(2);
    assertThat(err()).contains("channels 9");

    stderr.reset();
    assertThat(run(new byte[0], "--bogus")).isEqualTo(2);
    assertThat(err()).contains("unknown argument '--bogus'");

    stderr.reset();
    assertThat(run(new byte[0], "--in-rate")).isEqualTo(2);
    assertThat(err()).contains("--in-rate needs a value");
  }

  @Test
  void inputEndingInsideAFrameFailsWithStatus1() throws IOException {
    byte[] in = new byte[4 * 100 + 3]; // stereo: 4-byte frames
    assertThat(run(in, "--in-rate", "48000", "--in-channels", "2", "--out-rate", "16000"))
        .isEqualTo(1);
    assertThat(err()).contains("3 trailing byte(s)").contains("4 bytes");
  }

  @Test
  void emptyInputGivesEmptyOutput() throws IOException {
    assertThat(run(new byte[0], "--in-rate", "44100", "--out-rate", "16000")).isZero();
    assertThat(stdout.size()).isZero();
  }

  @Test
  void runsAsAProcessWithPipes(@TempDir Path dir) throws Exception {
    byte[] in = tone(44_100, 2, 500, 0.3, 10_000);
    Path inFile = dir.resolve("in.raw");
    Files.write(inFile, in);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ConvertPcm.class.getName(),
                "--in-rate",
                "44100",
                "--in-channels",
                "2",
                "--out-rate",
                "16000")
            .redirectInput(inFile.toFile())
            .redirectError(ProcessBuilder.Redirect.to(new File(dir.toFile(), "err.txt")))
            .start();
    byte[] out;
    try (InputStream s = p.getInputStream()) {
      out = s.readAllBytes();
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(out).hasSize((int) Math.ceil(0.3 * 44_100 * 16_000 / 44_100.0) * 2);

    Process bad =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), ConvertPcm.class.getName())
            .redirectErrorStream(true)
            .start();
    bad.getOutputStream().close();
    String text;
    try (InputStream s = bad.getInputStream()) {
      text = new String(s.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(text).contains("--in-rate is required");
  }
}
