package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.testing.EventRecorder;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.LibraryThreads;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeepgramLifecycleTest {
  @Test
  void noLibraryThreadOutlivesCloseAndSendAfterCloseIsRefused() throws Exception {
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey("k").build()) {
      DeepgramSttProvider p =
          DeepgramSttProvider.builder().apiKey("k").baseUrl(server.baseUrl()).build();
      EventRecorder events = new EventRecorder();
      SttSession a = p.openSession(SttSessionOptions.of("a"), events);
      SttSession b = p.openSession(SttSessionOptions.of("b"), events);
      a.send(new short[1600], 0, 1600);
      b.send(new short[1600], 0, 1600);
      assertThat(server.awaitConnection(1, Duration.ofSeconds(10))).isNotNull();
      a.close();
      a.close(); // idempotent
      b.close();
      assertThatThrownBy(() -> a.send(new short[10], 0, 10))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after finish() or close()");
      p.close();
      assertThatThrownBy(() -> p.openSession(SttSessionOptions.of("c"), events))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5)))
        .noneMatch(t -> t.startsWith("audio-pipeline-deepgram"));
  }

  @Test
  void badInputIsRefusedAtOnceWithWhatIsAccepted() {
    assertThatThrownBy(() -> DeepgramSttProvider.builder().build())
        .hasMessageContaining("apiKey is required");
    assertThatThrownBy(() -> DeepgramSttProvider.builder().apiKey("k").baseUrl("http://x").build())
        .hasMessageContaining("must start with ws:// or wss://");
    assertThatThrownBy(
            () ->
                DeepgramSttProvider.builder()
                    .apiKey("k")
                    .keepAliveAfter(Duration.ofSeconds(12))
                    .build())
        .hasMessageContaining("accepted 1000..8000 ms");
    assertThatThrownBy(() -> DeepgramSttProvider.fromEnv(n -> null))
        .hasMessageContaining("DEEPGRAM_API_KEY is not set");
    try (DeepgramSttProvider p =
        DeepgramSttProvider.fromEnv(
            Map.of("DEEPGRAM_API_KEY", "test-key-123", "DEEPGRAM_MODEL", "nova-2")::get)) {
      assertThat(p.toString()).contains("nova-2").doesNotContain("test-key-123");
      URI uri = p.request("en-US").uri();
      assertThat(uri.getQuery())
          .contains("language=en-US")
          .contains("model=nova-2")
          .doesNotContain("test-key-123");
      SttSession s = p.openSession(SttSessionOptions.of("x"), e -> {});
      assertThatThrownBy(() -> s.send(new short[0], 0, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one sample");
      s.close();
    }
  }

  @Test
  void moreThan64SessionsConnectAtOnce() throws Exception {
    // OkHttp keeps a dispatcher slot per open WebSocket; its default cap is 64 calls
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey("k").build();
        DeepgramSttProvider p =
            DeepgramSttProvider.builder().apiKey("k").baseUrl(server.baseUrl()).build()) {
      java.util.List<SttSession> sessions = new java.util.ArrayList<>();
      java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(80);
      dev.audiopipeline.PipelineListener metrics =
          new dev.audiopipeline.PipelineListener() {
            @Override
            public void connectEnd(String provider, String streamId, Duration took) {
              connected.countDown();
            }
          };
      for (int i = 0; i < 80; i++) {
        sessions.add(
            p.openSession(new SttSessionOptions("s" + i, "s" + i, null, metrics), e -> {}));
      }
      assertThat(connected.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      sessions.forEach(SttSession::close);
    }
  }

  @Test
  void aCallersOkHttpClientOutlivesTheProvidersClose() throws Exception {
    okhttp3.OkHttpClient client = new okhttp3.OkHttpClient();
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey("k").build()) {
      for (int round = 0; round < 2; round++) {
        DeepgramSttProvider p =
            DeepgramSttProvider.builder()
                .apiKey("k")
                .baseUrl(server.baseUrl())
                .okHttpClient(client)
                .build();
        SttSession s = p.openSession(SttSessionOptions.of("r" + round), new EventRecorder());
        s.send(new short[1600], 0, 1600);
        assertThat(
                server
                    .awaitConnection(round, Duration.ofSeconds(10))
                    .awaitAudioMs(100, Duration.ofSeconds(10)))
            .isTrue();
        p.close();
        // the provider used the client through newBuilder() with a dispatcher of its own
        assertThat(client.dispatcher().executorService().isShutdown()).isFalse();
        assertThat(client.dispatcher().runningCallsCount()).isZero();
      }
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5)))
        .noneMatch(t -> t.startsWith("audio-pipeline-deepgram"));
  }

  @Test
  void closingTheProviderClosesItsOpenSessions() throws Exception {
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey("k").build()) {
      DeepgramSttProvider p =
          DeepgramSttProvider.builder().apiKey("k").baseUrl(server.baseUrl()).build();
      SttSession s = p.openSession(SttSessionOptions.of("z"), e -> {});
      s.send(new short[1600], 0, 1600);
      assertThat(
              server
                  .awaitConnection(0, Duration.ofSeconds(10))
                  .awaitAudioMs(100, Duration.ofSeconds(10)))
          .isTrue();
      p.close();
      assertThat(server.connections().get(0).awaitClosed(Duration.ofSeconds(10))).isTrue();
      assertThat(server.connections().get(0).closeCode()).isEqualTo(1000);
      assertThat(s.finish(Duration.ofSeconds(1)).toCompletableFuture())
          .succeedsWithin(Duration.ofSeconds(5));
    }
  }
}
