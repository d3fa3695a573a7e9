package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.testing.Await;
import dev.onvoid.webrtc.RTCPeerConnectionState;
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
 * The subscriber peer connection fails (ICE/DTLS) while joined and the signal socket gives no
 * reason: the session resumes ({@code reconnect_reason=3}, RR_SUBSCRIBER_FAILED) instead of
 * failing, and when the connection still has not connected a join timeout after that resume, it
 * joins again as a new participant. The signal endpoint is a MockWebServer on 127.0.0.1 that never
 * negotiates media, so the connection never recovers by itself; the fault is WebRTC's own
 * connection-state callback on the real subscriber transport reporting {@code FAILED}, as it does
 * when ICE consent or DTLS is lost.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LiveKitSubscriberFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static LivekitRtc.SignalResponse join(String sid) {
    return LivekitRtc.SignalResponse.newBuilder()
        .setJoin(
            LivekitRtc.JoinResponse.newBuilder()
                .setRoom(LivekitModels.Room.newBuilder().setName("sub-room"))
                .setParticipant(
                    LivekitModels.ParticipantInfo.newBuilder().setSid(sid).setIdentity("sub-bot"))
                .setSubscriberPrimary(true)
                .setPingInterval(1)
                .setPingTimeout(15))
        .build();
  }

  @Test
  void aFailedSubscriberConnectionIsResumedThenRejoinedInsteadOfFailingTheSession()
      throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              String query = request.getUrl().encodedQuery();
              requests.add(query);
              int n = requests.size();
              return new MockResponse.Builder()
                  .webSocketUpgrade(
                      new WebSocketListener() {
                        @Override
                        public void onOpen(WebSocket ws, Response response) {
                          LivekitRtc.SignalResponse first =
                              query != null && query.contains("reconnect=1")
                                  ? LivekitRtc.SignalResponse.newBuilder()
                                      .setReconnect(
                                          LivekitRtc.ReconnectResponse.getDefaultInstance())
                                      .build()
                                  : join("PA_bot" + n);
                          ws.send(ByteString.of(first.toByteArray()));
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
              .joinTimeout(Duration.ofSeconds(3))
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      RecordingListener listener = new RecordingListener();
      try {
        source.start(listener);
        source.joined().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        RoomSession session = source.session();
        assertThat(session).isNotNull();
        SubscriberTransport sub = session.subscriberTransport();
        assertThat(sub).isNotNull();
        sub.onConnectionChange(RTCPeerConnectionState.FAILED);

        Await.until(
            WAIT,
            () -> "rejoined (connections: " + listener.connections() + ")",
            () -> source.rejoinCount() > 0 && listener.connections().contains("REJOINED 0"));
        assertThat(listener.await("failed", Duration.ofMillis(200))).as("no failure").isNull();
      } finally {
        source.close();
      }
      assertThat(requests.get(1))
          .as("first a resume, saying the subscriber failed")
          .contains("reconnect=1")
          .contains("sid=PA_bot1")
          .contains("reconnect_reason=3");
      assertThat(requests.get(2))
          .as("then, the connection still down, a fresh join")
          .doesNotContain("reconnect=1");
      assertThat(source.resumeCount()).isEqualTo(1);
      assertThat(source.rejoinCount()).isEqualTo(1);
      assertThat(listener.connections())
          .containsExactly("RECONNECTING 1", "RESUMED 0", "RECONNECTING 2", "REJOINED 0");
    }
  }
}
