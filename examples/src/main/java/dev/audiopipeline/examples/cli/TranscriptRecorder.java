package dev.audiopipeline.examples.cli;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.io.TranscriptWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Receives every transcript: prints it ({@link TranscriptSummary#print(PrintStream, Transcript)}),
 * keeps the finals and, with an output directory, appends each final to {@code transcript.jsonl} as
 * it arrives (flushed per line), so even a hard kill leaves the finals so far. At the end {@link
 * #writeFiles} replaces that file with the finals in timeline order and adds the SubRip and WebVTT
 * files. Thread-safe.
 */
public final class TranscriptRecorder {
  private final @Nullable Path dir;
  private final PrintStream out;
  private final long t0 = System.nanoTime();
  private final Object lock = new Object();
  private final List<Transcript> finals = new ArrayList<>(); // guarded by lock
  private int partials; // guarded by lock
  private @Nullable Writer jsonl; // guarded by lock
  private @Nullable TranscriptWriter jsonlWriter; // guarded by lock
  private boolean closed; // guarded by lock
  private @Nullable IOException appendFailure; // guarded by lock

  /** Prints to {@code out}; saves into {@code dir} when not null. */
  public TranscriptRecorder(@Nullable Path dir, PrintStream out) {
    this.dir = dir;
    this.out = out;
  }

  /** Prints {@code t}; keeps (and appends) a non-blank final, counts a partial. */
  public void accept(Transcript t) {
    synchronized (lock) {
      if (t.isFinal()) {
        if (t.text().isBlank()) {
          return;
        }
        finals.add(t);
        append(t);
      } else {
        partials++;
      }
    }
    TranscriptSummary.print(out, t);
  }

  private void append(Transcript t) {
    Path dir = this.dir;
    if (dir == null || closed || appendFailure != null) {
      return;
    }
    try {
      Writer w = jsonl;
      TranscriptWriter tw = jsonlWriter;
      if (w == null || tw == null) {
        w = Files.newBufferedWriter(dir.resolve("transcript.jsonl"), StandardCharsets.UTF_8);
        tw = TranscriptWriter.jsonl(w);
        jsonl = w;
        jsonlWriter = tw;
      }
      tw.write(t);
      w.flush();
    } catch (IOException | UncheckedIOException e) {
      appendFailure = e instanceof IOException io ? io : ((UncheckedIOException) e).getCause();
    }
  }

  /** The finals so far, in arrival order. */
  public List<Transcript> finals() {
    synchronized (lock) {
      return List.copyOf(finals);
    }
  }

  /** Whether {@code transcript.jsonl} was started (it holds the finals so far). */
  public boolean jsonlWritten() {
    synchronized (lock) {
      return jsonlWriter != null;
    }
  }

  /** The finals so far in timeline order. Later arrivals are printed but no longer saved. */
  public Outcome outcome() {
    synchronized (lock) {
      closeJsonl();
      List<Transcript> ordered = new ArrayList<>(finals);
      ordered.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
      return new Outcome(ordered, partials, (System.nanoTime() - t0) / 1e9);
    }
  }

  private void closeJsonl() {
    closed = true;
    TranscriptWriter tw = jsonlWriter;
    if (tw != null) {
      try {
        tw.close();
      } catch (IOException e) {
        if (appendFailure == null) {
          appendFailure = e;
        }
      }
    }
  }

  /** With an output directory: the three files, in timeline order; nothing for no finals. */
  public void writeFiles(Outcome outcome) throws IOException {
    Path dir = this.dir;
    if (dir == null || outcome.finals().isEmpty()) {
      return;
    }
    List<Path> written = TranscriptFiles.write(dir, outcome.finals());
    out.println("  wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
  }
}
