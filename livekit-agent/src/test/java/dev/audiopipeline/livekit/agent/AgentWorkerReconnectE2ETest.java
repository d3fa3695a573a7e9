package dev.audiopipeline.livekit.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.testing.TcpProxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM whose {@code /agent} connection runs through a TCP proxy; the test resets that
 * connection in the middle of a room: the worker reconnects under its reconnect policy and
 * registers again, the running job goes on transcribing the room to its end, and a later room is
 * still dispatched to the worker.
 */
class AgentWorkerReconnectE2ETest {
  private static final int SPEECH_MS = 16_000;

  @Test
  void aResetAgentConnectionIsReestablishedAndTheRoomIsStillTranscribedToTheEnd(@TempDir Path tmp)
      throws Exception {
    E2E.assumeServer();
    URI server = URI.create(E2E.URL);
    try (TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort());
        E2E.Child w =
            E2E.worker(
                "R",
                2,
                tmp.resolve("R"),
                10,
                Map.of("LIVEKIT_URL", "ws://127.0.0.1:" + proxy.port()))) {
      w.await(l -> l.contains(" registered "), E2E.REGISTRATION, "registration");
      // the worker's first connection through the proxy is its /agent WebSocket
      assertThat(proxy.accepted()).isEqualTo(1);
      String prefix = "reconnect-" + (System.currentTimeMillis() % 1_000_000) + "-";
      String room1 = prefix + "1";
      E2E.createRoom(room1);
      try (E2E.Child pub = E2E.publisher(room1, SPEECH_MS, List.of("--wait-subscribed", "60000"))) {
        E2E.Child.Line start =
            w.await(l -> l.contains(" job-start " + room1 + " "), Duration.ofSeconds(30), "job");
        pub.await(
            l -> l.contains("\"event\":\"subscribed\""), Duration.ofSeconds(60), "subscription");
        Thread.sleep(3000); // mid-room: speech is flowing
        long cutAt = System.currentTimeMillis();
        assertThat(proxy.cut(1)).as("the /agent connection was open").isTrue();

        // reconnected (a new connection through the proxy) while the job still runs
        E2E.Child.Line back =
            w.await(
                l -> l.contains(" status R 1 ") && !l.endsWith("reconnects=0"),
                Duration.ofSeconds(30),
                "a reconnect with the job still running");
        assertThat(proxy.accepted()).isGreaterThanOrEqualTo(2);
        String dispatchAfter = E2E.dispatches(room1);
        System.out.printf(
            "FIGURES reconnect: cut -> status with reconnect %d ms; ListDispatch after the"
                + " MigrateJobRequest: %s%n",
            back.epochMs() - cutAt, dispatchAfter);

        pub.await(
            l -> l.contains("\"event\":\"playback_done\""),
            Duration.ofSeconds(SPEECH_MS / 1000 + 60),
            "end of playback");
        E2E.Child.Line end =
            w.await(l -> l.contains(" job-end " + room1 + " "), Duration.ofSeconds(60), "job end");
        assertThat(end.text()).endsWith(" success");
        assertThat(w.matching(l -> l.contains(" job-start " + room1 + " "))).hasSize(1);

        // the whole room is in the transcript: both speakers, and speech after the cut
        Path finals = tmp.resolve("R").resolve(room1).resolve("finals.tsv");
        assertThat(finals).exists();
        List<String> lines = Files.readAllLines(finals);
        long cutInSession = cutAt - start.epochMs();
        assertThat(lines).anyMatch(l -> l.startsWith("recruiter\t"));
        assertThat(lines).anyMatch(l -> l.startsWith("candidate\t"));
        assertThat(lines)
            .as("finals that start after the cut (%d ms into the job)", cutInSession)
            .anyMatch(l -> Long.parseLong(l.split("\t")[1]) > cutInSession);
      }

      // a later room is still dispatched to the reconnected worker
      String room2 = prefix + "2";
      E2E.createRoom(room2);
      try (E2E.Child pub2 = E2E.publisher(room2, 4000, List.of("--wait-subscribed", "60000"))) {
        w.await(l -> l.contains(" job-start " + room2 + " "), Duration.ofSeconds(30), "later job");
        pub2.await(
            l -> l.contains("\"event\":\"subscribed\""), Duration.ofSeconds(60), "subscription");
      }
    }
  }
}
