package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.SttProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SttChoiceTest {
  @Test
  void unknownNameListsTheAcceptedOnes() {
    assertThatThrownBy(() -> SttChoice.factory("whisper", n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accepted sphinx, elevenlabs, deepgram, fallback");
  }

  @Test
  void cloudChoicesNeedTheirKey() {
    assertThatThrownBy(() -> SttChoice.factory("deepgram", n -> null))
        .hasMessageContaining("DEEPGRAM_API_KEY");
    assertThatThrownBy(() -> SttChoice.factory("elevenlabs", n -> null))
        .hasMessageContaining("ELEVENLABS_API_KEY");
  }

  @Test
  void buildsTheNamedProvidersFromTheEnvironment() {
    Map<String, String> env =
        Map.of("DEEPGRAM_API_KEY", "test-key-123", "ELEVENLABS_API_KEY", "test-key-456");
    try (SttProvider dg = SttChoice.factory("deepgram", env::get).get();
        SttProvider el = SttChoice.factory("elevenlabs", env::get).get()) {
      assertThat(dg.name()).isEqualTo("deepgram");
      assertThat(el.name()).isEqualTo("elevenlabs");
      assertThat(dg.toString()).doesNotContain("test-key-123");
    }
    try (SttProvider fb =
        SttChoice.factory("fallback", Map.of("DEEPGRAM_API_KEY", "k")::get).get()) {
      assertThat(fb.name()).isEqualTo("fallback");
      assertThat(fb.toString()).contains("deepgram").contains("sphinx");
    }
  }

  @Test
  void transcribeInterviewTakesStt() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream o =
        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
    java.io.PrintStream e =
        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(
            TranscribeInterview.run(
                new String[] {"--stt", "whisper"},
                o,
                e,
                dev.audiopipeline.sphinx.SphinxSttProvider::create))
        .isEqualTo(2);
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("--stt 'whisper'", "accepted sphinx, elevenlabs, deepgram, fallback");
    assertThat(
            TranscribeInterview.run(
                new String[] {"--help"}, o, e, dev.audiopipeline.sphinx.SphinxSttProvider::create))
        .isZero();
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("--stt NAME", "ELEVENLABS_API_KEY", "DEEPGRAM_API_KEY");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv("DEEPGRAM_API_KEY") == null,
        "DEEPGRAM_API_KEY is set: not checking the missing-key message");
    err.reset();
    assertThat(
            TranscribeInterview.run(
                new String[] {"--stt", "deepgram"},
                o,
                e,
                dev.audiopipeline.sphinx.SphinxSttProvider::create))
        .isEqualTo(2);
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("DEEPGRAM_API_KEY");
  }
}
