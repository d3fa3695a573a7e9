package dev.audiopipeline.examples.cli;

/** Exit statuses of the transcribing examples (their {@code --help} lists them). */
public final class ExitStatus {
  /** Done: at least one final transcript. */
  public static final int OK = 0;

  /** The transcription failed (the finals so far are still printed and written). */
  public static final int FAILED = 1;

  /** Bad option, input file, output directory or environment: nothing was started. */
  public static final int USAGE = 2;

  /** Finished, but not a single final transcript. */
  public static final int NOTHING = 3;

  /** Stopped by Ctrl-C (the JVM reports 128 + the signal number: 130, or 143 for SIGTERM). */
  public static final int INTERRUPTED = 130;

  private ExitStatus() {}
}
