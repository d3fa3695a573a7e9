package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.examples.cli.ExitStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TranscriptionWorker's command line in-process: help, and every kind of bad option or environment
 * refused with exit 2 and one {@code error:} line before a recogniser loads or a socket opens (it
 * used to leave {@code main} with an exception: exit 1 and a Maven error block under exec:java).
 */
class TranscriptionWorkerCliTest {
  private static final String SECRET = "made-up-secret-made-up-secret-made-up";

  /** A worker environment that would be accepted (made-up credentials, nothing listening). */
  static Map<String, String> env() {
    return CliRun.liveKitEnv(SECRET);
  }

  static CliRun run(Map<String, String> env, String... args) {
    return CliRun.of((out, err) -> TranscriptionWorker.run(args, out, err, env));
  }

  static void refused(CliRun r, String... says) {
    r.assertRefused(says);
    assertThat(r.err())
        .startsWith("error: ")
        .contains("Run with --help for usage.")
        .doesNotContain(SECRET);
    assertThat(r.out()).as("nothing started").doesNotContain("registered");
  }

  @Test
  void helpDescribesOptionsEnvironmentAndExitStatuses() {
    run(Map.of(), "--help")
        .assertHelp(
            "--agent-name NAME",
            "--capacity N",
            "--out DIR",
            "--drain-timeout SECONDS",
            "LIVEKIT_URL",
            "LIVEKIT_API_SECRET",
            "143");
  }

  @Test
  void badOptionsAreRefusedWithExitTwoAndOneLine() {
    refused(run(env(), "--capacity", "0"), "capacity 0 is out of range: 1..1000");
    refused(run(env(), "--capacity", "1001"), "capacity 1001 is out of range");
    refused(run(env(), "--capacity", "x"), "--capacity 'x' is not a number");
    refused(run(env(), "--capacity"), "--capacity");
    refused(run(env(), "--drain-timeout", "-1"), "--drain-timeout");
    refused(run(env(), "--stt", "nope"), "nope", "sphinx");
    refused(run(env(), "--bogus"), "unknown option --bogus", "--agent-name NAME");
  }

  @Test
  void aMissingOrBadEnvironmentIsRefusedBeforeAnythingLoads() {
    refused(run(Map.of()), "url is required (LIVEKIT_URL)");
    Map<String, String> noSecret = env();
    noSecret.remove("LIVEKIT_API_SECRET");
    refused(run(noSecret), "LIVEKIT_API_SECRET");
    Map<String, String> badUrl = env();
    badUrl.put("LIVEKIT_URL", "ftp://127.0.0.1:9");
    CliRun r = run(badUrl);
    assertThat(r.code()).as(r.err()).isEqualTo(ExitStatus.USAGE);
    assertThat(r.err()).doesNotContain(SECRET).doesNotContain("\tat ");
  }

  @Test
  void anOutPathThatIsAFileIsRefused(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("taken"), "x");
    refused(run(env(), "--out", file.toString()), "--out " + file, "not a directory");
  }
}
