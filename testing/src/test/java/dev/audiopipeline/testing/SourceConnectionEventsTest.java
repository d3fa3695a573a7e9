package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.PipelineEvent.SourceConnection.State;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A source's own connection events (a LiveKit room reconnecting) reach {@code session.events()} in
 * order, stamped on the session timeline, and the session goes on.
 */
class SourceConnectionEventsTest {
  /** Loses its connection, retries twice, comes back as a new participant, then ends. */
  private static final class ReconnectingSource implements AudioSource {
    @Override
    public void start(Listener listener) {
      listener.sourceConnection(State.RECONNECTING, 1, "signal connection lost: EOF");
      listener.sourceConnection(State.RECONNECTING, 2, "the server refused the resume");
      listener.sourceConnection(State.REJOINED, 0, "joined again as a new participant");
      listener.sourceEnded();
    }

    @Override
    public void close() {}
  }

  @Test
  void aSourcesConnectionEventsReachTheEventStreamInOrder() throws Exception {
    AudioPipeline pipeline = AudioPipeline.builder().stt(SpeechSegmentRecognizer.create()).build();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(new ReconnectingSource())) {
      session.events().subscribe(events); // starts the source
      events.awaitComplete(Duration.ofSeconds(10));
    }
    List<PipelineEvent> got = events.items();
    assertThat(got)
        .extracting(e -> ((PipelineEvent.SourceConnection) e).state())
        .containsExactly(State.RECONNECTING, State.RECONNECTING, State.REJOINED);
    assertThat(got)
        .extracting(e -> ((PipelineEvent.SourceConnection) e).attempt())
        .containsExactly(1, 2, 0);
    assertThat(((PipelineEvent.SourceConnection) got.get(0)).detail())
        .isEqualTo("signal connection lost: EOF");
    assertThat(got).allMatch(e -> ((PipelineEvent.SourceConnection) e).atMs() >= 0);
  }
}
