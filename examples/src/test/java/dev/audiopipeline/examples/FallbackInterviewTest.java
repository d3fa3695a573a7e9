package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.examples.cli.Outcome;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --stt fallback --fast} when both cloud recognisers refuse the key (their protocol fakes on
 * loopback): the bundled interview is transcribed by the embedded recogniser from its first words
 * to its last, instead of ending with an empty transcript.
 */
class FallbackInterviewTest {
  @Test
  void bothCloudRecognisersRefusingInBatchModeLeaveTheWholeInterviewToSphinx() throws Exception {
    try (FakeElevenLabsSttServer el = FakeElevenLabsSttServer.builder().apiKey("el-key").build();
        FakeDeepgramServer dg = FakeDeepgramServer.builder().apiKey("dg-key").build()) {
      Map<String, String> env =
          Map.of(
              "ELEVENLABS_API_KEY",
              "not-the-el-key",
              "ELEVENLABS_BASE_URL",
              el.baseUrl(),
              "DEEPGRAM_API_KEY",
              "not-the-dg-key",
              "DEEPGRAM_BASE_URL",
              dg.baseUrl());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      List<Outcome> outcomes = new ArrayList<>();
      int code =
          TranscribeInterview.run(
              new String[] {"--fast"},
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8),
              SttChoice.factory("fallback", env::get),
              outcomes::add,
              Map.of());

      assertThat(code).as("stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(el.connections()).isNotEmpty();
      assertThat(dg.connections()).isNotEmpty();
      List<Transcript> finals = outcomes.get(0).finals();
      assertThat(finals).extracting(Transcript::speaker).contains("recruiter", "candidate");
      // nothing at the start was lost while the refusals came in: the recruiter's greeting at
      // 0.7 s and the candidate's goodbye at 77.5 s are both there
      assertThat(finals.get(0).startMs()).isLessThan(2_000);
      assertThat(finals.get(finals.size() - 1).endMs()).isGreaterThan(80_000);
      assertThat(finals).allSatisfy(t -> assertThat(t.provider()).isEqualTo("fallback"));
    }
  }
}
