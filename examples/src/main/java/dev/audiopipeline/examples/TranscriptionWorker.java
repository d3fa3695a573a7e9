package dev.audiopipeline.examples;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.examples.cli.OptionValues;
import dev.audiopipeline.examples.cli.TranscriptFiles;
import dev.audiopipeline.livekit.agent.AgentWorker;
import dev.audiopipeline.livekit.agent.TranscriptionJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A LiveKit agent worker that transcribes every room the server dispatches to it. Start it on as
 * many machines as you like: the server spreads the rooms over the workers.
 *
 * <pre>
 * LIVEKIT_URL=wss://… LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… \
 *   java … TranscriptionWorker [--agent-name NAME] [--capacity N] [--out DIR]
 *                              [--stt sphinx|elevenlabs|deepgram|fallback] [--drain-timeout SECONDS]
 * </pre>
 *
 * Unnamed (the default) it receives every new room automatically; with {@code --agent-name} only
 * rooms explicitly dispatched to that name. {@code --out DIR} writes each room's transcript to
 * {@code DIR/ROOM/transcript.jsonl}, {@code .srt} and {@code .vtt} when the job ends (the room
 * closes, the server ends the job, or the worker drains). SIGTERM/Ctrl-C drains: the worker reports
 * full, lets running rooms finish up to {@code --drain-timeout} (default 60 s), then ends them
 * (their transcripts are written) and exits.
 */
public final class TranscriptionWorker {
  private TranscriptionWorker() {}

  public static void main(String[] args) throws Exception {
    String agentName = "";
    int capacity = 4;
    @Nullable Path out = null;
    String sttName = "sphinx";
    Duration drain = Duration.ofSeconds(60);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--agent-name" -> agentName = OptionValues.value(args, ++i, "--agent-name");
        case "--capacity" -> {
          String v = OptionValues.value(args, ++i, "--capacity");
          try {
            capacity = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                "--capacity '" + v + "' is not a number: give the rooms to run at once (1-1000)");
          }
        }
        case "--out" -> out = Path.of(OptionValues.value(args, ++i, "--out"));
        case "--stt" -> sttName = OptionValues.value(args, ++i, "--stt");
        case "--drain-timeout" ->
            drain =
                OptionValues.seconds(
                    OptionValues.value(args, ++i, "--drain-timeout"), "--drain-timeout");
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + ": accepted --agent-name NAME, --capacity N, --out DIR, --stt "
                    + String.join("|", SttChoice.NAMES)
                    + ", --drain-timeout SECONDS");
      }
    }
    if (out != null) {
      TranscriptFiles.prepareOutputDir(out);
    }
    Path dir = out;
    try (SttProvider stt = SttChoice.factory(sttName).get()) {
      AgentWorker worker =
          AgentWorker.fromEnv()
              .agentName(agentName)
              .capacity(capacity)
              .job(
                  TranscriptionJob.of(
                      stt,
                      (job, finals) -> {
                        System.out.printf(
                            "room %s: %d final transcripts%n", job.room(), finals.size());
                        if (dir != null) {
                          TranscriptFiles.write(dir.resolve(job.room()), finals);
                        }
                      }))
              .build();
      worker.drainOnShutdown(drain);
      worker.start();
      System.out.println(
          "registered as "
              + worker.registered().toCompletableFuture().get()
              + (agentName.isEmpty() ? " (unnamed: every new room)" : " (agent " + agentName + ")")
              + ", capacity "
              + capacity);
      try {
        worker.terminated().toCompletableFuture().get();
      } catch (ExecutionException e) {
        System.err.println("error: worker stopped: " + String.valueOf(e.getCause()));
        System.exit(1);
      }
    }
  }
}
