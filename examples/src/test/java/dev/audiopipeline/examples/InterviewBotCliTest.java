package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InterviewBot's command line in-process: help, and every kind of bad input refused with exit 2 and
 * one line before anything loads or connects (the room URL points at a port nobody listens on, so a
 * check that came too late would show up as a connection error instead).
 */
class InterviewBotCliTest {
  /** A room environment that would be accepted (made-up credentials, nothing listening). */
  static Map<String, String> room() {
    Map<String, String> env = CliRun.liveKitEnv("made-up-secret-made-up-secret-made-up");
    env.put("LIVEKIT_ROOM", "interview");
    return env;
  }

  static CliRun run(Map<String, String> env, String... args) {
    return CliRun.of((out, err) -> InterviewBot.run(args, out, err, env));
  }

  static void refused(CliRun r, String... says) {
    r.assertRefused(says);
    assertThat(r.out()).as("nothing started").doesNotContain("Joining");
  }

  @Test
  void helpDescribesOptionsEnvironmentAndExitStatuses() {
    run(Map.of(), "--help")
        .assertHelp(
            "--questions FILE",
            "--candidate-identity ID",
            "--out DIR",
            "--stt NAME",
            "--tts NAME",
            "--no-barge-in",
            "--no-captions",
            "--serve PORT",
            "LIVEKIT_URL",
            "130");
  }

  @Test
  void unknownOptionsAndBadValuesAreRefused() {
    refused(run(room(), "--bogus"), "unknown option '--bogus'", "--questions FILE");
    refused(run(room(), "--stt", "whisper"), "--stt 'whisper' is not a recogniser", "sphinx");
    refused(run(room(), "--tts", "espeak"), "--tts 'espeak' is not a voice", "freetts");
    refused(run(room(), "--turn-detection", "magic"), "--turn-detection 'magic'", "vad");
    refused(run(room(), "--answer-timeout", "0"), "--answer-timeout '0'", "1 to 86400");
    refused(run(room(), "--candidate-identity", " "), "--candidate-identity is blank");
    refused(run(room(), "--out"), "--out needs a value");
    refused(run(room(), "--label", " "), "--label ' '");
    refused(run(room(), "--serve", "http"), "--serve 'http' is not a port", "0-65535");
    refused(run(room(), "--serve", "70000"), "--serve '70000' is not a port");
  }

  @Test
  void aBadQuestionsFileIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.txt");
    refused(run(room(), "--questions", missing.toString()), "--questions " + missing, "read");

    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "# only a comment\n\n   \n");
    refused(run(room(), "--questions", empty.toString()), "has no question");

    Path binary = dir.resolve("binary.txt");
    Files.write(binary, new byte[] {'H', 'i', '?', (byte) 0xff, (byte) 0xfe, '\n'});
    refused(run(room(), "--questions", binary.toString()), "is not UTF-8 text");

    Path longLine = dir.resolve("long.txt");
    Files.writeString(longLine, "Fine?\n" + "x".repeat(2001) + "\n");
    refused(run(room(), "--questions", longLine.toString()), "line 2 has 2001 characters");

    refused(run(room(), "--questions", dir.toString()), "is a directory");
  }

  @Test
  void questionsSkipBlankLinesAndComments(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("q.txt");
    Files.writeString(f, "\uFEFF# mine\r\nFirst?\r\n\r\n  Second?  \n# done\n");
    assertThat(InterviewBotOptions.parse(new String[] {"--questions", f.toString()}).questions())
        .containsExactly("First?", "Second?");
    assertThat(InterviewBotOptions.parse(new String[0]).questions())
        .hasSize(5)
        .first()
        .isEqualTo("Could you start by telling me a little about yourself?");
  }

  @Test
  void withoutARoomItSaysWhatToSet() {
    CliRun r = run(Map.of(), "--out", "unused");
    refused(r, "InterviewBot talks in a LiveKit room: set LIVEKIT_URL");
  }

  @Test
  void aBadRoomEnvironmentIsRefusedWithoutItsSecret() {
    Map<String, String> env = room();
    env.remove("LIVEKIT_ROOM");
    CliRun r = run(env);
    refused(r, "LIVEKIT_ROOM");
    assertThat(r.err()).doesNotContain("made-up-secret");
  }

  @Test
  void aCloudChoiceWithoutItsKeyIsRefused() {
    refused(run(room(), "--stt", "deepgram"), "--stt deepgram needs DEEPGRAM_API_KEY");
    refused(run(room(), "--tts", "elevenlabs"), "--tts elevenlabs needs ELEVENLABS_API_KEY");
  }

  @Test
  void anOutputPathThatIsAFileIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("file");
    Files.writeString(file, "x");
    refused(run(room(), "--out", file.toString()), "--out " + file, "is not a directory");
  }

  @Test
  void defaultsFollowTheKeysInTheEnvironment() {
    InterviewBotOptions o = InterviewBotOptions.parse(new String[0]);
    assertThat(o.sttName(Map.of())).isEqualTo("sphinx");
    assertThat(o.ttsName(Map.of())).isEqualTo("freetts");
    assertThat(o.sttName(Map.of("DEEPGRAM_API_KEY", "made-up"))).isEqualTo("deepgram");
    assertThat(o.ttsName(Map.of("ELEVENLABS_API_KEY", "made-up"))).isEqualTo("elevenlabs");
    assertThat(List.of(o.bargeIn(), o.captions())).containsOnly(true);
    assertThat(o.label()).isEqualTo("interviewer");
  }
}
