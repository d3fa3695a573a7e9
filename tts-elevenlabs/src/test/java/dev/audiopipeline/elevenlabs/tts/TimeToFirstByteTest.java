package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Every synthesis reports its time to first audio byte through {@link PipelineListener}; the
 * figures against the loopback fake are printed (client overhead only), never asserted.
 */
class TimeToFirstByteTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everySynthesisReportsItsFirstByte() throws Exception {
    List<Duration> http = new CopyOnWriteArrayList<>();
    List<Duration> ws = new CopyOnWriteArrayList<>();
    List<Duration>[] target = new List[] {http};
    try (FakeElevenLabsTtsServer fake =
            FakeElevenLabsTtsServer.builder().apiKey("test-key-123").start();
        ElevenLabsTts tts =
            ElevenLabsTts.builder()
                .apiKey("test-key-123")
                .baseUrl(fake.httpBaseUrl())
                .webSocketBaseUrl(fake.webSocketBaseUrl())
                .outputFormat(OutputFormat.PCM_24000)
                .listener(
                    new PipelineListener() {
                      @Override
                      public void ttsFirstByte(String provider, Duration latency) {
                        assertThat(provider).isEqualTo("elevenlabs");
                        target[0].add(latency);
                      }
                    })
                .build()) {
      int n = 20;
      for (int i = 0; i < n; i++) {
        Recorder r = Recorder.unbounded();
        tts.synthesize(TtsRequest.of("Sentence number " + i + " for timing.")).subscribe(r);
        r.awaitComplete(WAIT);
      }
      target[0] = ws;
      for (int i = 0; i < n; i++) {
        TtsStream s = tts.openStream(null);
        Recorder r = Recorder.unbounded();
        s.audio().subscribe(r);
        s.append("Streamed sentence number " + i + ".");
        s.finish();
        r.awaitComplete(WAIT);
      }
      assertThat(http).hasSize(n);
      assertThat(ws).hasSize(n);
      System.out.println(
          "time to first byte against the loopback fake: HTTP "
              + summary(http)
              + "; WebSocket "
              + summary(ws));
    }
  }

  private static String summary(List<Duration> d) {
    List<Long> micros = new ArrayList<>();
    d.forEach(x -> micros.add(x.toNanos() / 1000));
    Collections.sort(micros);
    return String.format(
        "median %.2f ms, p90 %.2f ms, max %.2f ms (n=%d, first run included)",
        micros.get(micros.size() / 2) / 1000.0,
        micros.get((int) (micros.size() * 0.9)) / 1000.0,
        micros.get(micros.size() - 1) / 1000.0,
        micros.size());
  }
}
