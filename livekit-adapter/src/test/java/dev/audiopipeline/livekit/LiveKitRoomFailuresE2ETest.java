package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.AuthenticationException;
import java.time.Duration;
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
    assertThat(listener.await("failed", Duration.ofMillis(200))).as("failure reported once").isNull();
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
      RecordingListener.Signal failed = l1.await("failed", Duration.ofSeconds(15));
      assertThat(failed).as("first bot is told it was replaced").isNotNull();
      assertThat(failed.error()).isInstanceOf(LiveKitRoomException.class);
      assertThat(((LiveKitRoomException) failed.error()).reason()).isEqualTo("DUPLICATE_IDENTITY");
      assertThat(l2.await("failed", Duration.ofMillis(500))).as("second bot stays").isNull();
    } finally {
      first.close();
      second.close();
    }
    assertThat(l2.await("ended", Duration.ofSeconds(5))).as("close() ends the source").isNotNull();
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
    java.util.concurrent.CompletableFuture<Long> closeNanos = new java.util.concurrent.CompletableFuture<>();
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
