package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.audio.AudioFormat;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the real service. Runs only with {@code ./mvnw -Plive -pl tts-elevenlabs test} and {@code
 * ELEVENLABS_API_KEY} set; otherwise it is reported as skipped, with the reason.
 */
class ElevenLabsTtsLiveTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  final List<Duration> firstBytes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void onlyLive() {
    assumeTrue(
        Boolean.getBoolean("audiopipeline.live"),
        "live test: run with -Plive (./mvnw -Plive -pl tts-elevenlabs test) and ELEVENLABS_API_KEY");
    String key = System.getenv("ELEVENLABS_API_KEY");
    assumeTrue(key != null && !key.isBlank(), "live test: ELEVENLABS_API_KEY is not set");
  }

  ElevenLabsTts live(boolean alignment) {
    return ElevenLabsTts.fromEnv()
        .outputFormat(OutputFormat.PCM_16000)
        .alignment(alignment)
        .listener(
            new PipelineListener() {
              @Override
              public void ttsFirstByte(String provider, Duration latency) {
                firstBytes.add(latency);
              }
            })
        .build();
  }

  @Test
  void httpStreamingWithTimestamps() throws Exception {
    try (ElevenLabsTts tts = live(true)) {
      Recorder r = Recorder.unbounded();
      tts.synthesize(TtsRequest.of("Hello from the Audio Pipeline live test.")).subscribe(r);
      r.awaitComplete(WAIT);
      long micros = AudioFormat.mono(16_000).durationMicros(r.pcm().length / 2);
      assertThat(micros).isGreaterThan(500_000);
      assertThat(r.alignment()).isNotEmpty();
      System.out.println(
          "live HTTP: " + micros / 1000 + " ms of audio, first byte after " + firstBytes);
    }
  }

  @Test
  void webSocketInputStreaming() throws Exception {
    try (ElevenLabsTts tts = live(false)) {
      TtsStream stream = tts.openStream(null);
      Recorder r = Recorder.unbounded();
      stream.audio().subscribe(r);
      for (String piece :
          List.of("Text ", "arriving ", "in pie", "ces, as from a lang", "uage model.")) {
        stream.append(piece);
      }
      stream.finish();
      r.awaitComplete(WAIT);
      long micros = AudioFormat.mono(16_000).durationMicros(r.pcm().length / 2);
      assertThat(micros).isGreaterThan(500_000);
      assertThat(r.alignment()).isNotEmpty();
      System.out.println(
          "live WebSocket: " + micros / 1000 + " ms of audio, first byte after " + firstBytes);
    }
  }
}
