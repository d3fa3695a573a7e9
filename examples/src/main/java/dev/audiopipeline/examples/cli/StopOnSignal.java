package dev.audiopipeline.examples.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A JVM shutdown hook for Ctrl-C (SIGINT) and SIGTERM that lets the report finish. The hook stops
 * the running session through what {@link #onSignal} registered (with a bounded finish, {@link
 * #STOP_GRACE}), then blocks until the main flow says {@link #written()}, at most {@link
 * #WRITE_GRACE}; only then does it return and let the JVM halt (exit status 130 for SIGINT, 143 for
 * SIGTERM). {@link #close()} removes the hook.
 */
public final class StopOnSignal implements AutoCloseable {
  /** After a signal: how long the session may take to deliver the finals of audio it accepted. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(4);

  /** After a signal: how long the hook waits for the summary and files. */
  public static final Duration WRITE_GRACE = Duration.ofSeconds(5);

  private final PrintStream err;
  private final CountDownLatch written = new CountDownLatch(1);
  private final Object lock = new Object();
  private @Nullable Runnable stop; // guarded by lock
  private boolean signalled; // guarded by lock
  private final @Nullable Thread hook;

  private StopOnSignal(PrintStream err, @Nullable String hookThreadName) {
    this.err = err;
    if (hookThreadName != null) {
      Thread h = new Thread(this::onShutdown, hookThreadName);
      Runtime.getRuntime().addShutdownHook(h);
      this.hook = h;
    } else {
      this.hook = null;
    }
  }

  /** Installs the hook; its messages go to {@code err}. */
  public static StopOnSignal install(PrintStream err, String hookThreadName) {
    return new StopOnSignal(err, hookThreadName);
  }

  /** For tests: no JVM hook; {@link #signal()} plays the signal. */
  public static StopOnSignal detached(PrintStream err) {
    return new StopOnSignal(err, null);
  }

  /**
   * Registers how to stop the running session. Returns false if a signal came first (then the
   * caller stops at once).
   */
  public boolean onSignal(Runnable stopSession) {
    synchronized (lock) {
      if (signalled) {
        return false;
      }
      stop = stopSession;
      return true;
    }
  }

  /** Whether a signal arrived. */
  public boolean signalled() {
    synchronized (lock) {
      return signalled;
    }
  }

  /** The summary and files are done (or failed): the hook may return. */
  public void written() {
    written.countDown();
  }

  /** Plays a signal on the calling thread, as the hook does. */
  public void signal() {
    onShutdown();
  }

  private void onShutdown() {
    Runnable s;
    synchronized (lock) {
      signalled = true;
      s = stop;
    }
    if (s == null) {
      if (written.getCount() > 0) {
        err.println();
        err.println("Interrupted before the transcription started: nothing to write.");
      }
      return;
    }
    if (written.getCount() == 0) {
      return; // already reported: nothing left to save
    }
    err.println();
    err.println(
        "Stopping: finishing the transcript (at most "
            + (STOP_GRACE.plus(WRITE_GRACE).toSeconds())
            + " s)...");
    s.run();
    try {
      if (!written.await(WRITE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        err.println(
            "error: the transcript was not written within "
                + WRITE_GRACE.toSeconds()
                + " s; transcript.jsonl holds the finals that arrived, in arrival order");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    written.countDown();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is running or has run
      }
    }
  }
}
