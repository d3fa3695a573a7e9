package dev.audiopipeline.examples.cli;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Drives a session until it ends by itself (files end, a room closes), {@code stopAfter} passes or
 * a signal arrives, handing every transcript to a consumer.
 */
public final class SessionRunner {
  private SessionRunner() {}

  /**
   * Subscribes to {@code session} and waits. Returns {@link ExitStatus#OK}, {@link
   * ExitStatus#INTERRUPTED} (a signal stopped it; what arrived is kept) or {@link
   * ExitStatus#FAILED} (the error is printed to {@code err}, its trace too when {@code verbose}).
   * Never waits for a session close that a signal has cut short: the shutdown hook is waiting for
   * the report. Background closers are named {@code threadPrefix + "-stop"} and {@code "-leave"}.
   */
  public static int run(
      TranscriptionSession session,
      Consumer<Transcript> transcripts,
      StopOnSignal signals,
      @Nullable Duration stopAfter,
      PrintStream err,
      boolean verbose,
      String threadPrefix) {
    String stopName = threadPrefix + "-stop";
    CompletableFuture<@Nullable Void> ended = new CompletableFuture<>();
    session.subscribe(
        new Flow.Subscriber<Transcript>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(Transcript t) {
            transcripts.accept(t);
          }

          @Override
          public void onError(Throwable t) {
            ended.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            ended.complete(null);
          }
        });
    boolean stoppedBySignal =
        !signals.onSignal(
            () -> {
              // on the shutdown hook's thread: stop capture, give the finals for audio already
              // accepted
              // a bounded time, then let the main flow report whatever has arrived
              closeInBackground(session, stopName);
              try {
                ended.get(StopOnSignal.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
              } catch (TimeoutException | ExecutionException e) {
                // reported by the main flow
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              ended.complete(null);
            });
    if (stoppedBySignal) {
      closeInBackground(session, stopName);
      return ExitStatus.INTERRUPTED;
    }
    try {
      if (stopAfter != null) {
        try {
          ended.get(stopAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // the room goes on; --duration says leave: the close delivers the last finals
          closeInBackground(session, threadPrefix + "-leave");
        }
      }
      ended.get(); // files end, rooms close, --duration and Ctrl-C stop: no other limit
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      err.println(
          "error: transcription failed: "
              + (cause instanceof AudioPipelineException
                  ? cause.getMessage()
                  : String.valueOf(cause)));
      if (verbose && cause != null) {
        cause.printStackTrace(err);
      }
      return signals.signalled() ? ExitStatus.INTERRUPTED : ExitStatus.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeInBackground(session, stopName);
      return ExitStatus.INTERRUPTED;
    }
    if (signals.signalled()) {
      return ExitStatus.INTERRUPTED; // the hook's closer owns the session now
    }
    session.close(); // ended by itself: returns once its threads are gone
    return ExitStatus.OK;
  }

  private static void closeInBackground(TranscriptionSession session, String name) {
    Thread t = new Thread(session::close, name);
    t.setDaemon(true);
    t.start();
  }
}
