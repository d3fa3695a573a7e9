package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.Word;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeFault;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: what a provider sends is not trusted for display or for the timeline. Escape sequences
 * in its text are removed where its result becomes an event; results with absurd times (1e308 s,
 * negative, an hour beyond the audio sent) are skipped with a WARN and the session goes on.
 */
class DeepgramHostileResultsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "test-key-hostile";

  private FakeDeepgramServer server;
  private DeepgramSttProvider provider;

  @BeforeEach
  void start() {
    server = FakeDeepgramServer.builder().apiKey(KEY).build();
    provider =
        DeepgramSttProvider.builder()
            .apiKey(KEY)
            .baseUrl(server.baseUrl())
            .reconnectPolicy(
                ReconnectPolicy.builder()
                    .initialDelay(Duration.ofMillis(10))
                    .maxDelay(Duration.ofMillis(50))
                    .jitter(0)
                    .build())
            .build();
  }

  @AfterEach
  void stop() {
    provider.close();
    server.close();
  }

  private static String results(String start, String transcript, String wordStart) {
    return "{\"type\":\"Results\",\"start\":"
        + start
        + ",\"duration\":0.5,\"is_final\":false,"
        + "\"channel\":{\"alternatives\":[{\"transcript\":\""
        + transcript
        + "\",\"words\":[{"
        + "\"word\":\"w\",\"punctuated_word\":\""
        + transcript
        + "\",\"start\":"
        + wordStart
        + ",\"end\":"
        + wordStart
        + "}]}]}}";
  }

  @Test
  void escapeSequencesAreRemovedAndAbsurdTimesSkipped() throws Exception {
    server.enqueue(
        FakeFault.sendAfterAudio(
            Duration.ofMillis(100),
            results("0.05", "\\u001b[31mred\\u001b[0m\\u0007 \\u001b]0;title\\u0007alert", "0.05")),
        FakeFault.sendAfterAudio(Duration.ofMillis(120), results("1e308", "huge", "1e308")),
        FakeFault.sendAfterAudio(Duration.ofMillis(140), results("-3", "negative", "-3")),
        FakeFault.sendAfterAudio(Duration.ofMillis(160), results("3600", "an hour on", "3600")));
    EventRecorder events = new EventRecorder();
    SttSession s = provider.openSession(SttSessionOptions.of("hostile"), events);
    short[] audio = new Audio().silence(300).tone(500).silence(500).samples();
    for (int i = 0; i < audio.length; i += 320) {
      s.send(audio, i, Math.min(320, audio.length - i));
    }
    s.finish(WAIT).toCompletableFuture().get(10, TimeUnit.SECONDS);

    var results = events.ofType(TranscriptEvent.Result.class);
    assertThat(results)
        .extracting(TranscriptEvent.Result::text)
        .contains("red alert", "speech 1")
        .doesNotContain("huge", "negative", "an hour on");
    TranscriptEvent.Result red =
        results.stream().filter(r -> r.text().equals("red alert")).findFirst().orElseThrow();
    assertThat(red.words()).extracting(Word::text).containsExactly("red alert");
    assertThat(red.startMs()).isEqualTo(50);
    // nothing skipped turned into an error or a reconnect
    assertThat(events.ofType(TranscriptEvent.Failed.class)).isEmpty();
    assertThat(events.ofType(TranscriptEvent.Reconnecting.class)).isEmpty();
    assertThat(events.finals())
        .extracting(TranscriptEvent.Result::text)
        .containsExactly("speech 1");
  }
}
