package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many utterances and requests at once, finished, interrupted and abandoned from several threads:
 * every subscriber gets exactly one terminal signal (or none after its own cancel), nothing
 * deadlocks, and close() leaves no thread behind.
 */
class ConcurrencyTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void utterancesAndRequestsFromManyThreads() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (FakeElevenLabsTtsServer fake =
        FakeElevenLabsTtsServer.builder().apiKey("test-key-123").charsPerMessage(4).start()) {
      ElevenLabsTts tts =
          ElevenLabsTts.builder()
              .apiKey("test-key-123")
              .baseUrl(fake.httpBaseUrl())
              .webSocketBaseUrl(fake.webSocketBaseUrl())
              .outputFormat(OutputFormat.PCM_16000)
              .keepAliveInterval(Duration.ofMillis(20))
              .connectionIdleTimeout(Duration.ofMillis(50))
              .build();
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int caller = t;
        jobs.add(
            callers.submit(
                () -> {
                  for (int i = 0; i < 12; i++) {
                    int mode = (caller + i) % 4;
                    if (mode == 3) {
                      Recorder r = Recorder.unbounded();
                      tts.synthesize(TtsRequest.of("Request " + caller + "-" + i)).subscribe(r);
                      r.awaitComplete(WAIT);
                      continue;
                    }
                    TtsStream s = tts.openStream(null);
                    Recorder r = Recorder.manual();
                    s.audio().subscribe(r);
                    r.request(Long.MAX_VALUE);
                    s.append("Utterance " + caller + " number " + i + " is ");
                    s.append("spoken in pieces.");
                    if (mode == 0) {
                      s.finish();
                      r.awaitComplete(WAIT);
                    } else if (mode == 1) {
                      s.flush();
                      r.awaitNext(WAIT);
                      r.cancel();
                    } else {
                      s.flush();
                      s.close();
                      r.awaitComplete(WAIT);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : jobs) {
        f.get(60, TimeUnit.SECONDS);
      }
      tts.close();
    } finally {
      callers.shutdownNow();
    }
    assertThat(ThreadLeaks.libraryThreadsAfter(Duration.ofSeconds(3))).isEmpty();
  }
}
