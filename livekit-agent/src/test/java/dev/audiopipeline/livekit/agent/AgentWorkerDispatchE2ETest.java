package dev.audiopipeline.livekit.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Explicit named dispatch and the per-participant job kinds against a real livekit-server: three
 * named workers (kind ROOM, PUBLISHER and PARTICIPANT) get nothing from a room created without a
 * dispatch; an explicit {@code AgentDispatchService.CreateDispatch} for one name reaches only the
 * worker of that name, with the dispatch's metadata; the PUBLISHER worker gets one job per
 * publishing participant and the PARTICIPANT worker one per participant, each knowing its target;
 * when the speakers leave, every job ends {@code JS_SUCCESS} on the server.
 */
class AgentWorkerDispatchE2ETest {
  private static final int SPEECH_MS = 12_000;

  @Test
  void namedWorkersGetOnlyExplicitDispatchesAndPerParticipantKindsGetOneJobPerTarget(
      @TempDir Path tmp) throws Exception {
    E2E.assumeServer();
    String suffix = String.valueOf(System.currentTimeMillis() % 1_000_000);
    String roomName = "named-room-" + suffix;
    String pubName = "named-pub-" + suffix;
    String partName = "named-part-" + suffix;
    String room = "dispatch-" + suffix;
    E2E.Child pub = null;
    try (E2E.Child r =
            E2E.worker("R", 4, tmp.resolve("R"), 5, Map.of(), roomName, AgentWorker.JobKind.ROOM);
        E2E.Child p =
            E2E.worker(
                "P", 4, tmp.resolve("P"), 5, Map.of(), pubName, AgentWorker.JobKind.PUBLISHER);
        E2E.Child q =
            E2E.worker(
                "Q", 4, tmp.resolve("Q"), 5, Map.of(), partName, AgentWorker.JobKind.PARTICIPANT)) {
      List<E2E.Child> workers = List.of(r, p, q);
      for (E2E.Child w : workers) {
        w.await(l -> l.contains(" registered "), E2E.REGISTRATION, "registration");
      }
      E2E.createRoom(room);
      // the speakers publish, then wait for a subscriber before they talk
      pub = E2E.publisher(room, SPEECH_MS, List.of("--wait-subscribed", "90000"));
      pub.await(l -> l.contains("\"event\":\"published\""), Duration.ofSeconds(60), "publishing");
      pub.await(
          l -> l.contains("\"event\":\"published\"") && l.contains("candidate"),
          Duration.ofSeconds(60),
          "both publishing");

      // no dispatch: the automatic one is for unnamed workers only; none of the named gets a job.
      // A negative, so it needs a while: the server dispatches within 1 s when it does (see the
      // spread test's figures), 5 s is ample.
      assertThat(
              Await.holds(
                  Duration.ofSeconds(5),
                  () ->
                      workers.stream()
                          .anyMatch(w -> !w.matching(l -> l.contains(" job-start ")).isEmpty())))
          .as("a named worker got a job without a dispatch")
          .isFalse();
      for (E2E.Child w : workers) {
        assertThat(w.matching(l -> l.contains(" job-start "))).as("jobs of %s", w.name).isEmpty();
      }
      assertThat(E2E.participants(room)).noneMatch(TranscriptionJob::isAgent);

      // explicit dispatch by name: only the ROOM worker of that name, with the metadata
      E2E.createDispatch(room, roomName, "meta-1");
      E2E.Child.Line roomJob =
          r.await(l -> l.contains(" job-start " + room + " "), Duration.ofSeconds(30), "room job");
      assertThat(roomJob.text()).endsWith(" target= meta=meta-1");
      pub.await(
          l -> l.contains("\"event\":\"subscribed\""), Duration.ofSeconds(60), "bot subscription");

      // PUBLISHER: one job per publishing participant; PARTICIPANT: one per participant
      E2E.createDispatch(room, pubName, "meta-2");
      E2E.createDispatch(room, partName, "meta-3");
      for (E2E.Child w : List.of(p, q)) {
        Await.holds(
            Duration.ofSeconds(60),
            () -> w.matching(l -> l.contains(" job-start " + room + " ")).size() >= 2);
        List<String> targets = new ArrayList<>();
        for (E2E.Child.Line l : w.matching(x -> x.contains(" job-start " + room + " "))) {
          String[] f = l.text().split(" ");
          targets.add(f[6].substring("target=".length()));
          assertThat(f[7]).isEqualTo(w == p ? "meta=meta-2" : "meta=meta-3");
        }
        assertThat(targets)
            .as("targets of %s's jobs; %s", w.name, w.tail())
            .containsExactlyInAnyOrder("recruiter", "candidate");
      }
      assertThat(r.matching(l -> l.contains(" job-start "))).hasSize(1);
      // a job starts before its bot has joined the room: poll for the bots, do not look once
      Await.holds(Duration.ofSeconds(60), () -> agentsIn(room) >= 5);
      assertThat(agentsIn(room)).as("bots in the room: 1 room job + 2 + 2").isEqualTo(5);

      pub.await(
          l -> l.contains("\"event\":\"playback_done\""),
          Duration.ofSeconds(SPEECH_MS / 1000 + 60),
          "end of playback");
      pub.close();
      // the speakers left: every job ends, and the server records each as a success
      List<String> jobIds = new ArrayList<>();
      for (E2E.Child w : workers) {
        for (E2E.Child.Line l : w.matching(x -> x.contains(" job-start " + room + " "))) {
          String jobId = l.text().split(" ")[4];
          jobIds.add(jobId);
          w.await(
              x -> x.contains(" job-end " + room + " " + jobId + " "),
              Duration.ofSeconds(60),
              "end of job " + jobId);
          assertThat(w.matching(x -> x.contains(" job-end " + room + " " + jobId + " ")))
              .singleElement()
              .satisfies(x -> assertThat(x.text()).endsWith(" success"));
        }
      }
      assertThat(jobIds).hasSize(5);
      for (String jobId : jobIds) {
        assertThat(E2E.serverJobEnd(jobId, Duration.ofSeconds(30)))
            .as("the server's record of job %s", jobId)
            .isEqualTo("JS_SUCCESS");
      }
      String finals = Files.readString(tmp.resolve("R").resolve(room).resolve("finals.tsv"));
      assertThat(finals).contains("recruiter\t").contains("candidate\t");
      assertThat(tmp.resolve("P").resolve(room).resolve("recruiter").resolve("finals.tsv"))
          .exists();
      assertThat(tmp.resolve("Q").resolve(room).resolve("candidate").resolve("finals.tsv"))
          .exists();
    } finally {
      if (pub != null) {
        pub.close();
      }
    }
  }

  /** The agents (bots) in {@code room}, from the server's participant list. */
  private static long agentsIn(String room) {
    try {
      return E2E.participants(room).stream().filter(TranscriptionJob::isAgent).distinct().count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
