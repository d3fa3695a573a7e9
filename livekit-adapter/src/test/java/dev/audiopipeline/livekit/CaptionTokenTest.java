package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import dev.audiopipeline.testing.StderrCapture;
import io.livekit.server.AccessToken;
import io.livekit.server.Agent;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import io.livekit.server.VideoGrant;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The grants captions need: a minted token carries them, a supplied token lacking one is refused in
 * {@code build()} naming the grant, and the token (nor any of its three parts) never appears in the
 * message, the cause chain or the log. All keys and secrets here are made up.
 */
class CaptionTokenTest {
  private static final String KEY = "made-up-key";
  private static final String SECRET = "made-up-secret-0123456789-abcdefghij";

  private static String token(VideoGrant... extra) {
    AccessToken t = new AccessToken(KEY, SECRET);
    t.setIdentity("bot-7");
    t.setTtl(Duration.ofMinutes(5).toMillis());
    List<VideoGrant> grants = new ArrayList<>(List.of(new RoomJoin(true), new RoomName("r1")));
    grants.addAll(List.of(extra));
    t.addGrants(grants.toArray(new VideoGrant[0]));
    return t.toJwt();
  }

  private static LiveKitRoomSource.Builder withToken(String jwt) {
    return LiveKitRoomSource.builder().url("ws://127.0.0.1:7880").token(jwt).captions(true);
  }

  private static void assertNoTokenIn(Throwable e, String jwt) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    for (String part : jwt.split("\\.")) {
      assertThat(trace.toString()).doesNotContain(part);
    }
    assertThat(trace.toString()).doesNotContain(SECRET);
  }

  @Test
  void mintedTokenCarriesTheAgentGrantAndPublishData() {
    String jwt =
        LiveKitRoomSource.mintToken(KEY, SECRET, "r1", "bot-1", "Bot", Duration.ofHours(1));
    TokenGrants g = TokenGrants.of(jwt);
    assertThat(g.agent()).isTrue();
    assertThat(g.canPublishData()).isTrue();
    assertThat(g.identity()).isEqualTo("bot-1");
    // and a source minting it with captions on builds
    assertThat(
            LiveKitRoomSource.builder()
                .url("ws://127.0.0.1:7880")
                .apiKey(KEY)
                .apiSecret(SECRET)
                .room("r1")
                .captions(true)
                .build()
                .captions())
        .isTrue();
  }

  @Test
  void suppliedTokenWithBothGrantsIsAccepted() {
    String jwt = token(new CanPublishData(true), new Agent(true));
    assertThat(withToken(jwt).build().captions()).isTrue();
    // canPublishData left unset follows canPublish, which defaults to true
    assertThat(withToken(token(new Agent(true))).build().captions()).isTrue();
  }

  @Test
  void kindAgentClaimCountsAsTheAgentGrant() {
    String jwt =
        JWT.create()
            .withIssuer(KEY)
            .withSubject("bot-7")
            .withClaim("kind", "agent")
            .withClaim("video", Map.of("room", "r1", "roomJoin", true))
            .sign(Algorithm.HMAC256(SECRET));
    TokenGrants g = TokenGrants.of(jwt);
    assertThat(g.agent()).isTrue();
    assertThat(g.canPublishData()).isTrue();
    assertThat(withToken(jwt).build().captions()).isTrue();
  }

  @Test
  void canPublishDataFalseIsRefusedNamingTheGrantNotTheToken() {
    String jwt = token(new CanPublishData(false), new Agent(true));
    StderrCapture logs = new StderrCapture();
    logs.start();
    Throwable e;
    try {
      e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalStateException.class, () -> withToken(jwt).build());
    } finally {
      logs.stop();
    }
    assertThat(e).hasMessageContaining("canPublishData").hasMessageContaining("captions off");
    assertNoTokenIn(e, jwt);
    for (String part : jwt.split("\\.")) {
      assertThat(logs.text()).doesNotContain(part);
    }
  }

  @Test
  void listenOnlyTokenWithoutCanPublishDataIsRefused() {
    String jwt = token(new CanPublish(false), new CanSubscribe(true), new Agent(true));
    assertThat(TokenGrants.of(jwt).canPublishData()).isFalse();
    assertThatThrownBy(() -> withToken(jwt).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("canPublish=false without canPublishData=true")
        .satisfies(e -> assertNoTokenIn(e, jwt));
    // the same with canPublishData=true explicitly is fine
    assertThat(
            withToken(token(new CanPublish(false), new CanPublishData(true), new Agent(true)))
                .build()
                .captions())
        .isTrue();
  }

  @Test
  void tokenWithoutTheAgentGrantIsRefused() {
    String jwt = token(new CanPublishData(true));
    assertThatThrownBy(() -> withToken(jwt).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("agent grant")
        .hasMessageContaining("video.agent=true")
        .satisfies(e -> assertNoTokenIn(e, jwt));
    // with agent=false explicitly as well
    String explicit = token(new CanPublishData(true), new Agent(false));
    assertThatThrownBy(() -> withToken(explicit).build()).hasMessageContaining("agent grant");
  }

  @Test
  void withCaptionsOffTheSameTokensAreNotChecked() {
    String jwt = token(new CanPublish(false));
    assertThat(LiveKitRoomSource.builder().url("ws://127.0.0.1:7880").token(jwt).build().captions())
        .isFalse();
  }

  @Test
  void unreadablePayloadIsRefusedWithoutQuotingIt() {
    String jwt = "eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24tU0VDUkVULXBheWxvYWQ.c2lnLVNFQ1JFVA";
    assertThatThrownBy(() -> withToken(jwt).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a readable JWT payload")
        .hasNoCause()
        .satisfies(e -> assertNoTokenIn(e, jwt))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-json"));
  }

  @Test
  void aVideoClaimThatIsNotAnObjectIsRefusedWithoutQuotingIt() {
    String jwt =
        JWT.create()
            .withSubject("bot-7")
            .withClaim("video", "SECRET-ish-string")
            .sign(Algorithm.HMAC256(SECRET));
    assertThatThrownBy(() -> withToken(jwt).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a readable JWT payload")
        .hasNoCause()
        .satisfies(e -> assertNoTokenIn(e, jwt))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRET-ish"));
  }

  @Test
  void publishCaptionsNeedsCaptionsOnTheBuilder() {
    LiveKitRoomSource s =
        LiveKitRoomSource.builder()
            .url("ws://127.0.0.1:7880")
            .apiKey(KEY)
            .apiSecret(SECRET)
            .room("r1")
            .build();
    assertThat(s.captions()).isFalse();
    try (SpeechSegmentRecognizer stt = SpeechSegmentRecognizer.create();
        TranscriptionSession session =
            AudioPipeline.builder().stt(stt).build().startTranscription(s)) {
      assertThatThrownBy(() -> s.publishCaptions(session))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("captions(true)");
      assertThat(s.captionPublisher()).isNull();
    }
  }
}
