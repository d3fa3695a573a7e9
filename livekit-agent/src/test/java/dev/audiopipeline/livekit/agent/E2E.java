package dev.audiopipeline.livekit.agent;

import static org.junit.jupiter.api.Assertions.fail;

import io.livekit.server.AccessToken;
import io.livekit.server.RoomAdmin;
import io.livekit.server.RoomCreate;
import io.livekit.server.RoomList;
import io.livekit.server.RoomName;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/** Helpers of the end-to-end tests: the server API, worker JVMs and rtc-node publishers. */
final class E2E {
  private E2E() {}

  static final String URL = System.getenv().getOrDefault("LIVEKIT_URL", "");
  static final String KEY = System.getenv().getOrDefault("LIVEKIT_API_KEY", "");
  static final String SECRET = System.getenv().getOrDefault("LIVEKIT_API_SECRET", "");

  /**
   * How long a worker JVM may take to start and register: generous, because on the loaded CI
   * machine one worker's protocol warm-up alone took 12.8 s (seen in the suite's 6th run here,
   * which then failed at the former 30 s).
   */
  static final Duration REGISTRATION = Duration.ofSeconds(90);

  static void assumeServer() {
    boolean inside = "1".equals(System.getenv("LIVEKIT_E2E"));
    if (!inside && "true".equals(System.getenv("CI"))) {
      fail("CI=true but no livekit-server: run inside livekit-adapter/scripts/livekit-netns.sh");
    }
    Assumptions.assumeTrue(
        inside, "needs a real livekit-server: run inside livekit-adapter/scripts/livekit-netns.sh");
  }

