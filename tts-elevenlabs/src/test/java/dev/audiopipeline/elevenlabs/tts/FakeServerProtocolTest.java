package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WsClose;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's single-context {@code stream-input} endpoint, driven with raw frames as the docs show
 * them: key in the first message ({@code xi_api_key}), text, {@code ""} to end, {@code isFinal},
 * close 1000.
 */
class FakeServerProtocolTest {
  static final ObjectMapper JSON = new ObjectMapper();
  FakeElevenLabsTtsServer fake;
  OkHttpClient client;

  @BeforeEach
  void setUp() {
    fake = FakeElevenLabsTtsServer.builder().apiKey("test-key-123").start();
    client = new OkHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    fake.close();
  }

  @Test
  void singleContextStreamInput() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    BlockingQueue<Integer> closes = new LinkedBlockingQueue<>();
    WebSocket ws =
        client.newWebSocket(
            new Request.Builder()
                .url(
                    fake.webSocketBaseUrl()
                        + "/v1/text-to-speech/"
                        + FakeElevenLabsTtsServer.DEFAULT_VOICE
                        + "/stream-input?model_id=eleven_flash_v2_5&output_format=pcm_22050")
                .build(),
            new WebSocketListener() {
              @Override
              public void onMessage(WebSocket webSocket, String text) {
                received.add(text);
              }

              @Override
              public void onClosing(WebSocket webSocket, int code, String reason) {
                closes.add(code);
                webSocket.close(1000, null);
              }

              @Override
              public void onFailure(WebSocket webSocket, Throwable t, Response response) {
                closes.add(-1);
              }
            });
    ws.send(
        "{\"text\":\" \",\"voice_settings\":{\"stability\":0.5,\"similarity_boost\":0.8},"
            + "\"generation_config\":{\"chunk_length_schedule\":[120,160,250,290]},"
            + "\"xi_api_key\":\"test-key-123\"}");
    ws.send("{\"text\":\"Hello World \",\"try_trigger_generation\":false,\"flush\":false}");
    ws.send("{\"text\":\"\"}");

    StringBuilder chars = new StringBuilder();
    int pcmBytes = 0;
    while (true) {
      String msg = received.poll(5, TimeUnit.SECONDS);
      assertThat(msg).as("a message").isNotNull();
      JsonNode m = JSON.readTree(msg);
      if (m.path("isFinal").asBoolean(false)) {
        assertThat(m.get("audio").isNull()).isTrue();
        break;
      }
      pcmBytes += Base64.getDecoder().decode(m.path("audio").asText()).length;
      assertThat(m.has("isFinal")).isTrue();
      assertThat(m.get("isFinal").isNull()).isTrue();
      assertThat(m.has("normalizedAlignment")).isTrue();
      for (JsonNode c : m.path("alignment").path("chars")) {
        chars.append(c.asText());
      }
      assertThat(m.path("alignment").path("charStartTimesMs").get(0).asLong()).isZero();
      assertThat(m.has("context_id")).as("single-context audio has no context id").isFalse();
    }
    assertThat(chars.toString()).isEqualTo("Hello World ");
    assertThat(pcmBytes).isEqualTo(12 * fake.voice().samplesPerChar(22_050) * 2);
    assertThat(closes.poll(5, TimeUnit.SECONDS)).isEqualTo(1000);
  }

  @Test
  void inactivityReasonIsCutAt123BytesLikeTheService() throws Exception {
    fake.close();
    fake =
        FakeElevenLabsTtsServer.builder()
            .apiKey("test-key-123")
            .inactivityTimeout(Duration.ofMillis(200))
            .start();
    WebSocket ws =
        client.newWebSocket(
            new Request.Builder()
                .url(
                    fake.webSocketBaseUrl()
                        + "/v1/text-to-speech/"
                        + FakeElevenLabsTtsServer.DEFAULT_VOICE
                        + "/stream-input?output_format=pcm_16000")
                .header("xi-api-key", "test-key-123")
                .build(),
            new WebSocketListener() {});
    ws.send("{\"text\":\" \"}");
    WsClose close = fake.awaitWebSocketClose(Duration.ofSeconds(5));
    assertThat(close.byServer()).isTrue();
    assertThat(close.code()).isEqualTo(1008);
    assertThat(close.reason())
        .startsWith("Have not received a new text input within the timeout of 20 seconds.")
        .hasSizeLessThanOrEqualTo(123);
    ws.cancel();
  }
}
