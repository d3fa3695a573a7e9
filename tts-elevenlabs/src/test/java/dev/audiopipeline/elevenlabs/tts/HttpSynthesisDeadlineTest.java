package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.testing.Await;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code synthesisTimeout}: a server that trickles bytes (each read returns within the read
 * timeout, so only an overall deadline ends it) is cut off; a subscriber that is slow is not.
 */
class HttpSynthesisDeadlineTest {
  static final String KEY = "test-key-123";

  ElevenLabsTts tts;
  Trickler server;

  @AfterEach
  void tearDown() throws Exception {
    if (tts != null) {
      tts.close();
    }
    if (server != null) {
      server.close();
    }
    assertThat(ThreadLeaks.libraryThreadsAfter(Duration.ofSeconds(3))).isEmpty();
  }

  @Test
  void aServerTricklingTheBodyIsCutOffAtTheDeadlineAfterTheAudioSoFar() throws Exception {
    server = new Trickler(true);
    tts =
        ElevenLabsTts.builder()
            .apiKey(KEY)
            .baseUrl(server.url())
            .outputFormat(OutputFormat.PCM_16000)
            .synthesisTimeout(Duration.ofSeconds(2))
            .build();

    Recorder r = Recorder.unbounded();
    tts.synthesize(TtsRequest.of("Hello")).subscribe(r);
    Throwable e = r.awaitError(Duration.ofSeconds(20));

    assertThat(e)
        .isInstanceOf(ConnectionException.class)
        .hasMessageContaining("deadline")
        .hasMessageContaining("synthesisTimeout")
        .hasMessageNotContaining(KEY);
    assertThat(r.pcm().length).as("the trickled audio before the deadline").isPositive();
    assertThat(server.awaitClientGone(Duration.ofSeconds(10))).as("the socket is closed").isTrue();
  }

  @Test
  void aServerTricklingTheHeadersIsCutOffAtTheDeadline() throws Exception {
    server = new Trickler(false);
    tts =
        ElevenLabsTts.builder()
            .apiKey(KEY)
            .baseUrl(server.url())
            .maxRetries(2)
            .outputFormat(OutputFormat.PCM_16000)
            .synthesisTimeout(Duration.ofSeconds(2))
            .build();

    Recorder r = Recorder.unbounded();
    tts.synthesize(TtsRequest.of("Hello")).subscribe(r);
    Throwable e = r.awaitError(Duration.ofSeconds(20));

    assertThat(e).isInstanceOf(ConnectionException.class).hasMessageContaining("deadline");
    assertThat(server.connections.get()).as("a deadline is not retried").isEqualTo(1);
  }

  @Test
  void timeWaitingForTheSubscriberDoesNotCount() throws Exception {
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start()) {
      tts =
          ElevenLabsTts.builder()
              .apiKey(KEY)
              .baseUrl(fake.httpBaseUrl())
              .outputFormat(OutputFormat.PCM_16000)
              .synthesisTimeout(Duration.ofSeconds(2))
              .build();
      Recorder r = Recorder.manual();
      // about 80 KB of audio: ten or more reads of at most 8 KB
      tts.synthesize(TtsRequest.of("a slow player asks for one chunk at a time")).subscribe(r);
      long waited = 0;
      while (r.terminated.getCount() > 0 && waited < 60_000) {
        r.request(1);
        Thread.sleep(300); // a player, not the server, holds the stream up
        waited += 300;
      }
      r.awaitComplete(Duration.ofSeconds(5));
      assertThat(waited)
          .as("the subscriber held the stream longer than the deadline")
          .isGreaterThan(2_000);
    }
  }

  @Test
  void theDeadlineIsValidated() {
    assertThatThrownBy(() -> ElevenLabsTts.builder().synthesisTimeout(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accepted 1 s to 1 h");
  }

  /** An HTTP/1.1 server on 127.0.0.1 that sends 20 bytes every 100 ms, forever. */
  static final class Trickler implements AutoCloseable {
    final ServerSocket socket;
    final Thread thread;
    final AtomicLong connections = new AtomicLong();
    final AtomicBoolean clientGone = new AtomicBoolean();
    final boolean headersAtOnce;

    Trickler(boolean headersAtOnce) throws IOException {
      this.headersAtOnce = headersAtOnce;
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread = new Thread(this::serve, "test-trickler");
      thread.setDaemon(true);
      thread.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          connections.incrementAndGet();
          InputStream in = s.getInputStream();
          byte[] buf = new byte[8192];
          in.read(buf); // the request (small enough for one read)
          OutputStream out = s.getOutputStream();
          String head = "HTTP/1.1 200 OK\r\nContent-Type: audio/pcm\r\nConnection: close\r\n\r\n";
          byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
          int sent = 0;
          if (headersAtOnce) {
            out.write(headBytes);
            sent = headBytes.length;
          }
          while (true) {
            byte[] piece = new byte[20];
            if (sent < headBytes.length) {
              int n = Math.min(1, headBytes.length - sent);
              out.write(headBytes, sent, n);
              sent += n;
            } else {
              out.write(piece);
            }
            out.flush();
            Thread.sleep(100); // the scenario: a server that trickles, a byte every 100 ms
          }
        } catch (IOException e) {
          clientGone.set(true); // the client closed the connection
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    boolean awaitClientGone(Duration timeout) throws InterruptedException {
      return Await.holds(timeout, clientGone::get);
    }

    @Override
    public void close() throws IOException {
      socket.close();
      thread.interrupt();
    }
  }
}