  /** Twirp JSON call to the server's API, authorised for {@code room}. */
  static String twirp(String service, String method, String room, String json)
      throws IOException, InterruptedException {
    AccessToken t = new AccessToken(KEY, SECRET);
    t.setTtl(Duration.ofMinutes(10).toMillis());
    t.addGrants(new RoomCreate(true), new RoomList(true), new RoomAdmin(true), new RoomName(room));
    String http = URL.replaceFirst("^ws", "http");
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(http + "/twirp/livekit." + service + "/" + method))
            .header("Authorization", "Bearer " + t.toJwt())
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    HttpResponse<String> resp =
        HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      throw new IOException(
          method + " " + room + ": HTTP " + resp.statusCode() + " " + resp.body());
    }
    return resp.body();
  }

  static void createRoom(String room) throws IOException, InterruptedException {
    // departure_timeout 3 s: the room closes (and its job ends) soon after the publishers leave.
    // Not 1 s: the server counts it in whole seconds of the wall clock, so "1 s" closed a room
    // 250 ms after its last speaker left, before the bot had reported its success (the bot needs
    // its 100 ms look at the room plus one /agent round trip); see the README.
    twirp(
        "RoomService",
        "CreateRoom",
        room,
        "{\"name\":\"" + room + "\",\"empty_timeout\":60,\"departure_timeout\":3}");
  }

  static List<String> participants(String room) throws IOException, InterruptedException {
    String body = twirp("RoomService", "ListParticipants", room, "{\"room\":\"" + room + "\"}");
    List<String> ids = new ArrayList<>();
    Matcher m = Pattern.compile("\"identity\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  /**
   * How the server recorded the end of job {@code jobId} ({@code "JS_SUCCESS"}, or {@code
   * "JS_FAILED: <error>"}), read from its log (LIVEKIT_SERVER_LOG: its {@code ListDispatch} keeps
   * the state of the assignment); {@code "no 'job ended' line"} if none appeared within {@code
   * timeout}.
   */
  static String serverJobEnd(String jobId, Duration timeout) throws InterruptedException {
    Path log = Path.of(System.getenv().getOrDefault("LIVEKIT_SERVER_LOG", "/nonexistent"));
    Pattern p =
        Pattern.compile(
            "job ended.*\"jobID\": \""
                + Pattern.quote(jobId)
                + "\", \"status\": \"([A-Z_]+)\", \"error\": \"([^\"]*)\"");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        for (String line : Files.readAllLines(log)) {
          Matcher m = p.matcher(line);
          if (m.find()) {
            return m.group(2).isEmpty() ? m.group(1) : m.group(1) + ": " + m.group(2);
          }
        }
      } catch (IOException e) {
        fail("cannot read the server log " + log + ": " + e);
      }
      if (System.nanoTime() >= deadline) {
        return "no 'job ended' line";
      }
      Thread.sleep(200);
    }
  }

  /**
   * Polls {@code ListDispatch} of {@code room} until it contains {@code text}: the server adds a
   * job to its dispatch only when the job request's answer comes back, asynchronously to the bot
   * joining (on a loaded machine after it). Returns the last answer.
   */
  static String awaitDispatches(String room, String text, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String d = dispatches(room);
      if (d.contains(text) || System.nanoTime() >= deadline) {
        return d;
      }
      Thread.sleep(200);
    }
  }

  /** An explicit dispatch of {@code agentName} to {@code room} through the server API. */
  static String createDispatch(String room, String agentName, String metadata)
      throws IOException, InterruptedException {
    return twirp(
        "AgentDispatchService",
        "CreateDispatch",
        room,
        "{\"room\":\""
            + room
            + "\",\"agent_name\":\""
            + agentName
            + "\",\"metadata\":\""
            + metadata
            + "\"}");
  }

  /** Polls until no agent ({@code agent-AJ_…}) is in {@code room}; the last answer. */
  static List<String> awaitNoAgent(String room, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> ids = participants(room);
      if (ids.stream().noneMatch(TranscriptionJob::isAgent) || System.nanoTime() >= deadline) {
        return ids;
      }
      Thread.sleep(200);
    }
  }

  static String dispatches(String room) throws IOException, InterruptedException {
    return twirp("AgentDispatchService", "ListDispatch", room, "{\"room\":\"" + room + "\"}");
  }

  /** A child process whose stdout lines are collected with their arrival time. */
  static class Child implements AutoCloseable {
    record Line(long epochMs, String text) {}

    final String name;
    final Process process;
    final List<Line> lines = new CopyOnWriteArrayList<>();
    final Thread reader;

    /**
     * Where a worker writes its EVENT lines; read instead of stdout, whose last lines a JVM in its
     * shutdown hooks did not always deliver to the pipe before exiting.
     */
    private final java.nio.file.@org.jspecify.annotations.Nullable Path eventFile;

    Child(String name, ProcessBuilder pb) throws IOException {
      this(name, pb, null);
    }

    Child(
        String name,
        ProcessBuilder pb,
        java.nio.file.@org.jspecify.annotations.Nullable Path eventFile)
        throws IOException {
      this.name = name;
      this.eventFile = eventFile;
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      this.process = pb.start();
      reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    lines.add(new Line(System.currentTimeMillis(), line));
                  }
                } catch (IOException e) {
                  // process gone
                }
              },
              "test-" + name + "-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** Waits for the process to exit and its output to be read to the end. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return false;
      }
      reader.join(5000);
      return true;
    }

    List<Line> current() {
      if (eventFile == null) {
        return lines;
      }
      List<Line> out = new ArrayList<>();
      try {
        if (Files.exists(eventFile)) {
          for (String t : Files.readAllLines(eventFile, StandardCharsets.UTF_8)) {
            if (t.startsWith("EVENT ")) {
              out.add(new Line(Long.parseLong(t.split(" ")[1]), t));
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // partly written line: read again at the next poll
      }
      return out;
    }

    Line await(Predicate<String> p, Duration timeout, String what) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (Line l : current()) {
          if (p.test(l.text())) {
            return l;
          }
        }
        Thread.sleep(50);
      }
      fail(name + ": no " + what + " within " + timeout + "; output: " + tail());
      throw new AssertionError();
    }

    List<Line> matching(Predicate<String> p) {
      List<Line> out = new ArrayList<>();
      for (Line l : current()) {
        if (p.test(l.text())) {
          out.add(l);
        }
      }
      return out;
    }

    String tail() {
      List<Line> all = current();
      int n = all.size();
      return all.subList(Math.max(0, n - 15), n).toString();
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A worker JVM ({@link WorkerMain}). */
  static Child worker(String name, int capacity, Path out, int drainSeconds) throws IOException {
    return worker(name, capacity, out, drainSeconds, java.util.Map.of());
  }

  /** A worker JVM with extra environment, e.g. another {@code LIVEKIT_URL}. */
  static Child worker(
      String name, int capacity, Path out, int drainSeconds, java.util.Map<String, String> env)
      throws IOException {
    return worker(name, capacity, out, drainSeconds, env, "-", AgentWorker.JobKind.ROOM);
  }

  /** A worker JVM registered with {@code agentName} ({@code -}: none) for {@code kind} jobs. */
  static Child worker(
      String name,
      int capacity,
      Path out,
      int drainSeconds,
      java.util.Map<String, String> env,
      String agentName,
      AgentWorker.JobKind kind)
      throws IOException {
    Files.createDirectories(out);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            WorkerMain.class.getName(),
            name,
            String.valueOf(capacity),
            out.toString(),
            String.valueOf(drainSeconds),
            agentName,
            kind.name());
    pb.environment().putAll(env);
    return new Child(name, pb, out.resolve("events.log"));
  }

  /** The rtc-node publisher of livekit-adapter: two speakers from the bundled interview. */
  static Child publisher(String room, int untilMs, List<String> extra) throws IOException {
    Path script = Path.of("../livekit-adapter/src/test/node/publisher.mjs").toAbsolutePath();
    if (!Files.isDirectory(script.getParent().resolve("node_modules/@livekit/rtc-node"))) {
      fail("@livekit/rtc-node missing: run livekit-adapter/scripts/provision-livekit.sh first");
    }
    Path wavs = Path.of("../examples/src/main/resources/interview").toAbsolutePath();
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getenv().getOrDefault("NODE", "node"));
    cmd.add(script.toString());
    cmd.add("--url");
    cmd.add(URL);
    cmd.add("--room");
    cmd.add(room);
    cmd.add("--participant");
    cmd.add("recruiter=" + wavs.resolve("recruiter.wav") + ",until=" + untilMs);
    cmd.add("--participant");
    cmd.add("candidate=" + wavs.resolve("candidate.wav") + ",until=" + untilMs);
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("LIVEKIT_API_KEY", KEY);
    pb.environment().put("LIVEKIT_API_SECRET", SECRET);
    return new Child("publisher-" + room, pb);
  }

  static long epochMs(String jsonLine) {
    Matcher m = Pattern.compile("\"epochMs\":(\\d+)").matcher(jsonLine);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
