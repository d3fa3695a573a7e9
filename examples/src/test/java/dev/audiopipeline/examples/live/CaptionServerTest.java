package dev.audiopipeline.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.testing.Await;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The caption page's server on 127.0.0.1: the page, the event stream, downloads, slow browsers. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CaptionServerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final LiveModel model = new LiveModel();
  private final List<Transcript> finals = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private CaptionServer server;

  private void start() throws Exception {
    server = CaptionServer.start(model, () -> finals, "Interview <42>", "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void fin(String key, String speaker, String text, long start, long end) {
    finals.add(
        new Transcript(
            speaker, speaker, text, start, end, true, null, null, List.of(), key, "test"));
    model.update(key, speaker, text, true, start, end);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesThePageTheSnapshotAndTheDownloadsOnLoopback() throws Exception {
    start();
    assertThat(server.url()).startsWith("http://127.0.0.1:");
    model.update("r1", "recruiter", "good", false, 500, 700);
    fin("r1", "recruiter", "good morning", 500, 1500);
    fin("c1", "candidate", "of course", 6600, 7500);
    model.update("c2", "candidate", "i have", false, 8000, 8500);

    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("<title>Interview &lt;42&gt; · live captions</title>")
        .contains("new EventSource(\"/events\")");
    assertThat(get("/nothing").statusCode()).isEqualTo(404);

    HttpResponse<String> jsonl = get("/transcript.jsonl");
    assertThat(jsonl.headers().firstValue("Content-Disposition").orElse(""))
        .contains("transcript.jsonl");
    assertThat(jsonl.body().lines()).hasSize(2);
    assertThat(jsonl.body()).contains("good morning").contains("of course");
    assertThat(get("/transcript.srt").body()).contains("[recruiter] good morning");
    assertThat(get("/transcript.vtt").body()).startsWith("WEBVTT").contains("<v candidate>");

    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = readEvents(lines);
    awaitLine(lines, "\"text\":\"i have\"");
    String all = String.join("\n", lines);
    assertThat(all)
        .contains("event: speaker")
        .contains("\"label\":\"recruiter\"")
        .contains(
            "{\"key\":\"r1\",\"speaker\":\"recruiter\",\"text\":\"good morning\",\"final\":true")
        .contains("\"key\":\"c2\",\"speaker\":\"candidate\",\"text\":\"i have\",\"final\":false")
        .contains("event: status")
        .doesNotContain("\"text\":\"good\",");
    model.meter("recruiter").accept(new short[] {8000, -8000, 8000, -8000}, 0, 4);
    awaitLine(lines, "event: levels");
    reader.interrupt();
  }

  @Test
  void aStalledBrowserNeverSlowsThePipelineAndAHealthyOneGetsEveryFinal() throws Exception {
    start();
    // a browser that asks for the stream and then never reads a byte
    Socket stalled =
        new Socket("127.0.0.1", Integer.parseInt(server.url().replaceAll(".*:(\\d+)/", "$1")));
    stalled.setReceiveBufferSize(4096);
    OutputStream o = stalled.getOutputStream();
    o.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    o.flush();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread healthy = readEvents(lines);
    Await.until(WAIT, () -> "2 clients, not " + server.clients(), () -> server.clients() >= 2);
    assertThat(server.clients()).isEqualTo(2);

    String filler = "word ".repeat(1600); // 8 KB: more than the stalled socket's buffers hold
    int n = 1000;
    Thread pipeline =
        new Thread(
            () -> {
              for (int i = 0; i < n; i++) {
                String key = "s" + i;
                model.update(key, i % 2 == 0 ? "a" : "b", filler + "partial", false, i, i + 1);
                model.update(key, i % 2 == 0 ? "a" : "b", filler + "final " + i, true, i, i + 1);
              }
            },
            "test-pipeline");
    pipeline.start();
    pipeline.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(pipeline.isAlive())
        .as("the pipeline's thread never waits for a browser (1000 finals of 8 KB)")
        .isFalse();

    awaitLine(lines, "final " + (n - 1) + "\"");
    Set<String> finalsSeen = ConcurrentHashMap.newKeySet();
    for (String l : lines) {
      if (l.contains("\"final\":true")) {
        finalsSeen.add(l.replaceAll(".*\"key\":\"(s\\d+)\".*", "$1"));
      }
    }
    assertThat(finalsSeen)
        .as("every final reached the healthy browser (over its reconnects, as EventSource does)")
        .hasSize(n);
    Await.until(
        WAIT,
        "the stalled browser was cut off once its queue held only finals",
        () -> server.disconnectedForOverflow() >= 1);
    stalled.close();
    healthy.interrupt();
  }

  @Test
  void aClosedBrowserLeavesAndTheOthersGoOn() throws Exception {
    start();
    for (int k = 0; k < 3; k++) {
      try (Socket s =
          new Socket("127.0.0.1", Integer.parseInt(server.url().replaceAll(".*:(\\d+)/", "$1")))) {
        s.getOutputStream()
            .write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getInputStream().read(new byte[64]);
      }
    }
    Await.until(
        WAIT,
        () -> "every closed browser left; clients: " + server.clients(),
        () -> {
          // the pipeline goes on updating: its writes find the closed browsers gone
          model.update("x" + System.nanoTime(), "a", "keeps going", true, 0, 1);
          return server.clients() == 0;
        });
  }

  /** A browser's EventSource: reads the stream and reconnects when the server closes it. */
  private Thread readEvents(List<String> into) {
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  HttpResponse<Stream<String>> r =
                      http.send(
                          HttpRequest.newBuilder(URI.create(server.url() + "events"))
                              .timeout(Duration.ofMinutes(2))
                              .build(),
                          HttpResponse.BodyHandlers.ofLines());
                  r.body().forEach(into::add);
                } catch (InterruptedException e) {
                  return;
                } catch (Exception e) {
                  // closed: reconnect, as a browser does
                }
              }
            },
            "test-browser");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void awaitLine(List<String> lines, String needle) throws InterruptedException {
    Await.until(
        WAIT,
        () -> "no event line with " + needle + " in " + lines.size() + " lines",
        () -> lines.stream().anyMatch(l -> l.contains(needle)));
  }
}
