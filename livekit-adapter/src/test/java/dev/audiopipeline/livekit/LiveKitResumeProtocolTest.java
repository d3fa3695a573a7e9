package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

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
 * A resume at the protocol level: the signal endpoint is a MockWebServer on 127.0.0.1 that joins
 * the bot with one set of ICE servers, drops the socket at the first ping, and answers the resume
 * ({@code reconnect=1}) with a {@code ReconnectResponse} naming new ones (as a server does when
 * TURN credentials rotate). The bot is the real source with real webrtc-java peer connections.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LiveKitResumeProtocolTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static LivekitRtc.ICEServer ice(String url, String user) {
    return LivekitRtc.ICEServer.newBuilder()
        .addUrls(url)
        .setUsername(user)
        .setCredential(user.isEmpty() ? "" : "made-up-credential")
        .build();
  }

  @Test
  void theIceServersOfTheReconnectResponseReplaceTheJoinsOnBothConnections() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    List<LivekitRtc.SignalRequest> afterResume = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              requests.add(request.getUrl().encodedQuery());
              int n = requests.size();
              return new MockResponse.Builder()
                  .webSocketUpgrade(
                      new WebSocketListener() {
                        @Override
                        public void onOpen(WebSocket ws, Response response) {
                          LivekitRtc.SignalResponse first;
                          if (n == 1) {
                            first =
                                LivekitRtc.SignalResponse.newBuilder()
                                    .setJoin(
                                        LivekitRtc.JoinResponse.newBuilder()
                                            .setRoom(
                                                LivekitModels.Room.newBuilder().setName("ice-room"))
                                            .setParticipant(
                                                LivekitModels.ParticipantInfo.newBuilder()
                                                    .setSid("PA_bot")
                                                    .setIdentity("ice-bot"))
                                            .addIceServers(ice("stun:127.0.0.1:3478", ""))
                                            .setSubscriberPrimary(true)
                                            .setPingInterval(1)
                                            .setPingTimeout(15))
                                    .build();
                          } else {
                            first =
                                LivekitRtc.SignalResponse.newBuilder()
                                    .setReconnect(
                                        LivekitRtc.ReconnectResponse.newBuilder()
                                            .addIceServers(
                                                ice("turn:127.0.0.1:3479?transport=udp", "u2"))
                                            .addIceServers(ice("stun:127.0.0.1:3480", "")))
                                    .build();
                          }
                          ws.send(ByteString.of(first.toByteArray()));
                        }

                        @Override
                        public void onMessage(WebSocket ws, ByteString bytes) {
                          if (n == 1) {
                            ws.cancel(); // the first connection vanishes at the first ping
                            return;
                          }
                          try {
                            afterResume.add(
                                LivekitRtc.SignalRequest.parseFrom(bytes.toByteArray()));
                          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                            throw new IllegalStateException(e);
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
        RoomSession session = source.session();
        assertThat(session).isNotNull();
        assertThat(session.iceServerUrls())
            .as("both connections start with the join's ICE servers")
            .containsExactly("stun:127.0.0.1:3478", "stun:127.0.0.1:3478");
        Await.until(
            WAIT,
            "resumed",
            () ->
                source.resumeCount() > 0
                    && afterResume.stream().anyMatch(LivekitRtc.SignalRequest::hasSyncState));
        assertThat(session.iceServerUrls())
            .as("after the resume both connections use the ReconnectResponse's ICE servers")
            .containsExactly(
                "turn:127.0.0.1:3479?transport=udp",
                "stun:127.0.0.1:3480",
                "turn:127.0.0.1:3479?transport=udp",
                "stun:127.0.0.1:3480");
        assertThat(requests.get(1)).contains("reconnect=1").contains("sid=PA_bot");
      } finally {
        source.close();
      }
    }
  }
}
