package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A transcript a source reports itself (a bot's own speech, not recognised) reaches the session's
 * subscribers and its event stream like a recognised one, untouched.
 */
class SourceTranscriptTest {
  private static final Transcript BOT_LINE =
      new Transcript(
          "interviewer",
          "bot-1",
          "Tell me about your last project.",
          1_200,
          3_400,
          true,
          null,
          null,
          List.of(),
          "TR_bot/1",
          "freetts");

  /** Reports one line of its own, then ends; it has no speakers. */
  private static final class SpeakingSource implements AudioSource {
    @Override
    public void start(Listener listener) {
      listener.transcript(BOT_LINE);
      listener.sourceEnded();
    }

    @Override
    public void close() {}
  }

  @Test
  void aSourcesOwnTranscriptReachesTheSubscribersAsIs() throws Exception {
    AudioPipeline pipeline = AudioPipeline.builder().stt(SpeechSegmentRecognizer.create()).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(new SpeakingSource())) {
      session.subscribe(sub); // starts the source
      sub.awaitComplete(Duration.ofSeconds(10));
    }
    assertThat(sub.items()).containsExactly(BOT_LINE);
  }

  @Test
  void andTheEventStream() throws Exception {
    AudioPipeline pipeline = AudioPipeline.builder().stt(SpeechSegmentRecognizer.create()).build();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(new SpeakingSource())) {
      session.events().subscribe(events); // starts the source
      events.awaitComplete(Duration.ofSeconds(10));
    }
    assertThat(events.items()).containsExactly(new PipelineEvent.TranscriptReceived(BOT_LINE));
  }
}
