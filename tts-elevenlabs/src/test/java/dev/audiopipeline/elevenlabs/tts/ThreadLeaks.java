package dev.audiopipeline.elevenlabs.tts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Finds this library's threads (all named {@code audio-pipeline-…}) still alive after close(). */
final class ThreadLeaks {
  private ThreadLeaks() {}

  static List<String> libraryThreadsAfter(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    while (true) {
      List<Thread> alive = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && t.getName().startsWith("audio-pipeline-")) {
          alive.add(t);
        }
      }
      long left = deadline - System.nanoTime();
      if (alive.isEmpty() || left <= 0) {
        List<String> names = new ArrayList<>();
        alive.forEach(t -> names.add(t.getName()));
        return names;
      }
      alive.get(0).join(Math.max(1, left / 1_000_000));
    }
  }
}
