package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AuthenticationException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How the bot fails against a real server: bad credentials, and being replaced by a duplicate. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LiveKitRoomFailuresE2ETest {
  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  private static LiveKitRoomSource.Builder bot(String room, String identity) {
    return LiveKitRoomSource.builder()
        .url(System.getenv("LIVEKIT_URL"))
        .apiKey(System.getenv("LIVEKIT_API_KEY"))
        .apiSecret(System.getenv("LIVEKIT_API_SECRET"))
        .room(room)
        .identity(identity);
  }

  @Test
  void aWrongSecretFailsAtOnceWithAnAuthenticationErrorThatHidesTheSecret() throws Exception {
    String wrong = "not-the-secret-" + UUID.randomUUID();
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(System.getenv("LIVEKIT_URL"))
            .apiKey(System.getenv("LIVEKIT_API_KEY"))
            .apiSecret(wrong)
            .room("auth-" + UUID.randomUUID())
            .build();
    RecordingListener listener = new RecordingListener();
    try {
      source.start(listener);
      assertThatThrownBy(() -> source.joined().toCompletableFuture().get(15, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("401")
          .hasMessageNotContaining(wrong);
      RecordingListener.Signal failed = listener.await("failed", Duration.ofSeconds(5));
      assertThat(failed).isNotNull();
      assertThat(failed.error()).isInstanceOf(AuthenticationException.class);
      assertThat(((AuthenticationException) failed.error()).httpStatus()).isEqualTo(401);
    } finally {
      source.close();
    }
    assertThat(listener.await("failed", Duration.ofMillis(200)))
        .as("failure reported once")
        .isNull();
  }

  @Test
  void aSecondBotWithTheSameIdentityReplacesTheFirstWhichIsToldWhy() throws Exception {
    String room = "dup-" + UUID.randomUUID().toString().substring(0, 8);
    LiveKitRoomSource first = bot(room, "same-bot").build();
    LiveKitRoomSource second = bot(room, "same-bot").build();
    RecordingListener l1 = new RecordingListener();
    RecordingListener l2 = new RecordingListener();
    try {
      first.start(l1);
      first.joined().toCompletableFuture().get(15, TimeUnit.SECONDS);
      second.start(l2);
      second.joined().toCompletableFuture().get(15, TimeUnit.SECONDS);
      // Normally the server tells the first bot (LeaveRequest DUPLICATE_IDENTITY) and it stops.
      // On a loaded machine that leave can be lost to a TCP reset; the first bot then rejoins and
      // replaces the second in turn. Either way exactly one bot must end, told why, and the
      // other must stay: never both fighting over the identity.
      RecordingListener.Signal failed = null;
      RecordingListener loser = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
      while (failed == null && System.nanoTime() < deadline) {
        for (RecordingListener l : List.of(l1, l2)) {
          RecordingListener.Signal f = l.await("failed", Duration.ofMillis(250));
          if (f != null) {
            failed = f;
            loser = l;
            break;
          }
        }
      }
      assertThat(failed).as("one bot is told it was replaced").isNotNull();
      assertThat(failed.error()).isInstanceOf(LiveKitRoomException.class);
      assertThat(((LiveKitRoomException) failed.error()).reason()).isEqualTo("DUPLICATE_IDENTITY");
      RecordingListener winner = loser == l1 ? l2 : l1;
      assertThat(winner.await("failed", Duration.ofSeconds(3))).as("the other bot stays").isNull();
      if (loser == l2) {
        System.out.println(
            "[livekit-e2e] duplicate identity: the first bot's leave was lost;"
                + " it replaced the second, which stopped");
      }
    } finally {
      first.close();
      second.close();
    }
    assertThat(
            l1.await("ended", Duration.ofSeconds(5)) != null
                || l2.await("ended", Duration.ofSeconds(5)) != null)
        .as("close() ends the bot that stayed")
        .isTrue();
  }

  @Test
  void closingTheSourceFromItsOwnCallbackReturnsAtOnceAndStopsItsThreads() throws Exception {
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(System.getenv("LIVEKIT_URL"))
            .apiKey(System.getenv("LIVEKIT_API_KEY"))
            .apiSecret("wrong-" + UUID.randomUUID())
            .room("self-close-" + UUID.randomUUID().toString().substring(0, 8))
            .build();
    java.util.concurrent.CompletableFuture<Long> closeNanos =
        new java.util.concurrent.CompletableFuture<>();
    source.start(
        new RecordingListener() {
          @Override
          public void sourceFailed(dev.audiopipeline.AudioPipelineException error) {
            long t = System.nanoTime();
            source.close(); // on the source's own event thread
            closeNanos.complete(System.nanoTime() - t);
          }
        });
    long took = closeNanos.get(15, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(took)).isLessThan(Duration.ofSeconds(1));
    assertThat(dev.audiopipeline.testing.LibraryThreads.aliveAfter(Duration.ofSeconds(5)))
        .noneMatch(n -> n.contains("self-close"));
  }
}
