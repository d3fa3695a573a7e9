package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class LiveKitRoomSourceBuilderTest {
  private static final String KEY = "devkey";
  private static final String SECRET = "made-up-secret-for-tests-0123456789";

  @Test
  void signalUrlIsRtcV0WithProtocol17AndNoToken() {
    HttpUrl u = LiveKitRoomSource.signalUrl("ws://192.0.2.10:7880", true);
    assertThat(u.scheme()).isEqualTo("http");
    assertThat(u.host()).isEqualTo("192.0.2.10");
    assertThat(u.port()).isEqualTo(7880);
    assertThat(u.encodedPath()).isEqualTo("/rtc");
    assertThat(u.queryParameter("protocol")).isEqualTo("17");
    assertThat(u.queryParameter("client_protocol")).isEqualTo("1");
    assertThat(u.queryParameter("auto_subscribe")).isEqualTo("1");
    assertThat(u.queryParameter("access_token")).isNull();
    assertThat(u.queryParameter("sdk")).as("no impersonation of another SDK").isNull();

    assertThat(LiveKitRoomSource.signalUrl("wss://example.livekit.cloud/", false).toString())
        .startsWith("https://example.livekit.cloud/rtc?")
        .contains("auto_subscribe=0");
    assertThat(LiveKitRoomSource.signalUrl("https://lk.example/base", true).encodedPath())
        .isEqualTo("/base/rtc");
  }

  @Test
  void badUrlsAreRefusedAtOnceWithWhatIsAccepted() {
    assertThatThrownBy(() -> LiveKitRoomSource.signalUrl("ftp://x", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ws://, wss://, http:// or https://");
    assertThatThrownBy(() -> LiveKitRoomSource.signalUrl("ws://host:7880?access_token=abc", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not carry a query")
        .hasMessageNotContaining("abc");
    assertThatThrownBy(
            () -> LiveKitRoomSource.builder().apiKey(KEY).apiSecret(SECRET).room("r").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("url is required");
  }

  @Test
  void credentialsMustBeOneOrTheOther() {
    assertThatThrownBy(
            () -> LiveKitRoomSource.builder().url("ws://192.0.2.10:7880").room("r").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("credentials missing");
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.builder()
                    .url("ws://192.0.2.10:7880")
                    .apiKey(KEY)
                    .apiSecret(SECRET)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("room is required");
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.builder()
                    .url("ws://192.0.2.10:7880")
                    .token("a.b.c")
                    .apiKey(KEY)
                    .apiSecret(SECRET)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not both");
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.builder().url("ws://192.0.2.10:7880").token("not-a-jwt").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JWT")
        .hasMessageNotContaining("not-a-jwt");
    assertThatThrownBy(
            () ->
                LiveKitRoomSource.builder()
                    .url("ws://h")
                    .apiKey(KEY)
                    .apiSecret(SECRET)
                    .room("r")
                    .joinTimeout(Duration.ZERO)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("joinTimeout PT0S is out of range");
  }

  @Test
  void mintedTokenGrantsJoinSubscribeAndAgentForTheRoom() {
    String jwt =
        LiveKitRoomSource.mintToken(
            KEY, SECRET, "interview-1", "bot-1", "Bot", Duration.ofMinutes(10));
    String[] parts = jwt.split("\\.");
    assertThat(parts).hasSize(3);
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertThat(payload)
        .contains("\"sub\":\"bot-1\"")
        .contains("\"iss\":\"devkey\"")
        .contains("\"room\":\"interview-1\"")
        .contains("\"roomJoin\":true")
        .contains("\"canSubscribe\":true")
        .contains("\"agent\":true")
        .doesNotContain(SECRET);
  }

  @Test
  void toStringNeverShowsSecretsOrTokens() {
    LiveKitRoomSource s =
        LiveKitRoomSource.builder()
            .url("wss://lk.example")
            .apiKey(KEY)
            .apiSecret(SECRET)
            .room("r1")
            .identity("bot")
            .build();
    assertThat(s.toString())
        .contains("r1")
        .contains("bot")
        .doesNotContain(SECRET)
        .doesNotContain("eyJ");
    assertThat(s.identity()).isEqualTo("bot");
    assertThat(s.room()).isEqualTo("r1");
  }

  @Test
  void fromEnvReadsTheDocumentedVariables() {
    LiveKitRoomSource s =
        LiveKitRoomSource.fromEnv(
                Map.of(
                    "LIVEKIT_URL", "ws://192.0.2.10:7880",
                    "LIVEKIT_API_KEY", KEY,
                    "LIVEKIT_API_SECRET", SECRET,
                    "LIVEKIT_ROOM", "from-env",
                    "LIVEKIT_IDENTITY", "env-bot"))
            .build();
    assertThat(s.room()).isEqualTo("from-env");
    assertThat(s.identity()).isEqualTo("env-bot");
    assertThatThrownBy(() -> LiveKitRoomSource.fromEnv(Map.of()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("LIVEKIT_URL");
  }

  @Test
  void startTwiceOrAfterCloseIsRefused() {
    LiveKitRoomSource s =
        LiveKitRoomSource.builder()
            .url("ws://192.0.2.10:7880")
            .apiKey(KEY)
            .apiSecret(SECRET)
            .room("r")
            .build();
    s.close();
    s.close(); // idempotent
    assertThatThrownBy(() -> s.start(new NoopListener()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  private static final class NoopListener implements dev.audiopipeline.audio.AudioSource.Listener {
    @Override
    public void speakerJoined(dev.audiopipeline.SpeakerStream stream) {}

    @Override
    public void speakerLeft(dev.audiopipeline.SpeakerStream stream) {}

    @Override
    public void sourceEnded() {}

    @Override
    public void sourceFailed(dev.audiopipeline.AudioPipelineException error) {}
  }
}
