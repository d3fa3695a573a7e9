package dev.audiopipeline.livekit.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two worker JVMs registered with one real livekit-server; rooms created one after another through
 * the server's RoomService API (automatic dispatch to unnamed workers), each with two rtc-node
 * speakers: every room is transcribed exactly once, both workers get rooms, every job is {@code
 * JS_RUNNING} in its dispatch and ends {@code JS_SUCCESS} on the server when its room closes
 * normally. {@code -Dagent.e2e.rooms=N} (default 4) sets how many rooms run at once (the load
 * test).
 */
class AgentWorkerSpreadE2ETest {
  private static final int SPEECH_MS = 20_000;

  @Test
  void roomsSpreadOverTwoWorkersEachTranscribedExactlyOnce(@TempDir Path tmp) throws Exception {
    E2E.assumeServer();
    int n = Integer.getInteger("agent.e2e.rooms", 4);
    int capacity = (n + 1) / 2; // both workers must take rooms: neither can take them all
    List<E2E.Child> pubs = new ArrayList<>();
    try (E2E.Child a = E2E.worker("A", capacity, tmp.resolve("A"), 10);
        E2E.Child b = E2E.worker("B", capacity, tmp.resolve("B"), 10)) {
      a.await(l -> l.contains(" registered "), E2E.REGISTRATION, "registration");
      b.await(l -> l.contains(" registered "), E2E.REGISTRATION, "registration");
      String prefix = "spread-" + (System.currentTimeMillis() % 1_000_000) + "-";
      List<String> rooms = new ArrayList<>();
      long[] created = new long[n];
      for (int i = 0; i < n; i++) {
        String room = prefix + i;
        rooms.add(room);
        created[i] = System.currentTimeMillis();
        E2E.createRoom(room);
        pubs.add(E2E.publisher(room, SPEECH_MS, List.of("--wait-subscribed", "60000")));
        Thread.sleep(1000);
      }
      List<Long> latencies = new ArrayList<>();
      List<Long> toJob = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String room = rooms.get(i);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<E2E.Child.Line> starts = List.of();
        while (System.nanoTime() < deadline && starts.isEmpty()) {
          starts = new ArrayList<>(a.matching(l -> l.contains(" job-start " + room + " ")));
          starts.addAll(b.matching(l -> l.contains(" job-start " + room + " ")));
          Thread.sleep(50);
        }
        assertThat(starts).as("job for %s; A: %s; B: %s", room, a.tail(), b.tail()).isNotEmpty();
        toJob.add(Long.parseLong(starts.get(0).text().split(" ")[1]) - created[i]);
      }
      for (int i = 0; i < n; i++) {
        E2E.Child.Line sub =
            pubs.get(i)
                .await(
                    l -> l.contains("\"event\":\"subscribed\""),
                    Duration.ofSeconds(60),
                    "bot subscription");
        latencies.add(E2E.epochMs(sub.text()) - created[i]);
      }
      long cpu0 = cpuMs(a) + cpuMs(b);
      long wall0 = System.currentTimeMillis();
      for (String room : rooms) {
        List<String> bots =
            E2E.participants(room).stream().filter(id -> id.startsWith("agent-")).toList();
        assertThat(bots).as("agent participants in %s", room).hasSize(1);
      }
      for (String room : rooms) {
        // the server adds the job to the dispatch when the job request's answer comes back,
        // which on a loaded machine can be after the bot has joined: poll, do not look once
        assertThat(E2E.awaitDispatches(room, "JS_RUNNING", Duration.ofSeconds(30)))
            .as("dispatch of %s", room)
            .contains("JS_RUNNING");
      }
      for (E2E.Child p : pubs) {
        p.await(
            l -> l.contains("\"event\":\"playback_done\""),
            Duration.ofSeconds(SPEECH_MS / 1000 + 60),
            "end of playback");
      }
      long cpu1 = cpuMs(a) + cpuMs(b);
      long wall1 = System.currentTimeMillis();
      for (String room : rooms) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline
            && a.matching(l -> l.contains(" job-end " + room + " ")).isEmpty()
            && b.matching(l -> l.contains(" job-end " + room + " ")).isEmpty()) {
          Thread.sleep(100);
        }
      }
      int roomsA = 0;
      int roomsB = 0;
      for (String room : rooms) {
        int startsA = a.matching(l -> l.contains(" job-start " + room + " ")).size();
        int startsB = b.matching(l -> l.contains(" job-start " + room + " ")).size();
        assertThat(startsA + startsB).as("jobs for %s", room).isEqualTo(1);
        roomsA += startsA;
        roomsB += startsB;
        Path fa = tmp.resolve("A").resolve(room).resolve("finals.tsv");
        Path fb = tmp.resolve("B").resolve(room).resolve("finals.tsv");
        assertThat(Files.exists(fa) ^ Files.exists(fb)).as("one transcript of %s", room).isTrue();
        String finals = Files.readString(Files.exists(fa) ? fa : fb);
        assertThat(finals).as("finals of %s", room).contains("recruiter\t").contains("candidate\t");
        assertThat((Files.exists(fa) ? a : b).matching(l -> l.contains(" job-end " + room + " ")))
            .as("job end of %s", room)
            .singleElement()
            .satisfies(l -> assertThat(l.text()).endsWith(" success"));
        // the room closed normally (its speakers left): the server must record a success, not
        // "agent worker left the room" (the bot reports success, confirmed, once it is alone)
        String jobId =
            (startsA == 1 ? a : b)
                .matching(l -> l.contains(" job-start " + room + " "))
                .get(0)
                .text()
                .split(" ")[4];
        assertThat(E2E.serverJobEnd(jobId, Duration.ofSeconds(30)))
            .as("the server's record of job %s (room %s)", jobId, room)
            .isEqualTo("JS_SUCCESS");
      }
      assertThat(roomsA).as("rooms of worker A").isPositive();
      assertThat(roomsB).as("rooms of worker B").isPositive();
      double coresPerRoom = (cpu1 - cpu0) / (double) (wall1 - wall0) / n;
      System.out.printf(
          "FIGURES rooms=%d A=%d B=%d createdToJobMs=%s createdToBotSubscribedMs=%s"
              + " cpuPerRoom=%.1f%% of one core%n",
          n, roomsA, roomsB, toJob, latencies, coresPerRoom * 100);
    } finally {
      for (E2E.Child p : pubs) {
        p.close();
      }
    }
  }

  static long cpuMs(E2E.Child c) {
    return c.process.toHandle().info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
  }
}
