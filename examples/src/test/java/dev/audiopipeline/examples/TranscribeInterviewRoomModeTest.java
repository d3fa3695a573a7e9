package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * LiveKit mode's checks, which run before anything connects. Joining a real room is tested in
 * livekit-adapter against a real livekit-server (LiveKitRoomE2ETest).
 */
class TranscribeInterviewRoomModeTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final AtomicInteger providersMade = new AtomicInteger();

  private int run(Map<String, String> env, String... args) {
    return TranscribeInterview.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        () -> {
          providersMade.incrementAndGet();
          return (SttProvider) SpeechSegmentRecognizer.create();
        },
        o -> {},
        env);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void roomWithoutCredentialsFailsAtOnceSayingWhatIsNeeded() {
    int code = run(Map.of("LIVEKIT_URL", "ws://192.0.2.10:7880"));
    assertThat(code).isEqualTo(2);
    assertThat(err()).containsIgnoringCase("token");
    assertThat(providersMade).hasValue(0);
  }

  @Test
  void roomModeRefusesFileOptions() {
    int code =
        run(
            Map.of("LIVEKIT_URL", "ws://192.0.2.10:7880", "LIVEKIT_TOKEN", "made-up"),
            "--recruiter-wav",
            "a.wav",
            "--candidate-wav",
            "b.wav");
    assertThat(code).isEqualTo(2);
    assertThat(err()).contains("LIVEKIT_URL is set");
  }

  @Test
  void identitiesAndDurationAreValidated() {
    assertThat(run(Map.of(), "--recruiter-identity", "x", "--candidate-identity", "x"))
        .isEqualTo(2);
    assertThat(err()).contains("both 'x'");
    assertThat(run(Map.of(), "--duration", "0")).isEqualTo(2);
    assertThat(err()).contains("1 to 86400 seconds");
  }

  @Test
  void helpDescribesTheRoomMode() {
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("LIVEKIT_URL", "--recruiter-identity", "--candidate-identity", "--duration");
  }
}
