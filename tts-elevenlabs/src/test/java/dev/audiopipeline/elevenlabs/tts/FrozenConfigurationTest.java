package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.RecordedHttpRequest;
import java.time.Duration;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code build()} freezes the configuration: a builder changed afterwards changes nothing built.
 */
class FrozenConfigurationTest {
  static final String KEY = "test-key-frozen-1";
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeElevenLabsTtsServer fake;
  ElevenLabsTts tts;

  @BeforeEach
  void setUp() {
    fake =
        FakeElevenLabsTtsServer.builder().apiKey(KEY).voices("voice-before", "voice-after").start();
  }

  @AfterEach
  void tearDown() {
    if (tts != null) {
      tts.close();
    }
    fake.close();
  }

  private ElevenLabsTts.Builder builder() {
    return ElevenLabsTts.builder()
        .apiKey(KEY)
        .baseUrl(fake.httpBaseUrl())
        .webSocketBaseUrl(fake.webSocketBaseUrl())
        .voiceId("voice-before")
        .modelId("model-before")
        .outputFormat(OutputFormat.PCM_16000)
        .seed(7L);
  }

  /** Everything the requests carry, changed on the builder after build(). */
  private static void changeEverything(ElevenLabsTts.Builder b) {
    b.apiKey("test-key-changed-2")
        .baseUrl("http://127.0.0.1:9")
        .webSocketBaseUrl("ws://127.0.0.1:9")
        .voiceId("voice-after")
        .modelId("model-after")
        .outputFormat(OutputFormat.PCM_44100)
        .seed(8L)
        .languageCode("de")
        .enableLogging(false)
        .alignment(true)
        .autoMode(true);
  }

  @Test
  void httpSynthesisUsesTheValuesOfBuildTime() throws Exception {
    ElevenLabsTts.Builder b = builder();
    tts = b.build();
    changeEverything(b);

    Recorder r = Recorder.unbounded();
    tts.synthesize(TtsRequest.of("Hello")).subscribe(r);
    r.awaitComplete(WAIT);

    RecordedHttpRequest req = fake.takeHttpRequest(WAIT);
    assertThat(req.path()).isEqualTo("/v1/text-to-speech/voice-before/stream");
    assertThat(req.headers()).containsEntry("xi-api-key", KEY);
    assertThat(req.query())
        .containsEntry("output_format", "pcm_16000")
        .containsEntry("enable_logging", "true");
    JsonNode body = new ObjectMapper().readTree(req.body());
    assertThat(body.path("model_id").asText()).isEqualTo("model-before");
    assertThat(body.path("seed").asLong()).isEqualTo(7L);
    assertThat(body.has("language_code")).isFalse();
    assertThat(tts.voiceId()).isEqualTo("voice-before");
    assertThat(tts.modelId()).isEqualTo("model-before");
    assertThat(tts.outputFormat().sampleRate()).isEqualTo(16_000);
  }

  @Test
  void webSocketStreamUsesTheValuesOfBuildTime() throws Exception {
    ElevenLabsTts.Builder b = builder();
    tts = b.build();
    changeEverything(b);

    try (TtsStream s = tts.openStream(null)) {
      Recorder r = Recorder.unbounded();
      s.audio().subscribe(r);
      s.append("Hello there. ");
      s.finish();
      r.awaitComplete(WAIT);
    }

    RecordedRequest handshake = fake.webSocketHandshakes().get(0);
    assertThat(handshake.getUrl().encodedPath())
        .isEqualTo("/v1/text-to-speech/voice-before/multi-stream-input");
    assertThat(handshake.getUrl().queryParameter("model_id")).isEqualTo("model-before");
    assertThat(handshake.getUrl().queryParameter("output_format")).isEqualTo("pcm_16000");
    assertThat(handshake.getUrl().queryParameter("auto_mode")).isEqualTo("false");
    assertThat(handshake.getUrl().queryParameter("seed")).isEqualTo("7");
    assertThat(handshake.getUrl().queryParameter("language_code")).isNull();
    assertThat(handshake.getHeaders().get("xi-api-key")).isEqualTo(KEY);
  }

  @Test
  void aVariantFromNewBuilderLeavesTheOriginalAlone() throws Exception {
    tts = builder().build();
    ElevenLabsTts.Builder variant = tts.newBuilder();
    changeEverything(variant);

    Recorder r = Recorder.unbounded();
    tts.synthesize(TtsRequest.of("Hello")).subscribe(r);
    r.awaitComplete(WAIT);

    RecordedHttpRequest req = fake.takeHttpRequest(WAIT);
    assertThat(req.path()).isEqualTo("/v1/text-to-speech/voice-before/stream");
    assertThat(req.query()).containsEntry("output_format", "pcm_16000");
  }
}
