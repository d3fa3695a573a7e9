package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.HttpFault;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WebSocketFault;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keys never reach logs or exceptions. Logging runs at TRACE for this library (see
 * simplelogger.properties) and slf4j-simple writes to System.err, which this test captures while
 * every success and failure path runs with made-up keys.
 */
class KeyRedactionTest {
  static final String KEY = "test-key-123";
  static final String WRONG = "wrong-key-456";
  static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void keysAppearInNoLogLineAndNoExceptionMessage() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                captured.write(b);
                original.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                original.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    List<Throwable> errors = new ArrayList<>();
    System.setErr(tee);
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start()) {
      for (String key : List.of(KEY, WRONG)) {
        ElevenLabsTts tts =
            ElevenLabsTts.builder()
                .apiKey(key)
                .baseUrl(fake.httpBaseUrl())
                .webSocketBaseUrl(fake.webSocketBaseUrl())
                .outputFormat(OutputFormat.PCM_16000)
                .retryPolicy(ElevenLabsTtsHttpTest.QUICK_RETRIES)
                .build();
        try {
          // HTTP: success (or 401), quota, 429 twice then give up, drop mid-stream
          Recorder ok = Recorder.unbounded();
          tts.synthesize(TtsRequest.of("Hello")).subscribe(ok);
          assertThat(ok.terminated.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
          collect(ok, errors);
          if (key.equals(KEY)) {
            fake.enqueueHttpFault(HttpFault.quotaExceeded());
            fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofMillis(10)));
            fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofMillis(10)));
            fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofMillis(10)));
            fake.enqueueHttpFault(HttpFault.dropAfterBytes(40_000));
            for (int i = 0; i < 3; i++) {
              Recorder r = Recorder.unbounded();
              tts.synthesize(TtsRequest.of("Faulty request number " + i + " ".repeat(30)))
                  .subscribe(r);
              assertThat(r.terminated.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
              collect(r, errors);
            }
            fake.enqueueWebSocketFault(WebSocketFault.quotaExceeded());
          }
          // WebSocket: success (or 1008 invalid key), then the scripted quota error
          for (int i = 0; i < 2; i++) {
            TtsStream s = tts.openStream(null);
            Recorder r = Recorder.unbounded();
            s.audio().subscribe(r);
            s.append("Streaming words ");
            s.finish();
            assertThat(r.terminated.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            collect(r, errors);
            s.close();
          }
        } finally {
          tts.close();
        }
      }
    } finally {
      System.setErr(original);
    }

    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).as("the library logged").contains("elevenlabs");
    assertThat(logs).doesNotContain(KEY).doesNotContain(WRONG);
    assertThat(errors).as("failures happened").hasSizeGreaterThanOrEqualTo(5);
    for (Throwable e : errors) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).doesNotContain(KEY).doesNotContain(WRONG);
        assertThat(t.toString()).doesNotContain(KEY).doesNotContain(WRONG);
      }
    }
  }

  private static void collect(Recorder r, List<Throwable> errors) {
    if (r.error != null) {
      errors.add(r.error);
    }
  }
}
