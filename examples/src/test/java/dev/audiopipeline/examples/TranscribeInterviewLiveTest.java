package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.examples.cli.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code TranscribeInterview --tui/--serve}: what is refused before anything starts. */
class TranscribeInterviewLiveTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return TranscribeInterview.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        TranscribeInterviewTest.never(),
        o -> {},
        Map.of());
  }

  @Test
  void tuiWithPipedOutputRefusesWithAClearMessageBeforeTheRecogniserLoads() {
    Assumptions.assumeTrue(System.console() == null, "this run has a terminal");
    assertThat(run("--tui")).isEqualTo(ExitStatus.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("error: --tui needs a terminal")
        .contains("run without --tui for line output");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aBadServeValueExits2() {
    assertThat(run("--serve", "http")).isEqualTo(ExitStatus.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--serve 'http' is not a port");
  }

  @Test
  void helpDescribesTheViews() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--tui")
        .contains("--serve PORT")
        .contains("keeps serving");
  }
}
