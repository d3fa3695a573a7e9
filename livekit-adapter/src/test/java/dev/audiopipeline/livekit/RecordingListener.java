package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.audio.AudioSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Records an {@link AudioSource}'s callbacks in order, for tests to await. */
class RecordingListener implements AudioSource.Listener {
  /** One callback. {@code stream} or {@code error} is set depending on the kind. */
  record Signal(
      String kind, @Nullable SpeakerStream stream, @Nullable AudioPipelineException error) {}

  private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();

  @Override
  public void speakerJoined(SpeakerStream stream) {
    signals.add(new Signal("joined", stream, null));
  }

  @Override
  public void speakerLeft(SpeakerStream stream) {
    signals.add(new Signal("left", stream, null));
  }

  @Override
  public void sourceEnded() {
    signals.add(new Signal("ended", null, null));
  }

  @Override
  public void sourceFailed(AudioPipelineException error) {
    signals.add(new Signal("failed", null, error));
  }

  private final List<String> connections = new CopyOnWriteArrayList<>();

  @Override
  public void sourceConnection(
      PipelineEvent.SourceConnection.State state, int attempt, String detail) {
    connections.add(state + " " + attempt);
  }

  /** The source's connection events so far, as {@code "STATE attempt"}. */
  List<String> connections() {
    return List.copyOf(connections);
  }

  /** The next signal of {@code kind}, skipping others, or null after {@code timeout}. */
  @Nullable Signal await(String kind, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Signal s = left <= 0 ? null : signals.poll(left, TimeUnit.NANOSECONDS);
      if (s == null || s.kind().equals(kind)) {
        return s;
      }
    }
  }

  int pending() {
    return signals.size();
  }
}
