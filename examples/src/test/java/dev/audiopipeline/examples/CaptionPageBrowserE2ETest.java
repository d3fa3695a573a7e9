package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live caption page in a real browser: {@code TranscribeInterview --serve 0 --fast} runs in its
 * own JVM on the bundled interview while Debian's headless Chromium, driven through the DevTools
 * protocol (no {@code --dump-dom}: it never returns on a page with an open event stream), loads the
 * page. When the transcript is done, the DOM must show every final of {@code transcript.jsonl}
 * under its speaker's lane, as a final (not a grey partial). A screenshot is saved as {@code
 * target/caption-page.png}; the caption latency (final at the server to its paint in the page) is
 * printed. Everything stays on 127.0.0.1. Runs with the LiveKit end-to-end tests ({@code
 * -Plivekit-e2e}, which CI runs with Chromium installed); skipped elsewhere without Chromium.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CaptionPageBrowserE2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyFinalAppearsUnderItsSpeakerInTheBrowser(@TempDir Path dir) throws Exception {
    String chromium = findChromium();
    if (chromium == null) {
      String why = "no Chromium on PATH (apt-get install chromium)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true but " + why);
      }
      Assumptions.assumeTrue(false, why);
    }
    Path out = dir.resolve("out");
    CompletableFuture<String> url = new CompletableFuture<>();
    List<String> cmd = new ArrayList<>();
    cmd.add("env");
    cmd.add("--default-signal=INT");
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add(TranscribeInterview.class.getName());
    cmd.addAll(
        List.of("--serve", "0", "--fast", "--turn-detection", "off", "--out", out.toString()));
    ProcessBuilder childBuilder = new ProcessBuilder(cmd).redirectErrorStream(true);
    // files, not a room, even inside the LiveKit test namespace
    childBuilder.environment().keySet().removeIf(k -> k.startsWith("LIVEKIT_"));
    Process child = childBuilder.start();
    child
        .onExit()
        .thenRun(() -> url.completeExceptionally(new AssertionError("the transcriber exited")));
    List<String> childOut = new CopyOnWriteArrayList<>();
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  childOut.add(line);
                  if (line.startsWith("Live captions: ")) {
                    url.complete(line.substring("Live captions: ".length()).trim());
                  }
                }
              } catch (IOException e) {
                // ended
              }
            },
            "test-child-output");
    pump.setDaemon(true);
    pump.start();

    Path profile = dir.resolve("chromium-profile");
    Files.createDirectories(profile);
    Process browser =
        new ProcessBuilder(
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "--window-size=1280,800",
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("chromium.log").toFile())
            .start();
    OkHttpClient http = new OkHttpClient();
    Cdp cdp = null;
    try {
      int port = devToolsPort(profile, browser);
      cdp = Cdp.connect(http, port);
      String page = url.get(150, TimeUnit.SECONDS);
      assertThat(page).startsWith("http://127.0.0.1:");
      cdp.call("Page.enable", JSON.createObjectNode());
      ObjectNode nav = JSON.createObjectNode().put("url", page);
      cdp.call("Page.navigate", nav);
      int firstSeen = -1;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      while (System.nanoTime() < until
          && childOut.stream().noneMatch(l -> l.startsWith("The transcript is done"))) {
        JsonNode lanes = lanes(cdp);
        int finals = 0;
        for (JsonNode l : lanes) {
          finals += l.get("finals").size();
        }
        if (firstSeen < 0 && lanes.size() > 0) {
          firstSeen = finals;
        }
        Thread.sleep(500);
      }
      assertThat(childOut)
          .as("the transcription finished")
          .anyMatch(l -> l.startsWith("The transcript is done"));
      Thread.sleep(1500); // the last events reach the page
      JsonNode lanes = lanes(cdp);
      List<JsonNode> expected = new ArrayList<>();
      for (String l : Files.readAllLines(out.resolve("transcript.jsonl"))) {
        expected.add(JSON.readTree(l));
      }
      assertThat(expected).hasSizeGreaterThan(10);
      for (JsonNode t : expected) {
        String speaker = t.get("speaker").asText();
        String text = t.get("text").asText();
        JsonNode lane = null;
        for (JsonNode l : lanes) {
          if (l.get("speaker").asText().equals(speaker)) {
            lane = l;
          }
        }
        assertThat(lane).as("a lane for %s in %s", speaker, lanes).isNotNull();
        List<String> shown = new ArrayList<>();
        lane.get("finals").forEach(f -> shown.add(f.asText()));
        assertThat(shown).as("%s's lane", speaker).contains(text);
      }
      JsonNode partials = cdp.evaluate("document.querySelectorAll('.line.partial').length");
      assertThat(partials.asInt()).as("no partial left once each final replaced it").isZero();
      String png =
          cdp.call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"))
              .get("data")
              .asText();
      Path shot = Path.of("target", "caption-page.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, Base64.getDecoder().decode(png));
      JsonNode lat = cdp.evaluate("JSON.stringify(window.captionLatencies)");
      JsonNode latencies = JSON.readTree(lat.asText());
      long[] values = new long[latencies.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = latencies.get(i).asLong();
      }
      Arrays.sort(values);
      System.out.printf(
          Locale.ROOT,
          "[browser-e2e] %d finals in the page (%d when it first rendered); caption latency"
              + " final -> paint: median %d ms, max %d ms over %d live finals; screenshot %s%n",
          expected.size(),
          firstSeen,
          values.length == 0 ? -1 : values[values.length / 2],
          values.length == 0 ? -1 : values[values.length - 1],
          values.length,
          shot.toAbsolutePath());
      assertThat(Files.size(shot)).isGreaterThan(1000);
    } finally {
      if (cdp != null) {
        cdp.close();
      }
      browser.descendants().forEach(ProcessHandle::destroy);
      browser.destroy();
      browser.waitFor(10, TimeUnit.SECONDS);
      // the page stays up with files until Ctrl-C: SIGINT ends it with 130
      new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
      boolean ended = child.waitFor(30, TimeUnit.SECONDS);
      if (!ended) {
        child.destroyForcibly();
      }
      System.out.println(
          "[browser-e2e] TranscribeInterview output:\n" + String.join("\n", childOut));
      assertThat(ended).as("Ctrl-C ends the serving transcriber").isTrue();
      assertThat(child.exitValue()).isEqualTo(130);
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static JsonNode lanes(Cdp cdp) throws Exception {
    JsonNode v =
        cdp.evaluate(
            "JSON.stringify([...document.querySelectorAll('section.lane')].map(l => ({speaker:"
                + " l.dataset.speaker, finals: [...l.querySelectorAll('.line.final .text')]"
                + ".map(e => e.textContent)})))");
    return JSON.readTree(v.asText());
  }

  private static int devToolsPort(Path profile, Process browser) throws Exception {
    Path file = profile.resolve("DevToolsActivePort");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          return Integer.parseInt(lines.get(0).trim());
        }
      }
      if (!browser.isAlive()) {
        throw new AssertionError("Chromium exited with " + browser.exitValue());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Chromium did not open its DevTools port within 60 s");
  }

  private static String findChromium() {
    String given = System.getenv("CHROMIUM");
    if (given != null && !given.isBlank()) {
      return given;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    return null;
  }

  /** A minimal DevTools-protocol client on one page target. */
  static final class Cdp implements AutoCloseable {
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private Cdp(OkHttpClient http, String wsUrl) {
      this.ws =
          http.newWebSocket(
              new Request.Builder().url(wsUrl).build(),
              new WebSocketListener() {
                @Override
                public void onMessage(WebSocket socket, String text) {
                  try {
                    JsonNode m = JSON.readTree(text);
                    if (m.has("id")) {
                      CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                      if (f != null) {
                        f.complete(m);
                      }
                    }
                  } catch (IOException e) {
                    // not JSON: ignore
                  }
                }

                @Override
                public void onFailure(WebSocket socket, Throwable t, Response r) {
                  pending.values().forEach(f -> f.completeExceptionally(t));
                }
              });
    }

    static Cdp connect(OkHttpClient http, int port) throws Exception {
      String base = "http://127.0.0.1:" + port;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try (Response r =
            http.newCall(new Request.Builder().url(base + "/json/list").build()).execute()) {
          for (JsonNode t : JSON.readTree(r.body().string())) {
            if ("page".equals(t.path("type").asText())) {
              return new Cdp(http, t.get("webSocketDebuggerUrl").asText());
            }
          }
        }
        if (System.nanoTime() > until) {
          throw new AssertionError("no page target in Chromium");
        }
        Thread.sleep(200);
      }
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonNode> f = new CompletableFuture<>();
      pending.put(id, f);
      ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
      msg.set("params", params);
      ws.send(JSON.writeValueAsString(msg));
      JsonNode reply = f.get(30, TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new AssertionError(method + ": " + reply.get("error"));
      }
      return reply.get("result");
    }

    JsonNode evaluate(String expression) throws Exception {
      ObjectNode p =
          JSON.createObjectNode().put("expression", expression).put("returnByValue", true);
      return call("Runtime.evaluate", p).path("result").path("value");
    }

    @Override
    public void close() {
      ws.close(1000, "done");
    }
  }
}
