package dev.audiopipeline.livekit.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.spi.ReconnectPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker against {@link FakeAgentServer}, a protocol-exact {@code /agent} server on 127.0.0.1:
 * the reserved-slot counter behind the availability answers, their answer time, and a dropped
 * connection while a job runs (reconnect, register again, {@code MigrateJobRequest}, the job goes
 * on).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentWorkerProtocolTest {
  private static final String KEY = "made-up-key-4711";
  private static final String SECRET = "made-up-secret-0815-abcdefgh";
  private static final Duration WAIT = Duration.ofSeconds(10);

  /**
   * What livekit-server 1.13.5 waits for an availability answer (measured, see the README); the
   * protocol's comments say 10 s.
   */
  private static final Duration SERVER_ANSWER_DEADLINE = Duration.ofSeconds(3);

  private final FakeAgentServer server = new FakeAgentServer();
  private final List<String> jobsStarted = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Thread> jobThreads = new ConcurrentHashMap<>();
  private final List<String> jobsEnded = new CopyOnWriteArrayList<>();
  private AgentWorker worker;

  /** A job that runs until the server (or the worker) terminates it. */
  private final AgentJob untilTerminated =
      ctx -> {
        jobsStarted.add(ctx.jobId());
        jobThreads.put(ctx.jobId(), Thread.currentThread());
        try {
          ctx.terminationRequested().toCompletableFuture().get(50, TimeUnit.SECONDS);
        } finally {
          jobsEnded.add(ctx.jobId());
        }
      };

  @AfterEach
  void tearDown() throws Exception {
    if (worker != null) {
      worker.close();
    }
    server.close();
  }

  @Test
  void availabilityComesFromReservedSlotsReleasedByATimeoutOrTheJobsEndAndIsAnsweredInTime()
      throws Exception {
    worker =
        AgentWorker.builder()
            .url(server.url())
            .apiKey(KEY)
            .apiSecret(SECRET)
            .capacity(2)
            .reservationTimeout(Duration.ofSeconds(2))
            .job(untilTerminated)
            .build()
            .start();
    FakeAgentServer.Conn c = server.awaitConnection(0, WAIT);
    assertThat(worker.registered().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .isEqualTo("AW_fake_0");

    // three requests back to back, faster than any assignment: two slots get reserved, the third
    // finds none (reserved-but-unassigned slots count)
    long[] sentAt = new long[3];
    for (int i = 0; i < 3; i++) {
      sentAt[i] = System.nanoTime();
      c.send(availability("AJ_" + (i + 1)));
    }
    for (int i = 0; i < 3; i++) {
      FakeAgentServer.Received r = awaitAnswer(c, 0, "AJ_" + (i + 1));
      assertThat(r.message().getAvailability().getAvailable())
          .as("AJ_%d available", i + 1)
          .isEqualTo(i < 2);
      assertThat(Duration.ofNanos(r.atNanos() - sentAt[i])).isLessThan(SERVER_ANSWER_DEADLINE);
      if (i < 2) {
        assertThat(r.message().getAvailability().getParticipantIdentity())
            .isEqualTo("agent-AJ_" + (i + 1));
      }
    }
    // both slots reserved: the worker said it is full
    c.await(0, m -> status(m) == WorkerStatus.WS_FULL, WAIT);

    // AJ_1 is assigned and runs; AJ_2 is never assigned
    c.send(assignment("AJ_1", "room-1"));
    c.await(0, m -> jobStatus(m, "AJ_1") == JobStatus.JS_RUNNING, WAIT);
    int afterAssign = c.mark();
    // AJ_2's reservation lapses: until then every status is WS_FULL (AJ_1 running + AJ_2
    // reserved), after it the worker reports itself available again at once
    c.await(afterAssign, m -> status(m) == WorkerStatus.WS_AVAILABLE, WAIT);
    FakeAgentServer.Received r4 = ask(c, "AJ_4");
    assertThat(r4.message().getAvailability().getAvailable()).isTrue();

    // AJ_4 assigned: both slots run jobs, a further request is refused
    c.send(assignment("AJ_4", "room-4"));
    c.await(0, m -> jobStatus(m, "AJ_4") == JobStatus.JS_RUNNING, WAIT);
    assertThat(ask(c, "AJ_5").message().getAvailability().getAvailable()).isFalse();

    // the server ends AJ_1: its slot is free again
    c.send(
        ServerMessage.newBuilder()
            .setTermination(LivekitAgent.JobTermination.newBuilder().setJobId("AJ_1"))
            .build());
    c.await(0, m -> jobStatus(m, "AJ_1") == JobStatus.JS_SUCCESS, WAIT);
    assertThat(ask(c, "AJ_6").message().getAvailability().getAvailable()).isTrue();

    assertThat(jobsStarted).containsExactly("AJ_1", "AJ_4");
    assertThat(jobsEnded).containsExactly("AJ_1");
    assertThat(worker.activeRooms()).containsExactly("room-4");
  }

  /**
   * The server fails a job whose bot leaves the room while the job is still running there, and the
   * leave travels on another connection: {@code reportSuccess()} must return only once the server
   * has applied the success (the pong of the ping sent after it on the same connection), so the job
   * leaves afterwards. Before the fix it returned at once, the leave could overtake the status and
   * livekit-server recorded "agent worker left the room".
   */
  @Test
  void reportSuccessReturnsOnlyOnceTheServerHasAppliedTheStatusSoTheBotLeavesAfterIt()
      throws Exception {
    java.util.concurrent.CountDownLatch left = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean confirmed =
        new java.util.concurrent.atomic.AtomicBoolean();
    worker =
        AgentWorker.builder()
            .url(server.url())
            .apiKey(KEY)
            .apiSecret(SECRET)
            .job(
                ctx -> {
                  confirmed.set(ctx.reportSuccess());
                  left.countDown(); // where a job leaves its room
                })
            .build()
            .start();
    FakeAgentServer.Conn c = server.awaitConnection(0, WAIT);
    worker.registered().toCompletableFuture().get(10, TimeUnit.SECONDS);
    c.holdPongs();
    ask(c, "AJ_1");
    c.send(assignment("AJ_1", "room-1"));
    c.await(0, m -> jobStatus(m, "AJ_1") == JobStatus.JS_SUCCESS, WAIT);
    // the barrier: a ping after the status on the same connection
    c.await(0, m -> m.hasPing() && m.getPing().getTimestamp() < 0, WAIT);
    assertThat(left.await(700, TimeUnit.MILLISECONDS))
        .as("the job went on (left its room) before the server confirmed its success")
        .isFalse();
    c.releasePongs();
    assertThat(left.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(confirmed).as("reportSuccess() saw the confirmation").isTrue();
    // reported once: no second JS_SUCCESS when run() returns
    c.await(
        0,
        m -> status(m) == WorkerStatus.WS_AVAILABLE && m.getUpdateWorker().getJobCount() == 0,
        WAIT);
    long successes =
        c.all().stream()
            .filter(r -> jobStatus(r.message(), "AJ_1") == JobStatus.JS_SUCCESS)
            .count();
    assertThat(successes).isEqualTo(1);
  }

  @Test
  void aDroppedConnectionIsReestablishedWithBackoffAndTheRunningJobIsMigratedNotStopped()
      throws Exception {
    Duration initial = Duration.ofMillis(600);
    worker =
        AgentWorker.builder()
            .url(server.url())
            .apiKey(KEY)
            .apiSecret(SECRET)
            .capacity(2)
            .reconnectPolicy(
                ReconnectPolicy.builder()
                    .initialDelay(initial)
                    .maxDelay(Duration.ofSeconds(5))
                    .jitter(0.2)
                    .maxAttempts(Integer.MAX_VALUE)
                    .quickFailureLimit(0)
                    .build())
            .job(untilTerminated)
            .build()
            .start();
    FakeAgentServer.Conn c0 = server.awaitConnection(0, WAIT);
    worker.registered().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(ask(c0, "AJ_1").message().getAvailability().getAvailable()).isTrue();
    c0.send(assignment("AJ_1", "room-1"));
    c0.await(0, m -> jobStatus(m, "AJ_1") == JobStatus.JS_RUNNING, WAIT);

    // the connection drops while the worker answers a request: that reservation dies with it
    c0.dropOnNextMessage();
    long droppedAt = System.nanoTime();
    c0.send(availability("AJ_lost"));
    FakeAgentServer.Conn c1 = server.awaitConnection(1, WAIT);
    long reconnectedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - droppedAt);
    // backoff: not before the policy's first delay (less its jitter)
    assertThat(reconnectedAfterMs).isGreaterThanOrEqualTo((long) (initial.toMillis() * 0.8));
    assertThat(c1.authorization).startsWith("Bearer ");

    // registers again, then reports the running job: MigrateJobRequest and its JS_RUNNING status
    FakeAgentServer.Received reg = c1.await(0, WorkerMessage::hasRegister, WAIT);
    FakeAgentServer.Received migrate = c1.await(0, WorkerMessage::hasMigrateJob, WAIT);
    assertThat(migrate.atNanos()).isGreaterThan(reg.atNanos());
    assertThat(migrate.message().getMigrateJob().getJobIdsList()).containsExactly("AJ_1");
    c1.await(0, m -> jobStatus(m, "AJ_1") == JobStatus.JS_RUNNING, WAIT);
    assertThat(worker.reconnectCount()).isEqualTo(1);

    // the job never noticed: same thread, still running, not ended
    assertThat(jobsEnded).isEmpty();
    assertThat(jobThreads.get("AJ_1").isAlive()).isTrue();
    assertThat(worker.activeRooms()).containsExactly("room-1");

    // the new connection carries on: a new room is accepted (capacity 2: AJ_1 and AJ_2, so the
    // reservation for AJ_lost died with the old connection) and dispatched; the old job ends
    // through it
    assertThat(ask(c1, "AJ_2").message().getAvailability().getAvailable()).isTrue();
    c1.send(assignment("AJ_2", "room-2"));
    c1.await(0, m -> jobStatus(m, "AJ_2") == JobStatus.JS_RUNNING, WAIT);
    c1.send(
        ServerMessage.newBuilder()
            .setTermination(LivekitAgent.JobTermination.newBuilder().setJobId("AJ_1"))
            .build());
    c1.await(0, m -> jobStatus(m, "AJ_1") == JobStatus.JS_SUCCESS, WAIT);
    assertThat(jobsStarted).containsExactly("AJ_1", "AJ_2");
    assertThat(jobsEnded).containsExactly("AJ_1");
    assertThat(server.connectionCount()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ helpers

  private static FakeAgentServer.Received ask(FakeAgentServer.Conn c, String jobId)
      throws InterruptedException {
    int from = c.mark();
    long sent = System.nanoTime();
    c.send(availability(jobId));
    FakeAgentServer.Received r = awaitAnswer(c, from, jobId);
    assertThat(Duration.ofNanos(r.atNanos() - sent))
        .as("answer time for %s", jobId)
        .isLessThan(SERVER_ANSWER_DEADLINE);
    return r;
  }

  private static FakeAgentServer.Received awaitAnswer(
      FakeAgentServer.Conn c, int from, String jobId) throws InterruptedException {
    return c.await(
        from, m -> m.hasAvailability() && m.getAvailability().getJobId().equals(jobId), WAIT);
  }

  private static LivekitAgent.Job job(String jobId, String room) {
    return LivekitAgent.Job.newBuilder()
        .setId(jobId)
        .setDispatchId("AD_" + jobId)
        .setType(LivekitAgent.JobType.JT_ROOM)
        .setRoom(LivekitModels.Room.newBuilder().setName(room).setSid("RM_" + room))
        .build();
  }

  private static ServerMessage availability(String jobId) {
    return ServerMessage.newBuilder()
        .setAvailability(
            LivekitAgent.AvailabilityRequest.newBuilder().setJob(job(jobId, "room-" + jobId)))
        .build();
  }

  private static ServerMessage assignment(String jobId, String room) {
    return ServerMessage.newBuilder()
        .setAssignment(
            LivekitAgent.JobAssignment.newBuilder()
                .setJob(job(jobId, room))
                .setToken("made-up-participant-token"))
        .build();
  }

  private static @org.jspecify.annotations.Nullable WorkerStatus status(WorkerMessage m) {
    return m.hasUpdateWorker() ? m.getUpdateWorker().getStatus() : null;
  }

  private static @org.jspecify.annotations.Nullable JobStatus jobStatus(
      WorkerMessage m, String jobId) {
    return m.hasUpdateJob() && m.getUpdateJob().getJobId().equals(jobId)
        ? m.getUpdateJob().getStatus()
        : null;
  }
}
