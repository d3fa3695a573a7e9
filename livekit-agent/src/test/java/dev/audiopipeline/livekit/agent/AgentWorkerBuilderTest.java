package dev.audiopipeline.livekit.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentWorkerBuilderTest {
  private static final String KEY = "made-up-key-4711";
  private static final String SECRET = "made-up-secret-0815-abcdefgh";

  private static AgentWorker.Builder valid() {
    return AgentWorker.builder()
        .url("ws://127.0.0.1:7880")
        .apiKey(KEY)
        .apiSecret(SECRET)
        .job(j -> {});
  }

  @Test
  void agentEndpointIsDerivedFromTheServerUrl() {
    assertThat(AgentWorker.agentUri("ws://h:7880").toString()).isEqualTo("ws://h:7880/agent");
    assertThat(AgentWorker.agentUri("https://lk.example.com/").toString())
        .isEqualTo("wss://lk.example.com/agent");
    assertThat(AgentWorker.agentUri("http://h:7880").toString()).isEqualTo("ws://h:7880/agent");
  }

  @Test
  void missingOrBadSettingsFailAtBuildNamingTheOption() {
    assertThatThrownBy(
            () -> AgentWorker.builder().apiKey(KEY).apiSecret(SECRET).job(j -> {}).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("url");
    assertThatThrownBy(() -> AgentWorker.builder().url("ws://h").job(j -> {}).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apiKey");
    assertThatThrownBy(
            () -> AgentWorker.builder().url("ws://h").apiKey(KEY).apiSecret(SECRET).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("job");
    assertThatThrownBy(() -> valid().capacity(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity 0")
        .hasMessageContaining("1..1000");
    assertThatThrownBy(() -> valid().loadThreshold(1.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loadThreshold 1.5");
    assertThatThrownBy(() -> valid().url("ftp://h").build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fromEnvReadsTheLiveKitVariablesAndToStringHidesTheCredentials() {
    AgentWorker w =
        AgentWorker.fromEnv(
                Map.of(
                    "LIVEKIT_URL", "ws://127.0.0.1:7880",
                    "LIVEKIT_API_KEY", KEY,
                    "LIVEKIT_API_SECRET", SECRET))
            .agentName("transcriber")
            .capacity(3)
            .job(j -> {})
            .build();
    try {
      assertThat(w.toString())
          .contains("ws://127.0.0.1:7880/agent", "transcriber", "capacity=3")
          .doesNotContain(KEY)
          .doesNotContain(SECRET);
      assertThat(w.activeJobs()).isZero();
    } finally {
      w.close();
    }
    assertThat(w.terminated().toCompletableFuture()).isCompleted();
  }
}
