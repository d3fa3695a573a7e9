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
    Map<String, String> env = Map.of("DEEPGRAM_API_KEY", "test-key-123",
        "ELEVENLABS_API_KEY", "test-key-456");
    try (SttProvider dg = SttChoice.factory("deepgram", env::get).get();
        SttProvider el = SttChoice.factory("elevenlabs", env::get).get()) {
      assertThat(dg.name()).isEqualTo("deepgram");
      assertThat(el.name()).isEqualTo("elevenlabs");
      assertThat(dg.toString()).doesNotContain("test-key-123");
    }
    try (SttProvider fb = SttChoice.factory("fallback", Map.of("DEEPGRAM_API_KEY", "k")::get).get()) {
      assertThat(fb.name()).isEqualTo("fallback");
      assertThat(fb.toString()).contains("deepgram").contains("sphinx");
    }
  }
}
