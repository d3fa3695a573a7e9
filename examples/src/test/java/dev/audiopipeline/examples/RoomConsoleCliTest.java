package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.examples.live.AudioDevices;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RoomConsole's command line: help, devices, and every bad input refused before it connects. */
class RoomConsoleCliTest {
  private static final Map<String, String> ENV =
      Map.of(
          "LIVEKIT_URL", "ws://127.0.0.1:9",
          "LIVEKIT_API_KEY", "made-up-key",
          "LIVEKIT_API_SECRET", "made-up-secret-made-up-secret-made-up");

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    return RoomConsole.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        env);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpListsEveryOption() {
    assertThat(run(ENV, "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--room NAME", "--identity NAME", "--input-device N", "--list-devices")
        .contains("--input-wav FILE", "--output-device N", "--volume V", "--no-playback")
        .contains("--output-wav FILE", "--tui", "--serve PORT", "m mute/unmute");
  }

  @Test
  void listDevicesWorksWithoutAnyDevice() {
    assertThat(run(Map.of(), "--list-devices")).isZero();
    String listed = out.toString(StandardCharsets.UTF_8);
    assertThat(listed).contains("Input devices").contains("Output devices");
    if (AudioDevices.inputs().isEmpty()) {
      assertThat(listed).contains("none on this machine (use --input-wav FILE");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--bogus|unknown option '--bogus'",
        "--volume 2|--volume '2': accepted 0 to 1",
        "--volume loud|--volume 'loud': accepted 0 to 1",
        "--input-device x|--input-device 'x': accepted a device number",
        "--input-wav /no/such.wav|--input-wav /no/such.wav: no such readable file",
        "--no-mic --input-device 0|give one of --input-device N, --input-wav FILE or --no-mic",
        "--no-playback --output-device 1|contradict",
        "--serve 99999|--serve '99999' is not a port",
        "--output-wav /no/such/dir/x.wav|not a file in an existing directory",
        "--room|--room needs a value",
        "--duration 0|--duration '0': accepted 1 to 86400 seconds",
      })
  void badOptionsExit2NamingTheProblem(String args, String message) {
    assertThat(run(ENV, args.split(" "))).isEqualTo(ExitStatus.USAGE);
    assertThat(err()).startsWith("error: ").contains(message.strip());
  }

  @Test
  void noServerConfiguredExits2() {
    assertThat(run(Map.of(), "--room", "r", "--identity", "ann", "--no-mic", "--no-playback"))
        .isEqualTo(ExitStatus.USAGE);
    assertThat(err()).contains("url is required");
  }

  @Test
  void anIdentityIsNeededToMintAToken() {
    assertThat(run(ENV, "--room", "r", "--no-mic", "--no-playback")).isEqualTo(ExitStatus.USAGE);
    assertThat(err()).contains("--identity NAME is required");
  }

  @Test
  void tuiRefusesWithoutATerminal() {
    Assumptions.assumeTrue(System.console() == null, "this run has a terminal");
    assertThat(run(ENV, "--room", "r", "--identity", "ann", "--no-mic", "--no-playback", "--tui"))
        .isEqualTo(ExitStatus.USAGE);
    assertThat(err())
        .contains("--tui needs a terminal")
        .contains("not a pipe or a file")
        .doesNotContain("\033[");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void withoutSoundDevicesItSaysWhatToUseInstead(@TempDir Path dir) {
    Assumptions.assumeTrue(AudioDevices.inputs().isEmpty(), "this machine has a microphone");
    assertThat(run(ENV, "--room", "r", "--identity", "ann", "--no-playback"))
        .isEqualTo(ExitStatus.USAGE);
    assertThat(err()).contains("no sound input device").contains("--input-wav FILE or --no-mic");
  }
}
