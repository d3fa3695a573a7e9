package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.examples.cli.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One in-process run of an example's command line, for the CLI tests: its exit status and what it
 * printed on standard output and standard error.
 */
record CliRun(int code, String out, String err) {
  /** An example's testable entry point, with the streams it is to print on. */
  interface Main {
    int run(PrintStream out, PrintStream err);
  }

  /** Runs {@code main} with fresh streams and keeps what it printed. */
  static CliRun of(Main main) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        main.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * A LiveKit environment that would be accepted (made-up credentials; the URL is a port nobody
   * listens on, so a check that comes too late shows as a connection error). Mutable: add to it.
   */
  static Map<String, String> liveKitEnv(String apiSecret) {
    Map<String, String> env = new HashMap<>();
    env.put("LIVEKIT_URL", "ws://127.0.0.1:9");
    env.put("LIVEKIT_API_KEY", "made-up-key");
    env.put("LIVEKIT_API_SECRET", apiSecret);
    return env;
  }

  /**
   * Asserts a help run: exit status 0, standard output mentioning each of {@code says}, nothing on
   * standard error.
   */
  CliRun assertHelp(String... says) {
    assertThat(code).as(err).isZero();
    assertThat(out).contains(says);
    assertThat(err).isEmpty();
    return this;
  }

  /**
   * Asserts a usage error: exit status {@link ExitStatus#USAGE}, standard error saying each of
   * {@code says} and no stack trace.
   */
  CliRun assertRefused(String... says) {
    assertThat(code).as(err).isEqualTo(ExitStatus.USAGE);
    assertThat(err).contains(says).doesNotContain("\tat ");
    return this;
  }
}
