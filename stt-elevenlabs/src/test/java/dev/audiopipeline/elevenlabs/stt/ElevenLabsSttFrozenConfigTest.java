package dev.audiopipeline.elevenlabs.stt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeConnection;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code build()} copies the builder: changing it afterwards changes nothing built. */
class ElevenLabsSttFrozenConfigTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "test-key-123";
  private static final String OTHER_KEY = "other-key-456";

  @Test
  void changingTheBuilderAfterBuildChangesNothingBuilt() throws Exception {
    try (FakeElevenLabsSttServer server = FakeElevenLabsSttServer.builder().apiKey(KEY).build();
        FakeElevenLabsSttServer other =
            FakeElevenLabsSttServer.builder().apiKey(OTHER_KEY).build()) {
      ElevenLabsSttProvider.Builder b =
          ElevenLabsSttProvider.builder()
              .apiKey(KEY)
              .baseUrl(server.baseUrl())
              .modelId("scribe_v2_realtime")
              .language("en")
              .keyterm("alpha")
              .param("filter_background_audio", "true");
      try (ElevenLabsSttProvider built = b.build()) {
        b.apiKey(OTHER_KEY)
            .baseUrl(other.baseUrl())
            .modelId("scribe_changed")
            .language("fr")
            .keyterm("beta")
            .param("filter_background_audio", "false")
            .param("tag", "changed")
            .commitStrategy("manual")
            .includeTimestamps(false)
            .sampleRate(8_000);

        assertThat(built.inputFormat().sampleRate()).isEqualTo(16_000);
        assertThat(built.toString()).contains("scribe_v2_realtime").doesNotContain("changed");
        EventRecorder events = new EventRecorder();
        SttSession s = built.openSession(SttSessionOptions.of("alice"), events);
        s.send(new short[1600], 0, 1600);
        FakeConnection c = server.awaitConnection(0, WAIT);
        assertThat(c.header("xi-api-key")).isEqualTo(KEY);
        assertThat(c.query("model_id")).isEqualTo("scribe_v2_realtime");
        assertThat(c.query("language_code")).isEqualTo("en");
        assertThat(c.queryAll("keyterms")).containsExactly("alpha");
        assertThat(c.query("filter_background_audio")).isEqualTo("true");
        assertThat(c.query("tag")).isNull();
        assertThat(c.query("commit_strategy")).isEqualTo("vad");
        assertThat(c.query("include_timestamps")).isEqualTo("true");
        assertThat(c.query("audio_format")).isEqualTo("pcm_16000");
        assertThat(c.awaitAudioMs(100, WAIT)).isTrue();
        s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
        assertThat(other.connections()).isEmpty();
      }

      // the builder itself took the changes: what it builds next uses them
      try (ElevenLabsSttProvider rebuilt = b.build()) {
        SttSession s = rebuilt.openSession(SttSessionOptions.of("bob"), new EventRecorder());
        FakeConnection c = other.awaitConnection(0, WAIT);
        assertThat(c.header("xi-api-key")).isEqualTo(OTHER_KEY);
        assertThat(c.query("model_id")).isEqualTo("scribe_changed");
        assertThat(c.queryAll("keyterms")).containsExactly("alpha", "beta");
        assertThat(c.query("audio_format")).isEqualTo("pcm_8000");
        s.close();
      }
    }
  }
}
