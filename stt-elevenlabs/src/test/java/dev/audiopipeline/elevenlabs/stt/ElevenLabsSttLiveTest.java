package dev.audiopipeline.elevenlabs.stt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.testing.EventRecorder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Against the real service: runs only with {@code -Plive} and {@code ELEVENLABS_API_KEY}; otherwise
 * it is reported as skipped with the reason.
 */
class ElevenLabsSttLiveTest {
  @Test
  void transcribesTheBundledInterviewOpening() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("audiopipeline.live"),
        "live test: run with ./mvnw -Plive verify and ELEVENLABS_API_KEY set");
    String key = System.getenv("ELEVENLABS_API_KEY");
    Assumptions.assumeTrue(
        key != null && !key.isBlank(), "live test: ELEVENLABS_API_KEY is not set");
    Path wav = Path.of("../examples/src/main/resources/interview/recruiter.wav");
    Assumptions.assumeTrue(Files.exists(wav), "live test: " + wav + " not found");
    byte[] bytes = Files.readAllBytes(wav);
    short[] pcm = new short[Math.min((bytes.length - 44) / 2, 16_000 * 12)];
    ByteBuffer.wrap(bytes, 44, pcm.length * 2)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asShortBuffer()
        .get(pcm);

    try (ElevenLabsSttProvider dg = ElevenLabsSttProvider.fromEnv()) {
      EventRecorder events = new EventRecorder();
      SttSession s = dg.openSession(SttSessionOptions.of("live"), events);
      for (int i = 0; i < pcm.length; i += 320) {
        s.send(pcm, i, Math.min(320, pcm.length - i));
      }
      s.finish(Duration.ofSeconds(30)).toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
      assertThat(events.finals()).isNotEmpty();
      assertThat(events.finals()).allMatch(r -> r.endMs() <= 12_500);
    }
  }
}
