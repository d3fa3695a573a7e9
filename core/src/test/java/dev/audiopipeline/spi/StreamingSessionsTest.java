package dev.audiopipeline.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioFormat;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The provider shell: scheduler, transport hand-over, session tracking, close. No network. */
class StreamingSessionsTest {
  private static final URI URL = URI.create("ws://127.0.0.1:9/v1/listen");

  /** Records what it is asked to open; its connections never open (sessions stay connecting). */
  private static final class RecordingTransport implements WebSocketTransport {
    final List<WebSocketRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public WebSocketConnection open(WebSocketRequest request, WebSocketHandler handler) {
      requests.add(request);
      return new WebSocketConnection() {
        @Override
        public boolean sendText(String text) {
          return true;
        }

        @Override
        public boolean sendBinary(byte[] data, int offset, int length) {
          return true;
        }

        @Override
        public long queueSize() {
          return 0;
        }

        @Override
        public boolean close(int code, String reason) {
          return true;
        }

        @Override
        public void cancel() {}
      };
    }
  }

  private static ProtocolCodec codec() {
    return new ProtocolCodec() {
      @Override
      public WebSocketRequest request() {
        return WebSocketRequest.of(URL, Map.of());
      }

      @Override
      public boolean sendAudio(WebSocketConnection c, byte[] pcm, int offset, int length) {
        return c.sendBinary(pcm, offset, length);
      }

      @Override
      public Duration keepAliveAfter() {
        return Duration.ofSeconds(5);
      }

      @Override
      public int keepAliveSilenceMs(boolean audioSentOnConnection) {
        return 0;
      }

      @Override
      public void flush(WebSocketConnection connection) {}

      @Override
      public void endOfStream(WebSocketConnection connection, Events events) {
        events.drained();
      }

      @Override
      public void onText(String text, Events events) {}

      @Override
      public dev.audiopipeline.@org.jspecify.annotations.Nullable ProviderException onClose(
          int code, String reason, boolean endRequested) {
        return null;
      }

      @Override
      public String provider() {
        return "acme";
      }
    };
  }

  private static List<String> acmeThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("audio-pipeline-acme-"))
        .toList();
  }

  @Test
  void opensThroughItsTransportTracksTheSessionsAndClosesThemWithItsThreads() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    RecordingTransport providersOwn = new RecordingTransport();
    StreamingSessions sessions =
        StreamingSessions.create("acme", AudioFormat.MONO_16K, transport, 1);
    List<SttSessionOptions> seen = new CopyOnWriteArrayList<>();
    SttSession a =
        sessions.open(
            SttSessionOptions.of("a"),
            e -> {},
            (o, config) -> {
              seen.add(o);
              config.transport(providersOwn).codecFactory(StreamingSessionsTest::codec);
            });
    SttSession b =
        sessions.open(
            SttSessionOptions.of("b"),
            e -> {},
            (o, config) -> config.codecFactory(StreamingSessionsTest::codec));
    assertThat(seen).extracting(SttSessionOptions::streamId).containsExactly("a");
    assertThat(transport.requests).extracting(WebSocketRequest::uri).containsExactly(URL, URL);
    assertThat(providersOwn.requests).as("transport and scheduler are the shell's").isEmpty();
    assertThat(sessions.format()).isEqualTo(AudioFormat.MONO_16K);
    a.send(new short[160], 0, 160); // the scheduler runs the sessions' timers meanwhile

    sessions.close();
    sessions.close(); // idempotent
    assertThat(sessions.isClosed()).isTrue();
    for (SttSession s : List.of(a, b)) {
      assertThatThrownBy(() -> s.send(new short[160], 0, 160))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThatThrownBy(
            () ->
                sessions.open(
                    SttSessionOptions.of("c"),
                    e -> {},
                    (o, config) -> config.codecFactory(StreamingSessionsTest::codec)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("acme provider is closed");
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("audio-pipeline-acme-")) {
        t.join(5_000); // close() stopped them: each ends on its own
      }
    }
    assertThat(acmeThreads()).isEmpty();
  }

  @Test
  void badArgumentsAreRefusedAtOnce() {
    RecordingTransport transport = new RecordingTransport();
    assertThatThrownBy(() -> StreamingSessions.create("acme", AudioFormat.MONO_16K, transport, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("schedulerThreads 0: accepted >= 1");
    try (StreamingSessions sessions =
        StreamingSessions.create("acme", AudioFormat.MONO_16K, transport, 1)) {
      assertThatThrownBy(() -> sessions.open(null, e -> {}, (o, c) -> {}))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("options == null");
      assertThatThrownBy(() -> sessions.open(SttSessionOptions.of("x"), e -> {}, (o, c) -> {}))
          .as("a configuration without a codec")
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("codecFactory");
      assertThat(transport.requests).isEmpty();
    }
  }

  @Test
  void providerEnvNamesTheVariableNeverTheValue() {
    Map<String, String> vars =
        Map.of(
            "ACME_API_KEY",
            "made-up-key-1",
            "ACME_MODEL",
            "  ",
            "ACME_BASE_URL",
            "https://api.acme.test");
    ProviderEnv env = ProviderEnv.of("acme", vars::get);
    assertThat(env.credential("ACME_API_KEY", "Acme API key")).isEqualTo("made-up-key-1");
    assertThat(env.get("ACME_MODEL")).as("blank is unset").isNull();
    assertThat(env.get("ACME_LANGUAGE")).isNull();
    assertThatThrownBy(() -> env.credential("ACME_OTHER_KEY", "Acme API key"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "ACME_OTHER_KEY is not set: export your Acme API key, or use"
                + " builder().apiKey(...)");
    assertThatThrownBy(() -> env.baseUrl("ACME_BASE_URL", env.get("ACME_BASE_URL")))
        .isInstanceOf(dev.audiopipeline.AudioPipelineException.class)
        .hasMessageContaining("acme: ")
        .hasMessageContaining("ACME_BASE_URL")
        .hasMessageNotContaining("made-up-key-1");
    assertThat(env.baseUrl("ACME_BASE_URL", "wss://api.acme.test"))
        .isEqualTo("wss://api.acme.test");
  }
}
