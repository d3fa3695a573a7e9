package dev.audiopipeline.turn;

import dev.audiopipeline.TurnDetector;
import java.util.ArrayList;
import java.util.List;

/** Records an analysis' events in order, positions in samples. */
final class Recorded implements TurnDetector.Events {
  enum Type {
    STARTED,
    ENDED,
    END_OF_TURN
  }

  record Event(Type type, long atSample, double probability) {
    long atMs() {
      return atSample / 16;
    }
  }

  final List<Event> events = new ArrayList<>();

  @Override
  public void speechStarted(long atSample) {
    events.add(new Event(Type.STARTED, atSample, Double.NaN));
  }

  @Override
  public void speechEnded(long atSample) {
    events.add(new Event(Type.ENDED, atSample, Double.NaN));
  }

  @Override
  public void endOfTurn(long atSample, double probability) {
    events.add(new Event(Type.END_OF_TURN, atSample, probability));
  }

  List<Event> of(Type type) {
    return events.stream().filter(e -> e.type() == type).toList();
  }

  /** Speech segments [start, end) in ms, from paired started/ended events. */
  List<long[]> segmentsMs() {
    List<long[]> segments = new ArrayList<>();
    long start = -1;
    for (Event e : events) {
      if (e.type() == Type.STARTED) {
        if (start >= 0) {
          throw new AssertionError("speech started twice without an end: " + events);
        }
        start = e.atMs();
      } else if (e.type() == Type.ENDED) {
        if (start < 0) {
          throw new AssertionError("speech ended without a start: " + events);
        }
        segments.add(new long[] {start, e.atMs()});
        start = -1;
      }
    }
    if (start >= 0) {
      throw new AssertionError("speech still open at the end: " + events);
    }
    return segments;
  }

  @Override
  public String toString() {
    return events.toString();
  }
}
