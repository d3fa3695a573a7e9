package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Reactor and RxJava snippets receive the session's finals. */
class FlowInteropTest {
  @TempDir Path dir;

  private TranscriptionSession session() throws Exception {
    short[] audio = new short[16_000 * 3];
    for (int i = 8_000; i < 24_000; i++) {
      audio[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
    }
    Path wav = dir.resolve("one.wav");
    WavFile.write(wav, AudioFormat.MONO_16K, audio);
    return AudioPipeline.builder()
        .stt(SpeechSegmentRecognizer.create())
        .build()
        .startTranscription(WavFileSource.builder().speaker("solo", wav).realTime(false).build());
  }

  @Test
  void reactorFluxGetsTheFinals() throws Exception {
    try (TranscriptionSession session = session()) {
      List<Transcript> finals =
          FlowInterop.finalsWithReactor(session).collectList().block(Duration.ofSeconds(30));
      assertThat(finals).hasSize(1);
      assertThat(finals.get(0).speaker()).isEqualTo("solo");
      assertThat(finals.get(0).startMs()).isBetween(470L, 530L);
    }
  }

  @Test
  void rxJavaFlowableGetsTheFinals() throws Exception {
    try (TranscriptionSession session = session()) {
      List<Transcript> finals = FlowInterop.finalsWithRxJava(session).toList().blockingGet();
      assertThat(finals).extracting(Transcript::speaker).containsExactly("solo");
    }
  }
}
