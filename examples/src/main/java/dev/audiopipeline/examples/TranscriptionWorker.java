package dev.audiopipeline.examples;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.examples.cli.OptionValues;
import dev.audiopipeline.examples.cli.TranscriptFiles;
import dev.audiopipeline.livekit.agent.AgentWorker;
import dev.audiopipeline.livekit.agent.TranscriptionJob;
import dev.audiopipeline.livekit.agent.TranscriptionJob.RoomTranscriptSink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
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
  static final String USAGE =
      """
      Usage: TranscriptionWorker [--agent-name NAME] [--capacity N] [--out DIR]
                                 [--stt sphinx|elevenlabs|deepgram|fallback] [--drain-timeout SECONDS]
      Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (and the --stt provider's key).
        --agent-name NAME        only rooms dispatched to NAME (default: unnamed, every new room)
        --capacity N             rooms at once, 1-1000 (default 4)
        --out DIR                each room's DIR/ROOM/transcript.jsonl, .srt, .vtt when its job ends
        --stt NAME               recogniser (default sphinx)
        --drain-timeout SECONDS  on SIGTERM/Ctrl-C: running rooms finish up to this long (default 60)
      Exit status: 0 stopped cleanly, 1 the worker failed, 2 bad options or environment,
      130/143 stopped by SIGINT/SIGTERM after draining.
      """;

  private TranscriptionWorker() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, System.getenv());
    System.out.flush();
    if (code != ExitStatus.OK) {
      System.exit(code);
    }
  }

  /** Parses, validates everything, then runs the worker until it stops; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    String agentName = "";
    int capacity = 4;
    @Nullable Path outDir = null;
    String sttName = "sphinx";
    Duration drain = Duration.ofSeconds(60);
    AgentWorker worker;
    Supplier<SttProvider> sttFactory;
    AtomicReference<@Nullable SttProvider> stt = new AtomicReference<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--help", "-h" -> {
            out.print(USAGE);
            return ExitStatus.OK;
          }
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
          case "--out" -> outDir = Path.of(OptionValues.value(args, ++i, "--out"));
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
                      + ", --drain-timeout SECONDS, --help");
        }
      }
      // everything the user can get wrong is checked before a model loads or a socket opens
      sttFactory = SttChoice.factory(sttName, env::get);
      if (outDir != null) {
        TranscriptFiles.prepareOutputDir(outDir);
      }
      Path dir = outDir;
      RoomTranscriptSink sink =
          (job, finals) -> {
            out.printf("room %s: %d final transcripts%n", job.room(), finals.size());
            if (dir != null) {
              TranscriptFiles.write(dir.resolve(job.room()), finals);
            }
          };
      worker =
          AgentWorker.fromEnv(env)
              .agentName(agentName)
              .capacity(capacity)
              // the recogniser is loaded below, once the worker's settings are known to be good
              .job(ctx -> TranscriptionJob.of(Objects.requireNonNull(stt.get()), sink).run(ctx))
              .build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return ExitStatus.USAGE;
    }
    try (SttProvider provider = sttFactory.get()) {
      stt.set(provider);
      worker.drainOnShutdown(drain);
      worker.start();
      out.println(
          "registered as "
              + worker.registered().toCompletableFuture().get()
              + (agentName.isEmpty() ? " (unnamed: every new room)" : " (agent " + agentName + ")")
              + ", capacity "
              + capacity);
      worker.terminated().toCompletableFuture().get();
      return ExitStatus.OK;
    } catch (ExecutionException e) {
      err.println("error: worker stopped: " + e.getCause());
      return ExitStatus.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitStatus.INTERRUPTED;
    } catch (RuntimeException e) {
      err.println("error: " + e);
      return ExitStatus.FAILED;
    }
  }
}
