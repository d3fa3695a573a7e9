package dev.audiopipeline.examples.cli;

import dev.audiopipeline.PipelineEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * {@code --out DIR}'s {@code events.jsonl}: one JSON object a line per turn-detection event, in
 * arrival order, written as it arrives: {@code {"speaker":"recruiter","type":"end_of_turn",
 * "atMs":12345,"probability":0.93}}. {@code type} is {@code speech_started}, {@code speech_ended}
 * or {@code end_of_turn}; {@code atMs} is on the session timeline; {@code probability} (the
 * end-of-turn model's) only for {@code end_of_turn}, and left out when silence alone decided. Other
 * events are not written. A subscriber of {@code TranscriptionSession.events()}.
 */
public final class TurnEventsFile implements Flow.Subscriber<PipelineEvent>, AutoCloseable {
  /** The file's name inside the output directory. */
  public static final String NAME = "events.jsonl";

  private final Path file;
  private final Object lock = new Object();
  private @Nullable Writer writer; // guarded by lock
  private @Nullable IOException error; // guarded by lock
  private int written; // guarded by lock

  /** Writes into {@code dir/events.jsonl} (created, or replaced, at the first event). */
  public TurnEventsFile(Path dir) {
    this.file = dir.resolve(NAME);
  }

  /** One line of {@code events.jsonl} for {@code event}, or null for an event it does not hold. */
  public static @Nullable String line(PipelineEvent event) {
    if (event instanceof PipelineEvent.SpeechStarted e) {
      return json(e.speaker(), "speech_started", e.atMs(), Double.NaN);
    }
    if (event instanceof PipelineEvent.SpeechEnded e) {
      return json(e.speaker(), "speech_ended", e.atMs(), Double.NaN);
    }
    if (event instanceof PipelineEvent.EndOfTurn e) {
      return json(e.speaker(), "end_of_turn", e.atMs(), e.probability());
    }
    return null;
  }

  private static String json(String speaker, String type, long atMs, double probability) {
    StringBuilder b = new StringBuilder(96).append("{\"speaker\":");
    quote(b, speaker);
    b.append(",\"type\":\"").append(type).append("\",\"atMs\":").append(atMs);
    if (!Double.isNaN(probability)) {
      b.append(",\"probability\":").append(String.format(Locale.ROOT, "%.4f", probability));
    }
    return b.append('}').toString();
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(PipelineEvent event) {
    String line = line(event);
    if (line == null) {
      return;
    }
    synchronized (lock) {
      if (error != null) {
        return;
      }
      try {
        Writer w = writer;
        if (w == null) {
          w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
          writer = w;
        }
        w.write(line);
        w.write('\n');
        w.flush();
        written++;
      } catch (IOException e) {
        error = e;
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    // the session's failure is reported by the transcript's subscriber
  }

  @Override
  public void onComplete() {}

  /** Events written so far. */
  public int written() {
    synchronized (lock) {
      return written;
    }
  }

  /**
   * Closes the file.
   *
   * @throws UncheckedIOException if a line could not be written (the file holds the lines before)
   */
  @Override
  public void close() {
    synchronized (lock) {
      Writer w = writer;
      writer = null;
      try {
        if (w != null) {
          w.close();
        }
      } catch (IOException e) {
        if (error == null) {
          error = e;
        }
      }
      IOException e = error;
      if (e != null) {
        throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
      }
    }
  }
}
