package dev.audiopipeline.livekit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@code livekit-server} (dev mode) the test owns, so it can kill it and start it again on the
 * same address and ports. It runs inside the namespace of {@code scripts/livekit-netns.sh} on the
 * namespace's second address (the script's own server keeps the first), with ports of its own.
 */
final class LiveKitServerProcess implements AutoCloseable {
  static final String HOST = "192.0.2.11";
  static final int HTTP_PORT = 7890;

  private final Path binary;
  private final Path config;
  private final Path log;
  private @Nullable Process process;

  LiveKitServerProcess(Path dir) throws IOException {
    String bin = System.getenv("LIVEKIT_SERVER_BIN");
    if (bin == null || bin.isBlank() || !Files.isExecutable(Path.of(bin))) {
      fail("LIVEKIT_SERVER_BIN is not an executable livekit-server (run inside livekit-netns.sh)");
    }
    this.binary = Path.of(bin);
    this.config = dir.resolve("livekit.yaml");
    this.log = dir.resolve("livekit-server.log");
    Files.writeString(
        config,
        String.join(
            "\n",
            "port: " + HTTP_PORT,
            "bind_addresses:",
            "  - " + HOST,
            "rtc:",
            "  tcp_port: 7891",
            "  udp_port: 7892",
            "  use_external_ip: false",
            "keys:",
            "  devkey: secret",
            "logging:",
            "  level: info",
            ""),
        StandardCharsets.UTF_8);
  }

  String url() {
    return "ws://" + HOST + ":" + HTTP_PORT;
  }

  /** Starts the server and returns once it accepts connections. */
  void start() throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                binary.toString(),
                "--dev",
                "--config",
                config.toString(),
                "--node-ip",
                HOST,
                "--bind",
                HOST));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("livekit-server exited during start-up; log: " + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(HOST, HTTP_PORT), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    fail(
        "livekit-server did not listen on " + HOST + ":" + HTTP_PORT + " within 30 s; log: " + log);
  }

  /** Kills the server (SIGKILL: no goodbye to anyone) and waits for it to be gone. */
  void kill() throws InterruptedException {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws InterruptedException {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
