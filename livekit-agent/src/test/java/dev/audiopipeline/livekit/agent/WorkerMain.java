package dev.audiopipeline.livekit.agent;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A worker JVM for the end-to-end tests: {@code WorkerMain NAME CAPACITY OUT_DIR DRAIN_SECONDS
 * [AGENT_NAME [JOB_KIND]]} (agent name {@code -}: none), configured from {@code
 * LIVEKIT_URL/_API_KEY/_API_SECRET}. Transcribes every room with the energy recogniser and writes
 * {@code OUT_DIR/ROOM/finals.tsv} (or {@code OUT_DIR/ROOM/TARGET/finals.tsv} for a per-participant
 * job: speaker, start, end, text) when the job ends; prints {@code EVENT ...} lines for the test:
 * {@code job-start ROOM JOB NAME target=IDENTITY meta=METADATA}.
 */
public final class WorkerMain {
  private WorkerMain() {}

  private static volatile Path eventLog = Path.of("events.log");

  static synchronized void event(String... fields) {
    String line = "EVENT " + System.currentTimeMillis() + " " + String.join(" ", fields);
    System.out.println(line);
    System.out.flush();
    try {
      Files.writeString(
          eventLog,
          line + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      System.err.println("cannot write " + eventLog + ": " + e);
    }
  }

  public static void main(String[] args) throws Exception {
    String name = args[0];
    int capacity = Integer.parseInt(args[1]);
    Path out = Path.of(args[2]);
    Duration drain = Duration.ofSeconds(Long.parseLong(args[3]));
    String agentName = args.length > 4 && !args[4].equals("-") ? args[4] : "";
    AgentWorker.JobKind kind =
        args.length > 5 ? AgentWorker.JobKind.valueOf(args[5]) : AgentWorker.JobKind.ROOM;
    Files.createDirectories(out);
    eventLog = out.resolve("events.log");
    SpeechSegmentRecognizer stt = SpeechSegmentRecognizer.create();
    TranscriptionJob transcribe =
        TranscriptionJob.of(
            stt,
            (job, finals) -> {
              Path dir =
                  job.targetIdentity().isEmpty()
                      ? out.resolve(job.room())
                      : out.resolve(job.room()).resolve(job.targetIdentity());
              Files.createDirectories(dir);
              StringBuilder sb = new StringBuilder();
              for (Transcript t : finals) {
                sb.append(t.participantIdentity())
                    .append('\t')
                    .append(t.startMs())
                    .append('\t')
                    .append(t.endMs())
                    .append('\t')
                    .append(t.text())
                    .append('\n');
              }
              Files.writeString(dir.resolve("finals.tsv"), sb, StandardCharsets.UTF_8);
            });
    AgentWorker worker =
        AgentWorker.fromEnv()
            .capacity(capacity)
            .agentName(agentName)
            .jobKind(kind)
            .job(
                job -> {
                  event(
                      "job-start",
                      job.room(),
                      job.jobId(),
                      name,
                      "target=" + job.targetIdentity(),
                      "meta=" + job.metadata());
                  try {
                    transcribe.run(job);
                    event("job-end", job.room(), job.jobId(), name, "success");
                  } catch (Exception e) {
                    event("job-end", job.room(), job.jobId(), name, "failed");
                    throw e;
                  }
                })
            .build();
    worker.drainOnShutdown(drain);
    worker.start();
    String id = worker.registered().toCompletableFuture().get();
    event("registered", id, name);
    List<String> none = List.of();
    while (!worker.terminated().toCompletableFuture().isDone()) {
      Thread.sleep(2500);
      event(
          "status",
          name,
          String.valueOf(worker.activeJobs()),
          String.valueOf(worker.load()),
          "reconnects=" + worker.reconnectCount());
    }
    event("terminated", name, none.toString());
    stt.close();
  }
}
