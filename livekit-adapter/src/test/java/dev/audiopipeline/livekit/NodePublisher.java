package dev.audiopipeline.livekit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The real third-party publisher: {@code src/test/node/publisher.mjs} (@livekit/rtc-node) in a
 * child process. Its JSON-line events are collected by a named reader thread.
 */
final class NodePublisher {
  /** One {@code {"event":...}} line. */
  record Event(String name, long epochMs, Map<String, @Nullable Object> fields) {
    String str(String key) {
      Object v = fields.get(key);
      return v == null ? "" : v.toString();
    }

    long num(String key) {
      Object v = fields.get(key);
      return v instanceof Number ? ((Number) v).longValue() : -1;
    }
  }

  private final Process process;
  private final Thread reader;
  private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
  private final List<Event> all = new CopyOnWriteArrayList<>();
  private final StringBuilder stderrTail = new StringBuilder();

  private NodePublisher(Process process) {
    this.process = process;
    this.reader = new Thread(this::readLoop, "test-node-publisher-reader");
    this.reader.setDaemon(true);
    this.reader.start();
  }

  static Path script() {
    return script("publisher.mjs");
  }

  static Path script(String name) {
    Path p = Path.of("src/test/node/" + name).toAbsolutePath();
    if (!Files.isRegularFile(p)) {
      fail("rtc-node publisher script missing: " + p);
    }
    if (!Files.isDirectory(p.getParent().resolve("node_modules/@livekit/rtc-node"))) {
      fail(
          "@livekit/rtc-node is not installed in "
              + p.getParent()
              + ": run livekit-adapter/scripts/provision-livekit.sh (npm ci) first");
    }
    return p;
  }

  static NodePublisher start(String url, String apiKey, String apiSecret, List<String> args)
      throws IOException {
    return start("publisher.mjs", url, apiKey, apiSecret, args);
  }

  /** Another rtc-node client script of {@code src/test/node} (e.g. {@code recorder.mjs}). */
  static NodePublisher start(
      String scriptName, String url, String apiKey, String apiSecret, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getenv().getOrDefault("NODE", "node"));
    cmd.add(script(scriptName).toString());
    cmd.add("--url");
    cmd.add(url);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("LIVEKIT_API_KEY", apiKey);
    pb.environment().put("LIVEKIT_API_SECRET", apiSecret);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    return new NodePublisher(pb.start());
  }

  private void readLoop() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("{\"event\"")) {
          continue; // rtc-node's own log lines
        }
        Map<String, @Nullable Object> m;
        try {
          m = IceCandidateJson.parseFlatObject(line);
        } catch (IllegalArgumentException e) {
          continue;
        }
        Object ts = m.get("epochMs");
        Event e =
            new Event(
                String.valueOf(m.get("event")),
                ts instanceof Number ? ((Number) ts).longValue() : 0,
                m);
        all.add(e);
        queue.add(e);
      }
    } catch (IOException e) {
      // process ended
    }
  }

  /** Waits for the next event matching {@code p} (skipping others), or fails. */
  Event await(Predicate<Event> p, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Event e = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
      if (e == null) {
        fail(
            "publisher: no "
                + what
                + " within "
                + timeout
                + "; events so far: "
                + all
                + exitInfo());
      }
      if (e.name().equals("error")) {
        fail("publisher failed: " + e.str("message"));
      }
      if (p.test(e)) {
        return e;
      }
    }
  }

  Event await(String eventName, Duration timeout) throws InterruptedException {
    return await(e -> e.name().equals(eventName), timeout, "'" + eventName + "' event");
  }

  List<Event> events() {
    return List.copyOf(all);
  }

  private String exitInfo() {
    return process.isAlive() ? "" : " (exited " + process.exitValue() + ")";
  }

  /** Closes stdin, which tells lingering participants to leave, and waits for the exit. */
  int finish(Duration timeout) throws InterruptedException {
    try {
      OutputStream in = process.getOutputStream();
      in.close();
    } catch (IOException ignored) {
      // already closed
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    reader.join(5_000);
    return process.isAlive() ? -1 : process.exitValue();
  }

  @Override
  public String toString() {
    return "NodePublisher" + all + stderrTail;
  }
}
