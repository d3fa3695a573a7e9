package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeConnection;
import dev.audiopipeline.testing.FakeDeepgramServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code build()} copies the builder: changing it afterwards changes nothing built. */
class DeepgramFrozenConfigTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "test-key-123";
  private static final String OTHER_KEY = "other-key-456";

  @Test
  void changingTheBuilderAfterBuildChangesNothingBuilt() throws Exception {
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey(KEY).build();
        FakeDeepgramServer other = FakeDeepgramServer.builder().apiKey(OTHER_KEY).build()) {
      DeepgramSttProvider.Builder b =
          DeepgramSttProvider.builder()
              .apiKey(KEY)
              .baseUrl(server.baseUrl())
              .model("nova-3")
              .language("en")
              .keyterm("alpha")
              .param("diarize", "true");
      try (DeepgramSttProvider built = b.build()) {
        b.apiKey(OTHER_KEY)
            .baseUrl(other.baseUrl())
            .model("nova-2")
            .language("fr")
            .keyterm("beta")
            .param("diarize", "false")
            .param("tag", "changed")
            .interimResults(false)
            .sampleRate(8_000)
            .endpointingMs(null);

        assertThat(built.inputFormat().sampleRate()).isEqualTo(16_000);
        assertThat(built.toString()).contains("nova-3").doesNotContain("nova-2");
        EventRecorder events = new EventRecorder();
        SttSession s = built.openSession(SttSessionOptions.of("alice"), events);
        s.send(new short[1600], 0, 1600);
        FakeConnection c = server.awaitConnection(0, WAIT);
        assertThat(c.header("authorization")).isEqualTo("Token " + KEY);
        assertThat(c.query("model")).isEqualTo("nova-3");
        assertThat(c.query("language")).isEqualTo("en");
        assertThat(c.queryAll("keyterm")).containsExactly("alpha");
        assertThat(c.query("diarize")).isEqualTo("true");
        assertThat(c.query("tag")).isNull();
        assertThat(c.query("interim_results")).isEqualTo("true");
        assertThat(c.query("sample_rate")).isEqualTo("16000");
        assertThat(c.query("endpointing")).isEqualTo("300");
        assertThat(c.awaitAudioMs(100, WAIT)).isTrue();
        s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
        assertThat(other.connections()).isEmpty();
      }

      // the builder itself took the changes: what it builds next uses them
      try (DeepgramSttProvider rebuilt = b.build()) {
        SttSession s = rebuilt.openSession(SttSessionOptions.of("bob"), new EventRecorder());
        FakeConnection c = other.awaitConnection(0, WAIT);
        assertThat(c.header("authorization")).isEqualTo("Token " + OTHER_KEY);
        assertThat(c.query("model")).isEqualTo("nova-2");
        assertThat(c.queryAll("keyterm")).containsExactly("alpha", "beta");
        assertThat(c.query("sample_rate")).isEqualTo("8000");
        s.close();
      }
    }
  }
}
