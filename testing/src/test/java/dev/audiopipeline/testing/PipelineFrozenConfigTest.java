package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code AudioPipeline.Builder#build()} copies the builder: changing it later changes nothing. */
class PipelineFrozenConfigTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  private WavFileSource source(String name) throws Exception {
    Path wav = dir.resolve(name + ".wav");
    WavFile.write(
        wav,
        AudioFormat.MONO_16K,
        Signals.bursts(AudioFormat.MONO_16K, 1600, new long[][] {{300, 1100}}));
    return WavFileSource.builder().speaker("rec-1", wav).build();
  }

  private static PipelineListener recordingFirstTranscripts(List<String> into) {
    return new PipelineListener() {
      @Override
      public void firstTranscript(String streamId, Duration latency) {
        into.add(streamId);
      }
    };
  }

  @Test
  void changingTheBuilderAfterBuildChangesNeitherThePipelineNorItsSessions() throws Exception {
    SpeechSegmentRecognizer built =
        SpeechSegmentRecognizer.builder().text((id, n, s, e) -> "built #" + n).build();
    SpeechSegmentRecognizer changed =
        SpeechSegmentRecognizer.builder().text((id, n, s, e) -> "changed #" + n).build();
    List<String> builtListener = new CopyOnWriteArrayList<>();
    List<String> changedListener = new CopyOnWriteArrayList<>();
    AudioPipeline.Builder b =
        AudioPipeline.builder()
            .source(source("first"))
            .stt(built)
            .speakerMap(SpeakerMap.builder().put("rec-1", "recruiter").build())
            .listener(recordingFirstTranscripts(builtListener))
            .language("en");
    AudioPipeline pipeline = b.build();

    b.source(source("second"))
        .stt(changed)
        .speakerMap(SpeakerMap.builder().put("rec-1", "changed").build())
        .listener(recordingFirstTranscripts(changedListener))
        .language("fr")
        .subscriberBufferSize(16);

    assertThat(pipeline.provider()).isSameAs(built);
    assertThat(pipeline.toString()).contains("language=en").contains("recruiter");
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription()) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    List<Transcript> finals = sub.items().stream().filter(Transcript::isFinal).toList();
    assertThat(finals).extracting(Transcript::speaker).containsExactly("recruiter");
    assertThat(finals.get(0).text()).startsWith("built #");
    assertThat(finals.get(0).participantIdentity()).isEqualTo("rec-1");
    assertThat(builtListener).containsExactly("rec-1@first.wav");
    assertThat(changedListener).isEmpty();
    assertThat(built.sessionsOpened()).isEqualTo(1);
    assertThat(changed.sessionsOpened()).isZero();

    // toBuilder() starts from what was built, not from the changed builder
    assertThat(pipeline.toBuilder().build().provider()).isSameAs(built);
    assertThat(b.build().provider()).isSameAs(changed);
  }
}
