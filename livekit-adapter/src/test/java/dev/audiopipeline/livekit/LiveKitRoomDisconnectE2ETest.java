package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import io.livekit.server.AccessToken;
import io.livekit.server.RoomAdmin;
import io.livekit.server.RoomCreate;
import io.livekit.server.RoomName;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server ends the bot's participation on purpose ({@code LeaveRequest} with action {@code
 * DISCONNECT}), asked by an administrator through the real server's RoomService API (Twirp JSON
 * over HTTP): the room is deleted, or the bot is removed. The source fails once with a {@link
 * LiveKitRoomException} carrying the server's reason, without a single reconnect attempt. (A
 * duplicate identity is {@code LiveKitRoomFailuresE2ETest}.)
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LiveKitRoomDisconnectE2ETest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  @Test
  void aDeletedRoomEndsTheSourceWithATypedErrorAndNoRetry() throws Exception {
    String room = "deleted-" + UUID.randomUUID().toString().substring(0, 8);
    endedByTheServer(room, "DeleteRoom", "{\"room\":\"" + room + "\"}", "ROOM_DELETED");
  }

  @Test
  void aRemovedBotEndsTheSourceWithATypedErrorAndNoRetry() throws Exception {
    String room = "removed-" + UUID.randomUUID().toString().substring(0, 8);
    endedByTheServer(
        room,
        "RemoveParticipant",
        "{\"room\":\"" + room + "\",\"identity\":\"disconnect-bot\"}",
        "PARTICIPANT_REMOVED");
  }

  private static void endedByTheServer(String room, String method, String json, String reason)
      throws Exception {
    String url = System.getenv("LIVEKIT_URL");
    String key = System.getenv("LIVEKIT_API_KEY");
    String secret = System.getenv("LIVEKIT_API_SECRET");
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(url)
            .apiKey(key)
            .apiSecret(secret)
            .room(room)
            .identity("disconnect-bot")
            .build();
    RecordingListener listener = new RecordingListener();
    OkHttpClient http = new OkHttpClient();
    try {
      source.start(listener);
      source.joined().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      Thread.sleep(1_000); // joined and connected, as in a running session
      AccessToken admin = new AccessToken(key, secret);
      admin.addGrants(new RoomCreate(true), new RoomAdmin(true), new RoomName(room));
      URI base = URI.create(url.replaceFirst("^ws", "http"));
      Request request =
          new Request.Builder()
              .url(base.resolve("/twirp/livekit.RoomService/" + method).toString())
              .header("Authorization", "Bearer " + admin.toJwt())
              .post(RequestBody.create(json, MediaType.get("application/json")))
              .build();
      try (Response r = http.newCall(request).execute()) {
        assertThat(r.code()).as("%s answered", method).isEqualTo(200);
      }
      RecordingListener.Signal failed = listener.await("failed", WAIT);
      assertThat(failed).as("the source fails").isNotNull();
      assertThat(failed.error()).isInstanceOf(LiveKitRoomException.class);
      assertThat(((LiveKitRoomException) failed.error()).reason()).isEqualTo(reason);
      Thread.sleep(2_000); // a retry loop would show by now
      assertThat(listener.connections()).as("no reconnect attempt").isEmpty();
      assertThat(source.resumeCount() + source.rejoinCount()).isZero();
      assertThat(listener.await("failed", Duration.ofMillis(100))).as("failed once").isNull();
    } finally {
      source.close();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
