package dev.audiopipeline.examples.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * What the live views show: the speakers (each with a colour, a {@link LevelMeter} and its talk
 * time), the conversation (one line per segment; a partial is replaced by the next partial and by
 * its final, a final is never replaced) and a status (connection, reconnects, mute and volume).
 *
 * <p>Thread-safe: transcripts, captions and status arrive on library threads, the views read from
 * their own. The meters are the exception: audio threads write them without this lock. Bounded: the
 * newest {@link #MAX_LINES} lines are kept (older ones leave the view; the transcript files keep
 * every final).
 */
public final class LiveModel {
  /** Lines kept for the views. */
  public static final int MAX_LINES = 2000;

  /** One segment of the conversation as it stands. */
  public record Line(
      long seq,
      String key,
      String speaker,
      String text,
      boolean isFinal,
      long startMs,
      long endMs,
      long updatedNanos,
      long updatedEpochMs) {}

  /** One speaker. */
  public record Speaker(String label, int colour, long talkMs, int finals, LevelMeter meter) {}

  /** The status line. */
  public record Status(
      String connection,
      int reconnects,
      int providerReconnects,
      boolean muted,
      double volume,
      @Nullable String note,
      boolean done) {}

  /** Told of every change, on the thread that made it, outside the model's lock; must be quick. */
  public interface Listener {
    /** A line was added or replaced. */
    void line(Line line);

    /** A speaker appeared or their talk time changed. */
    default void speaker(Speaker speaker) {}

    /** The status changed. */
    default void status(Status status) {}
  }

  private final Object lock = new Object();
  private final Map<String, SpeakerState> speakers = new LinkedHashMap<>(); // guarded by lock
  private final Map<String, Line> byKey = new HashMap<>(); // guarded by lock
  private final ArrayDeque<Line> order = new ArrayDeque<>(); // guarded by lock (first seen order)
  private final Map<String, Long> firstSeq = new HashMap<>(); // guarded by lock
  private long seq; // guarded by lock
  private long version; // guarded by lock
  private Status status = new Status("starting", 0, 0, false, 1.0, null, false); // guarded by lock
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private static final class SpeakerState {
    final String label;
    final int colour;
    final LevelMeter meter = new LevelMeter();
    long talkMs;
    int finals;

    SpeakerState(String label, int colour) {
      this.label = label;
      this.colour = colour;
    }

    Speaker view() {
      return new Speaker(label, colour, talkMs, finals, meter);
    }
  }

  /** Adds a listener. */
  public void addListener(Listener l) {
    listeners.add(l);
  }

  /** Removes a listener. */
  public void removeListener(Listener l) {
    listeners.remove(l);
  }

  /** The speaker's meter (the speaker appears if new). */
  public LevelMeter meter(String speaker) {
    Speaker added;
    LevelMeter m;
    synchronized (lock) {
      SpeakerState s = speakers.get(speaker);
      if (s != null) {
        return s.meter;
      }
      s = new SpeakerState(speaker, speakers.size());
      speakers.put(speaker, s);
      version++;
      added = s.view();
      m = s.meter;
    }
    for (Listener l : listeners) {
      l.speaker(added);
    }
    return m;
  }

  /**
   * A transcript or caption: replaces the line of segment {@code key} unless that line is already
   * final. A final adds its duration ({@code endMs - startMs}) to the speaker's talk time.
   */
  public void update(
      String key, String speaker, String text, boolean isFinal, long startMs, long endMs) {
    meter(speaker);
    Line line;
    Speaker changed = null;
    synchronized (lock) {
      Line old = byKey.get(key);
      if (old != null && old.isFinal()) {
        return;
      }
      Long first = firstSeq.get(key);
      long s = first != null ? first : ++seq;
      line =
          new Line(
              s,
              key,
              speaker,
              text,
              isFinal,
              startMs,
              endMs,
              System.nanoTime(),
              System.currentTimeMillis());
      byKey.put(key, line);
      if (first == null) {
        firstSeq.put(key, s);
        order.addLast(line);
        while (order.size() > MAX_LINES) {
          Line gone = order.removeFirst();
          byKey.remove(gone.key());
          firstSeq.remove(gone.key());
        }
      }
      if (isFinal) {
        SpeakerState st = speakers.get(speaker);
        if (st != null) {
          st.finals++;
          st.talkMs += Math.max(0, endMs - startMs);
          changed = st.view();
        }
      }
      version++;
    }
    for (Listener l : listeners) {
      l.line(line);
      if (changed != null) {
        l.speaker(changed);
      }
    }
  }

  /** Replaces the status. */
  public void status(java.util.function.UnaryOperator<Status> change) {
    Status now;
    synchronized (lock) {
      status = change.apply(status);
      now = status;
      version++;
    }
    for (Listener l : listeners) {
      l.status(now);
    }
  }

  /** The status now. */
  public Status status() {
    synchronized (lock) {
      return status;
    }
  }

  /** The speakers in order of appearance. */
  public List<Speaker> speakers() {
    synchronized (lock) {
      List<Speaker> out = new ArrayList<>(speakers.size());
      for (SpeakerState s : speakers.values()) {
        out.add(s.view());
      }
      return out;
    }
  }

  /** The newest {@code max} lines as they stand, in order of first appearance. */
  public List<Line> lines(int max) {
    synchronized (lock) {
      List<Line> out = new ArrayList<>(Math.min(max, order.size()));
      int skip = Math.max(0, order.size() - max);
      for (Line l : order) {
        if (skip-- > 0) {
          continue;
        }
        Line current = byKey.get(l.key());
        out.add(current != null ? current : l);
      }
      return out;
    }
  }

  /** Changes so far (for views that redraw only on change). */
  public long version() {
    synchronized (lock) {
      return version;
    }
  }
}
