package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Await;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels;
import livekit.LivekitRtc;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The room's reconnects follow its {@link ReconnectPolicy}, and a built source keeps the
 * configuration it was built with. The signal endpoint is a MockWebServer on 127.0.0.1 speaking
 * just enough of LiveKit's protocol (a join response, then a dropped socket); the bot is the real
 * source with the real OkHttp transport and webrtc-java peer connection.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LiveKitReconnectPolicyTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /**
   * Answers the first upgrade with a join response (pings every second) and drops the socket at the
   * bot's first ping; refuses every later upgrade with HTTP 503.
   */
  private static MockWebServer joinOnceThenRefuse(List<String> requests) throws Exception {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            requests.add(request.getUrl().encodedQuery());
            if (requests.size() > 1) {
              return new MockResponse.Builder().code(503).body("down for maintenance").build();
            }
            return new MockResponse.Builder()
                .webSocketUpgrade(
                    new WebSocketListener() {
                      @Override
                      public void onOpen(WebSocket ws, Response response) {
                        LivekitRtc.SignalResponse join =
                            LivekitRtc.SignalResponse.newBuilder()
                                .setJoin(
                                    LivekitRtc.JoinResponse.newBuilder()
                                        .setRoom(
                                            LivekitModels.Room.newBuilder().setName("policy-room"))
                                        .setParticipant(
                                            LivekitModels.ParticipantInfo.newBuilder()
                                                .setSid("PA_bot")
                                                .setIdentity("policy-bot"))
                                        .setSubscriberPrimary(true)
                                        .setPingInterval(1)
                                        .setPingTimeout(15))
                                .build();
                        ws.send(ByteString.of(join.toByteArray()));
                      }

                      @Override
                      public void onMessage(WebSocket ws, ByteString bytes) {
                        // the bot's first ping (sent only once joined): the socket vanishes, as in
                        // a network
                        // failure
                        ws.cancel();
                      }
                    })
                .build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  @Test
  void aLostSignalIsRetriedAsThePolicySaysThenTheSourceFails() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    try (MockWebServer server = joinOnceThenRefuse(requests)) {
      ReconnectPolicy threeQuickTries =
          ReconnectPolicy.builder()
              .immediateFirstAttempt(true)
              .initialDelay(Duration.ofMillis(20))
              .maxDelay(Duration.ofMillis(50))
              .maxAttempts(3)
              .stablePeriod(Duration.ZERO)
              .quickFailureLimit(0)
              .build();
      LiveKitRoomSource source =
          LiveKitRoomSource.builder()
              .url("ws://127.0.0.1:" + server.getPort())
              .token("made.up.token")
              .reconnectPolicy(threeQuickTries)
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      RecordingListener listener = new RecordingListener();
      try {
        source.start(listener);
        source.joined().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        RecordingListener.Signal failed = listener.await("failed", WAIT);
        assertThat(failed).as("the source fails once the policy gives up").isNotNull();
        assertThat(failed.error())
            .isInstanceOf(ConnectionException.class)
            .hasMessageContaining("gave up after 3 reconnect attempts");
      } finally {
        source.close();
      }
      assertThat(requests).as("the join, then exactly three resume attempts").hasSize(4);
      assertThat(listener.connections())
          .as("each attempt announced (session.events() shows them), none after giving up")
          .containsExactly("RECONNECTING 1", "RECONNECTING 2", "RECONNECTING 3");
      assertThat(requests.get(0)).doesNotContain("reconnect=1");
      assertThat(requests.subList(1, 4))
          .allMatch(q -> q.contains("reconnect=1") && q.contains("sid=PA_bot"));
    }
  }

  @Test
  void aResumeRefusedWithAClientErrorIsFollowedByAFullRejoin() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              requests.add(request.getUrl().encodedQuery());
              int n = requests.size();
              if (n == 2) {
                // the server is up but no longer knows the participant
                return new MockResponse.Builder().code(404).body("participant not found").build();
              }
              return new MockResponse.Builder()
                  .webSocketUpgrade(
                      new WebSocketListener() {
                        @Override
                        public void onOpen(WebSocket ws, Response response) {
                          ws.send(ByteString.of(joinResponse("PA_bot" + n).toByteArray()));
                        }

                        @Override
                        public void onMessage(WebSocket ws, ByteString bytes) {
                          if (n == 1) {
                            ws.cancel(); // the first connection vanishes at the first ping
                          }
                        }

                        @Override
                        public void onClosing(WebSocket ws, int code, String reason) {
                          ws.close(1000, null);
                        }
                      })
                  .build();
            }
          });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      LiveKitRoomSource source =
          LiveKitRoomSource.builder()
              .url("ws://127.0.0.1:" + server.getPort())
              .token("made.up.token")
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      RecordingListener listener = new RecordingListener();
      try {
        source.start(listener);
        source.joined().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Await.until(
            WAIT,
            () -> "rejoined; connections: " + listener.connections(),
            () -> source.rejoinCount() > 0 && listener.connections().contains("REJOINED 0"));
        assertThat(listener.await("failed", Duration.ofMillis(200))).as("no failure").isNull();
      } finally {
        source.close();
      }
      assertThat(requests.get(1)).contains("reconnect=1").contains("sid=PA_bot1");
      assertThat(requests.get(2)).as("a fresh join").doesNotContain("reconnect=1");
      assertThat(listener.connections())
          .containsExactly("RECONNECTING 1", "RECONNECTING 2", "REJOINED 0");
      assertThat(source.resumeCount()).isZero();
    }
  }

  private static LivekitRtc.SignalResponse joinResponse(String sid) {
    return LivekitRtc.SignalResponse.newBuilder()
        .setJoin(
            LivekitRtc.JoinResponse.newBuilder()
                .setRoom(LivekitModels.Room.newBuilder().setName("policy-room"))
                .setParticipant(
                    LivekitModels.ParticipantInfo.newBuilder()
                        .setSid(sid)
                        .setIdentity("policy-bot"))
                .setSubscriberPrimary(true)
                .setPingInterval(1)
                .setPingTimeout(15))
        .build();
  }

  @Test
  void noReconnectPolicyFailsAtTheFirstLoss() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    try (MockWebServer server = joinOnceThenRefuse(requests)) {
      LiveKitRoomSource source =
          LiveKitRoomSource.builder()
              .url("ws://127.0.0.1:" + server.getPort())
              .token("made.up.token")
              .reconnectPolicy(ReconnectPolicy.none())
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      RecordingListener listener = new RecordingListener();
      try {
        source.start(listener);
        RecordingListener.Signal failed = listener.await("failed", WAIT);
        assertThat(failed).isNotNull();
        assertThat(failed.error())
            .isInstanceOf(ConnectionException.class)
            .hasMessageContaining("reconnecting is disabled");
      } finally {
        source.close();
      }
      assertThat(requests).as("only the join").hasSize(1);
    }
  }

  @Test
  void changingTheBuilderAfterBuildChangesNothingBuilt() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    try (MockWebServer silent = new MockWebServer();
        MockWebServer other = new MockWebServer()) {
      // accepts the upgrade but never answers the join
      silent.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              requests.add("silent");
              return new MockResponse.Builder()
                  .webSocketUpgrade(
                      new WebSocketListener() {
                        @Override
                        public void onClosing(WebSocket ws, int code, String reason) {
                          ws.close(1000, null);
                        }
                      })
                  .build();
            }
          });
      other.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              requests.add("other");
              return new MockResponse.Builder().code(401).build();
            }
          });
      silent.start(InetAddress.getByName("127.0.0.1"), 0);
      other.start(InetAddress.getByName("127.0.0.1"), 0);
      LiveKitRoomSource.Builder b =
          LiveKitRoomSource.builder()
              .url("ws://127.0.0.1:" + silent.getPort())
              .apiKey("APImadeup")
              .apiSecret("made-up-secret-0123456789")
              .room("frozen-room")
              .identity("frozen-bot")
              .joinTimeout(Duration.ofSeconds(1))
              .closeTimeout(Duration.ofSeconds(1));
      LiveKitRoomSource built = b.build();
      String shown = built.toString();
      ReconnectPolicy policy = built.reconnectPolicy();

      b.url("ws://127.0.0.1:" + other.getPort())
          .room("changed-room")
          .identity("changed-bot")
          .joinTimeout(Duration.ofMinutes(5))
          .reconnectPolicy(ReconnectPolicy.none());

      assertThat(built.room()).isEqualTo("frozen-room");
      assertThat(built.identity()).isEqualTo("frozen-bot");
      assertThat(built.reconnectPolicy())
          .isSameAs(policy)
          .isSameAs(LiveKitRoomSource.DEFAULT_RECONNECT_POLICY);
      assertThat(built.toString()).isEqualTo(shown);
      RecordingListener listener = new RecordingListener();
      try {
        built.start(listener);
        RecordingListener.Signal failed = listener.await("failed", WAIT);
        assertThat(failed).isNotNull();
        // the built source went to the first server and kept its 1 s join timeout
        assertThat(failed.error())
            .isInstanceOf(LiveKitRoomException.class)
            .hasMessageContaining("no join response within 1000 ms");
      } finally {
        built.close();
      }
      assertThat(requests).containsOnly("silent");
      // and the changed builder builds what it now says
      LiveKitRoomSource rebuilt = b.build();
      assertThat(rebuilt.room()).isEqualTo("changed-room");
      assertThat(rebuilt.reconnectPolicy().maxAttempts()).isZero();
    }
  }
}
