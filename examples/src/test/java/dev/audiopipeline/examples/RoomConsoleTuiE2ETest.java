package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.WordErrorRate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RoomConsole's full-screen view as a person sees it: the console runs in a real terminal (a tmux
 * pane, 120x30) inside the test namespace next to a real livekit-server; the other participant is a
 * real rtc-node client ({@code livekit-adapter/src/test/node/console-peer.mjs}) that speaks one
 * turn of the bundled {@code candidate.wav} and captions itself on {@code lk.transcription} like a
 * LiveKit agent (a partial half-way, then the final). {@code tmux capture-pane} must show the
 * caption text under the participant's name and their meter moving while they speak and falling
 * when they are silent; {@code q} must leave, restore the terminal and print the view's summary (at
 * least 20 frames a second); and {@code --output-wav} must hold their speech, as the embedded
 * recogniser understands it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RoomConsoleTuiE2ETest {
  private static final Path NODE = Path.of("../livekit-adapter/src/test/node");
  private static final Path CANDIDATE_WAV =
      Path.of("src/main/resources/interview/candidate.wav").toAbsolutePath();
  private static final Path RECRUITER_WAV =
      Path.of("src/main/resources/interview/recruiter.wav").toAbsolutePath();
  private static final String TEXT =
      "Of course. I have worked as a software engineer for six years, mostly on back end systems"
          + " written in Java. Before that I studied computer science at the state university.";
  private static final Pattern METER =
      Pattern.compile("^candidate\\s+\\[.*?\\]\\s+(-?\\d+\\.\\d) dB rms");

  @Test
  void showsTheOtherParticipantsCaptionsAndLevelsAndRecordsTheirSpeech(@TempDir Path dir)
      throws Exception {
    Map<String, String> env = System.getenv();
    String url = env.getOrDefault("LIVEKIT_URL", "");
    boolean ci = "true".equalsIgnoreCase(env.get("CI"));
    if (url.isBlank()) {
      String why =
          "no LiveKit server: run livekit-adapter/scripts/livekit-netns.sh -- ./mvnw -o -B -pl"
              + " examples -Plivekit-e2e verify";
      if (ci) {
        fail("CI=true but " + why);
      }
      Assumptions.assumeTrue(false, why);
    }
    if (!Files.isDirectory(NODE.resolve("node_modules/@livekit/rtc-node"))) {
      fail("@livekit/rtc-node is not installed: run livekit-adapter/scripts/provision-livekit.sh");
    }
    if (!new ProcessBuilder("tmux", "-V").start().waitFor(10, TimeUnit.SECONDS)) {
      fail("tmux is not installed (apt-get install tmux)");
    }
    String room = "console-" + UUID.randomUUID().toString().substring(0, 8);
    String me = "console-ann";
    String socket = "ap-console-" + ProcessHandle.current().pid();
    Path heard = dir.resolve("heard.wav");
    Path exit = dir.resolve("exit-status");
    String java = ProcessHandle.current().info().command().orElse("java");
    String consoleCmd =
        String.join(
            " ",
            List.of(
                q(java),
                "-cp",
                q(System.getProperty("java.class.path")),
                RoomConsole.class.getName(),
                "--room",
                room,
                "--identity",
                me,
                "--input-wav",
                q(RECRUITER_WAV.toString()),
                "--output-wav",
                q(heard.toString()),
                "--tui"));
    // the pane's shell keeps the pane after the console exits, so the restored screen can be read
    String shell = consoleCmd + "; echo $? > " + q(exit.toString()) + "; sleep 120";
    Map<String, String> tmuxEnv = new HashMap<>();
    tmuxEnv.put("TERM", "xterm-256color");
    run(
        tmuxEnv,
        "tmux",
        "-L",
        socket,
        "new-session",
        "-d",
        "-s",
        "c",
        "-x",
        "120",
        "-y",
        "30",
        "bash",
        "-c",
        shell);
    Process peer = null;
    List<String> peerEvents = new CopyOnWriteArrayList<>();
    try {
      String screen = awaitScreen(socket, s -> s.contains("connected"), 90, "the console joined");
      assertThat(screen).contains("RoomConsole").contains("room " + room).contains(me + " (you)");

      List<String> cmd =
          List.of(
              env.getOrDefault("NODE", "node"),
              NODE.resolve("console-peer.mjs").toAbsolutePath().toString(),
              "--url",
              url,
              "--room",
              room,
              "--identity",
              "candidate",
              "--wav",
              CANDIDATE_WAV.toString(),
              "--from",
              "6655",
              "--to",
              "18060",
              "--text",
              TEXT,
              "--wait-for",
              me,
              "--silence",
              "8000");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().put("LIVEKIT_API_KEY", env.get("LIVEKIT_API_KEY"));
      pb.environment().put("LIVEKIT_API_SECRET", env.get("LIVEKIT_API_SECRET"));
      peer = pb.start();
      Process p = peer;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    peerEvents.add(line);
                  }
                } catch (IOException e) {
                  // ended
                }
              },
              "test-peer-reader");
      reader.setDaemon(true);
      reader.start();

      // sample the screen while the peer speaks and after it falls silent
      List<Double> speaking = new ArrayList<>();
      List<Double> silent = new ArrayList<>();
      boolean partialSeen = false;
      String finalScreen = "";
      long silentAt = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline) {
        String s = capture(socket);
        String flat = flatten(s);
        Double level = candidateLevel(s);
        boolean isSpeaking = has(peerEvents, "\"speaking\"") && !has(peerEvents, "\"silent\"");
        if (level != null && isSpeaking) {
          speaking.add(level);
        }
        if (has(peerEvents, "\"silent\"")) {
          if (silentAt == 0) {
            silentAt = System.nanoTime();
          }
          if (level != null && System.nanoTime() - silentAt > TimeUnit.MILLISECONDS.toNanos(1500)) {
            silent.add(level);
          }
        }
        if (flat.contains("candidate: Of course. I have worked")
            && !flat.contains("state university")) {
          partialSeen = true;
        }
        if (flat.contains("state university.") && silent.size() >= 5) {
          finalScreen = s;
          break;
        }
        Thread.sleep(200);
      }
      System.out.println("[livekit-e2e] RoomConsole screen:\n" + capture(socket));
      System.out.println("[livekit-e2e] peer: " + peerEvents);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] candidate meter while speaking %s%n  after silence %s%n",
          speaking,
          silent);
      assertThat(flatten(finalScreen))
          .as("the caption's final text under the participant's name")
          .contains("candidate: " + TEXT.substring(0, 40))
          .contains("state university.");
      assertThat(partialSeen).as("the partial was shown before the final replaced it").isTrue();
      assertThat(speaking.stream().mapToDouble(Double::doubleValue).max().orElse(-99))
          .as("the meter rises while the participant speaks")
          .isGreaterThan(-40);
      assertThat(speaking.stream().distinct().count())
          .as("the meter moves while they speak")
          .isGreaterThanOrEqualTo(5);
      assertThat(silent.get(silent.size() - 1))
          .as("the meter falls when they are silent")
          .isLessThanOrEqualTo(-55);

      // a resize redraws the whole screen at the new size
      run(Map.of(), "tmux", "-L", socket, "resize-window", "-t", "c", "-x", "90", "-y", "24");
      String resized =
          awaitScreen(
              socket,
              x ->
                  x.lines().allMatch(l -> l.length() <= 90)
                      && x.contains("m mute/unmute")
                      && flatten(x).contains("state university."),
              10,
              "the view redrawn at 90x24");
      assertThat(resized.lines().count()).isLessThanOrEqualTo(24);
      assertThat(resized).contains("m mute/unmute").contains("connected");

      // q leaves the room, restores the terminal and prints the summary on the normal screen
      run(Map.of(), "tmux", "-L", socket, "send-keys", "-t", "c", "q");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(exit) && System.nanoTime() < until) {
        Thread.sleep(200);
      }
      assertThat(exit).as("the console exited after q").exists();
      Thread.sleep(500);
      String after = capture(socket);
      System.out.println("[livekit-e2e] after q:\n" + after);
      assertThat(Files.readString(exit).trim()).isEqualTo("0");
      assertThat(after).contains("Recorded").doesNotContain("m mute/unmute");
      Matcher fps = Pattern.compile("view: \\d+ frames, (\\d+\\.\\d)/s").matcher(after);
      assertThat(fps.find()).as("the view's summary: %s", after).isTrue();
      assertThat(Double.parseDouble(fps.group(1)))
          .as("frames per second")
          .isGreaterThanOrEqualTo(20);
    } finally {
      new ProcessBuilder("tmux", "-L", socket, "kill-server").start().waitFor(10, TimeUnit.SECONDS);
      if (peer != null) {
        peer.getOutputStream().close();
        if (!peer.waitFor(20, TimeUnit.SECONDS)) {
          peer.destroyForcibly();
        }
      }
    }

    // what the console played holds the participant's speech
    String recognised = transcribe(heard);
    String reference = TEXT;
    double wer = WordErrorRate.of(reference, recognised);
    System.out.printf(
        Locale.ROOT, "[livekit-e2e] --output-wav recognised: %s (WER %.2f)%n", recognised, wer);
    assertThat(wer).as("Sphinx on --output-wav: %s", recognised).isLessThanOrEqualTo(0.35);
  }

  @Test
  void ctrlCLeavesTheRoomAndRestoresTheTerminal(@TempDir Path dir) throws Exception {
    String url = System.getenv().getOrDefault("LIVEKIT_URL", "");
    Assumptions.assumeFalse(url.isBlank(), "no LiveKit server (see the other test)");
    String socket = "ap-console-int-" + ProcessHandle.current().pid();
    Path exit = dir.resolve("exit-status");
    String consoleCmd =
        String.join(
            " ",
            List.of(
                q(ProcessHandle.current().info().command().orElse("java")),
                "-cp",
                q(System.getProperty("java.class.path")),
                RoomConsole.class.getName(),
                "--room",
                "console-int-" + UUID.randomUUID().toString().substring(0, 8),
                "--identity",
                "console-bob",
                "--no-mic",
                "--no-playback",
                "--tui"));
    // the pane's shell catches SIGINT (so it goes on to record the status); the JVM gets it as
    // usual
    String shell =
        "trap 'true' INT; " + consoleCmd + "; echo $? > " + q(exit.toString()) + "; sleep 60";
    run(
        Map.of("TERM", "xterm-256color"),
        "tmux",
        "-L",
        socket,
        "new-session",
        "-d",
        "-s",
        "c",
        "-x",
        "100",
        "-y",
        "24",
        "bash",
        "-c",
        shell);
    try {
      awaitScreen(socket, s -> s.contains("connected"), 90, "the console joined");
      run(Map.of(), "tmux", "-L", socket, "send-keys", "-t", "c", "C-c");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(exit) && System.nanoTime() < until) {
        Thread.sleep(200);
      }
      assertThat(exit).as("the console exited after Ctrl-C").exists();
      Thread.sleep(500);
      String after = capture(socket);
      System.out.println("[livekit-e2e] after Ctrl-C:\n" + after);
      assertThat(Files.readString(exit).trim()).isEqualTo("130");
      assertThat(after).contains("view: ").doesNotContain("m mute/unmute");
    } finally {
      new ProcessBuilder("tmux", "-L", socket, "kill-server").start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String transcribe(Path wav) throws Exception {
    try (SphinxSttProvider sphinx = SphinxSttProvider.create()) {
      WavFileSource source = WavFileSource.builder().speaker("heard", wav).realTime(false).build();
      List<String> finals = new CopyOnWriteArrayList<>();
      try (TranscriptionSession session =
          AudioPipeline.builder()
              .stt(sphinx)
              .closeTimeout(Duration.ofMinutes(2))
              .build()
              .startTranscription(source)) {
        session.subscribe(
            new Flow.Subscriber<Transcript>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(Transcript t) {
                if (t.isFinal()) {
                  finals.add(t.text());
                }
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onComplete() {}
            });
        assertThat(session.awaitCompletion(Duration.ofMinutes(3))).isTrue();
      }
      return String.join(" ", finals);
    }
  }

  private static Double candidateLevel(String screen) {
    for (String row : screen.split("\n")) {
      Matcher m = METER.matcher(row.strip());
      if (m.find()) {
        return Double.parseDouble(m.group(1));
      }
    }
    return null;
  }

  /** The screen's rows joined, wrapped continuation rows folded back into their line. */
  private static String flatten(String screen) {
    return screen.replaceAll("\n +", " ").replaceAll(" +", " ");
  }

  private static boolean has(List<String> events, String needle) {
    return events.stream().anyMatch(e -> e.contains(needle));
  }

  private static String awaitScreen(
      String socket, java.util.function.Predicate<String> ok, int seconds, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String s = "";
    while (System.nanoTime() < deadline) {
      s = capture(socket);
      if (ok.test(s)) {
        return s;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(what + " within " + seconds + " s; the screen:\n" + s);
  }

  private static String capture(String socket) throws Exception {
    Process p =
        new ProcessBuilder("tmux", "-L", socket, "capture-pane", "-p", "-t", "c")
            .redirectErrorStream(true)
            .start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return s;
  }

  private static void run(Map<String, String> extraEnv, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
  }

  /** Single-quoted for bash. */
  private static String q(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
