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
 * Two workers of capacity 1 with a room each: a third room gets no job while both are full; killing
 * one worker JVM (SIGKILL) leaves the other's room unaffected, and the dead worker's room loses its
 * bot for good (the open-source server hands no job over); SIGTERM drains the other worker (reports
 * full, ends its job at the drain timeout, writes the transcript, exits) and the job's success
 * reaches the server.
 */
class AgentWorkerFailoverE2ETest {
  private static final int DRAIN_SECONDS = 5;

  @Test
  void fullWorkersTakeNoJobAndAKilledWorkersRoomLosesOnlyItsOwnBot(@TempDir Path tmp)
      throws Exception {
    E2E.assumeServer();
    List<E2E.Child> pubs = new ArrayList<>();
    try (E2E.Child a = E2E.worker("A", 1, tmp.resolve("A"), DRAIN_SECONDS);
        E2E.Child b = E2E.worker("B", 1, tmp.resolve("B"), DRAIN_SECONDS)) {
      a.await(l -> l.contains(" registered "), E2E.REGISTRATION, "registration");
      b.await(l -> l.contains(" registered "), E2E.REGISTRATION, "registration");
      String prefix = "failover-" + (System.currentTimeMillis() % 1_000_000) + "-";
      List<String> rooms = List.of(prefix + 0, prefix + 1);
      for (String room : rooms) {
        E2E.createRoom(room);
        pubs.add(E2E.publisher(room, 50_000, List.of("--wait-subscribed", "60000")));
        Thread.sleep(1000);
      }
      for (E2E.Child p : pubs) {
        p.await(
            l -> l.contains("\"event\":\"subscribed\""),
            Duration.ofSeconds(60),
            "bot subscription");
      }
      String roomOfA =
          a.await(l -> l.contains(" job-start "), Duration.ofSeconds(5), "job")
              .text()
              .split(" ")[3];
      String roomOfB =
          b.await(l -> l.contains(" job-start "), Duration.ofSeconds(5), "job")
              .text()
              .split(" ")[3];
      assertThat(List.of(roomOfA, roomOfB)).containsExactlyInAnyOrderElementsOf(rooms);

      // both full: a third room is created, a speaker joins, and no job is offered or started
      String third = prefix + 2;
      E2E.createRoom(third);
      E2E.Child thirdPub = E2E.publisher(third, 8_000, List.of());
      pubs.add(thirdPub);
      thirdPub.await(
          l -> l.contains("\"event\":\"published\""), Duration.ofSeconds(30), "publishing");
      Thread.sleep(6000);
      assertThat(E2E.participants(third)).noneMatch(id -> id.startsWith("agent-"));
      assertThat(a.matching(l -> l.contains(" job-start " + third + " "))).isEmpty();
      assertThat(b.matching(l -> l.contains(" job-start " + third + " "))).isEmpty();
      assertThat(a.matching(l -> l.contains(" status A 1 1.0"))).isNotEmpty();

      // kill A: its room loses its bot; B's room goes on
      E2E.Child pubOfA = pubs.get(rooms.indexOf(roomOfA));
      long killedAt = System.currentTimeMillis();
      a.process.destroyForcibly();
      assertThat(a.awaitExit(Duration.ofSeconds(10))).isTrue();
      E2E.Child.Line gone =
          pubOfA.await(
              l ->
                  l.contains("\"event\":\"participant_disconnected\"")
                      && l.contains("\"identity\":\"agent-"),
              Duration.ofSeconds(60),
              "the dead worker's bot leaving");
      long botGoneMs = E2E.epochMs(gone.text()) - killedAt;
      Thread.sleep(8000);
      assertThat(E2E.participants(roomOfA))
          .as("no other worker takes the dead worker's room")
          .noneMatch(id -> id.startsWith("agent-"));
      assertThat(E2E.participants(roomOfB)).anyMatch(id -> id.startsWith("agent-"));
      assertThat(b.matching(l -> l.contains(" job-end "))).isEmpty();
      assertThat(E2E.awaitDispatches(roomOfB, "JS_RUNNING", Duration.ofSeconds(30)))
          .contains("JS_RUNNING");

      // SIGTERM B while its room still runs: drain, job ended at the timeout, transcript, exit
      long termAt = System.currentTimeMillis();
      b.process.destroy();
      assertThat(b.awaitExit(Duration.ofSeconds(DRAIN_SECONDS + 30))).isTrue();
      long drainExitMs = System.currentTimeMillis() - termAt;
      assertThat(b.matching(l -> l.contains(" job-end " + roomOfB + " ")))
          .as("job end in B's events %s", b.tail())
          .singleElement()
          .satisfies(l -> assertThat(l.text()).endsWith(" success"));
      long jobStartB =
          Long.parseLong(
              b.matching(l -> l.contains(" job-start " + roomOfB + " "))
                  .get(0)
                  .text()
                  .split(" ")[1]);
      List<String> finals =
          Files.readAllLines(tmp.resolve("B").resolve(roomOfB).resolve("finals.tsv"));
      long afterKillMs = killedAt - jobStartB;
      assertThat(finals)
          .as("B transcribed its room after A was killed")
          .anyMatch(f -> Long.parseLong(f.split("\t")[2]) > afterKillMs);
      // the job's success reached the server (its ListDispatch keeps showing the first state, so
      // the server's own log is the witness)
      String jobOfB =
          b.matching(l -> l.contains(" job-start " + roomOfB + " ")).get(0).text().split(" ")[4];
      assertThat(E2E.serverJobEnd(jobOfB, Duration.ofSeconds(15)))
          .as("the server's record of job %s", jobOfB)
          .isEqualTo("JS_SUCCESS");
      // the leave is applied by the server asynchronously: poll
      assertThat(E2E.awaitNoAgent(roomOfB, Duration.ofSeconds(30)))
          .noneMatch(TranscriptionJob::isAgent);
      System.out.printf(
          "FIGURES killedWorkerBotGoneMs=%d drainExitMs=%d (drain timeout %d s)%n",
          botGoneMs, drainExitMs, DRAIN_SECONDS);
    } finally {
      for (E2E.Child p : pubs) {
        p.close();
      }
    }
  }
}
