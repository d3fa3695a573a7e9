package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.PipelineEvent.SourceConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mid-interview, the {@code livekit-server} process is killed (SIGKILL) and started again on the
 * same address and ports. The new server knows nobody: the bot's resume is answered with a leave
 * ({@code RECONNECT}, {@code STATE_MISMATCH}) and the bot joins again as a new participant;
 * rtc-node does the same and republishes its tracks. Each speaker's new track continues the stream
 * it had (one stream per speaker, same label, same timeline), {@code session.events()} shows {@code
 * RECONNECTING} and {@code REJOINED}, and at most the audio spoken while the server was down (plus
 * the clients' way back into the room) is missing. Prints the times and the audio lost.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LiveKitServerRestartE2ETest {
  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  @Test
  void transcriptionContinuesWithTheSameLabelsAfterTheServerRestarts() throws Exception {
    // the server's log stays in target/ for a look after a failure
    Path dir = Files.createDirectories(Path.of("target", "livekit-restart-e2e"));
    String key = System.getenv("LIVEKIT_API_KEY");
    String secret = System.getenv("LIVEKIT_API_SECRET");
    String room = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    try (LiveKitServerProcess server = new LiveKitServerProcess(dir)) {
      server.start();
      LiveKitRoomSource source =
          LiveKitRoomSource.builder()
              .url(server.url())
              .apiKey(key)
              .apiSecret(secret)
              .room(room)
              .identity("restart-bot")
              .build();
      InterviewFaultRun run = new InterviewFaultRun(source, room);
      try {
        run.start(server.url(), key, secret);
        // the bot speaks first: its track is published and its publisher connection negotiated, so
        // the fault must carry them over (SyncState + ICE restart, or a re-publish on rejoin)
        run.sleepUntilTimeline(15_000);
        run.speakTone();
        run.sleepUntilTimeline(25_000); // the candidate is mid-answer (22.9-32.9 s)
        long killEpoch = System.currentTimeMillis();
        server.kill();
        Thread.sleep(1_000); // down for a moment, as a crashed server restarted by a supervisor
        server.start();
        long upEpoch = System.currentTimeMillis();
        long rejoinedEpoch = 0;
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline
            && (rejoinedEpoch =
                    run.connectionEventEpoch(SourceConnection.State.REJOINED, killEpoch))
                < 0) {
          Thread.sleep(50);
        }
        assertThat(rejoinedEpoch).as("a REJOINED event on session.events()").isPositive();
        Thread.sleep(1_000);
        run.speakTone(); // after the fault: the bot's voice reaches the room again
        run.awaitPlayback();
        assertThat(RoomSession.LIVE_SPEECH_TRACKS.get())
            .as(
                "the bot's live audio tracks: the re-published one; the first disposed at the rejoin")
            .isEqualTo(1);
        run.publisher.events().stream()
            .filter(
                e ->
                    List.of(
                            "reconnecting",
                            "reconnected",
                            "disconnected",
                            "subscribed",
                            "published")
                        .contains(e.name()))
            .forEach(
                e -> System.out.println("[livekit-e2e] publisher " + e.name() + " " + e.fields()));
        // rtc-node reconnects on its own (its tracks get new SIDs on the new server)
        long publishersBack =
            run.publisher.events().stream()
                .filter(e -> e.name().equals("reconnected"))
                .mapToLong(NodePublisher.Event::epochMs)
                .max()
                .orElse(-1);
        assertThat(
                run.publisher.events().stream().filter(e -> e.name().equals("reconnected")).count())
            .as("both publishers reconnected to the restarted server")
            .isEqualTo(2);
        assertThat(run.connectionEventEpoch(SourceConnection.State.RECONNECTING, killEpoch))
            .as("a RECONNECTING event on session.events()")
            .isPositive();
        assertThat(source.rejoinCount()).as("rejoined once").isEqualTo(1);
        long lostRecruiter = run.lostMs(InterviewFaultRun.RECRUITER);
        long lostCandidate = run.lostMs(InterviewFaultRun.CANDIDATE);
        long killMs = killEpoch - run.t0;
        long backMs = Math.max(rejoinedEpoch, publishersBack) - run.t0;
        // a resubscribed track needs up to ~1.5 s for its first frame (README, "Measured")
        long unheard = run.closeAndCheck(killMs, backMs + 1_500);
        System.out.printf(
            Locale.ROOT,
            "[livekit-e2e] FIGURE server killed at %d ms, listening again after %d ms; bot rejoined"
                + " %d ms after the kill (%d ms after the server was back); publishers back after"
                + " %d ms; audio lost: recruiter %d ms, candidate %d ms; script speech in the"
                + " outage without a final %d ms%n",
            killMs,
            upEpoch - killEpoch,
            rejoinedEpoch - killEpoch,
            rejoinedEpoch - upEpoch,
            publishersBack - killEpoch,
            lostRecruiter,
            lostCandidate,
            unheard);
        long outage = Math.max(rejoinedEpoch, publishersBack) - killEpoch;
        assertThat(unheard)
            .as("speech without a final vs the outage (%d ms) plus resubscription", outage)
            .isLessThanOrEqualTo(outage + 1_500);
      } finally {
        run.finish();
      }
    }
  }
}
