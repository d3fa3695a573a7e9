package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TranscribeInterview} as a user runs it: its own JVM, stopped with a real signal. The child
 * runs the bundled interview in real time on the embedded recogniser; once finals have arrived it
 * gets SIGINT (or SIGTERM) and must print the summary, write every file and exit within a few
 * seconds.
 */
class TranscribeInterviewProcessTest {
  static final Pattern FINAL = Pattern.compile("^\\d\\d:\\d\\d\\.\\d-\\d\\d:\\d\\d\\.\\d .*");

  /** Generous: the hook's own bounds are 4 s to finish and 5 s to write. */
  static final long EXIT_WITHIN_SECONDS = 20;

  /** A child JVM with this test's class path; its output is collected line by line. */
  static final class Child {
    final Process process;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();

    /** One permit per final line on stdout; all the rest at end of output (the child is gone). */
    private final java.util.concurrent.Semaphore finalLines = new java.util.concurrent.Semaphore(0);

    private final List<Thread> pumps = new ArrayList<>();

    Child(List<String> args) throws IOException {
      List<String> cmd = new ArrayList<>();
      // a JVM ignores SIGINT it inherited as ignored (a non-interactive shell's background job):
      // reset it to the default so the child behaves as in a terminal
      cmd.add("env");
      cmd.add("--default-signal=INT");
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(TranscribeInterview.class.getName());
      cmd.addAll(args);
      process = new ProcessBuilder(cmd).start();
      pump(
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
          out,
          "child-stdout");
      pump(
          new BufferedReader(
              new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
          err,
          "child-stderr");
    }

    private void pump(BufferedReader r, List<String> into, String name) {
      Thread t =
          new Thread(
              () -> {
                try (r) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    into.add(line);
                    if (into == out && FINAL.matcher(line).matches()) {
                      finalLines.release();
                    }
                  }
                } catch (IOException e) {
                  // the child is gone
                } finally {
                  finalLines.release(
                      Integer.MAX_VALUE / 4); // no more finals will come: stop waiting
                }
              },
              name);
      t.setDaemon(true);
      pumps.add(t);
      t.start();
    }

    /** Waits until the child's output is read to its end (after the child exited). */
    void awaitOutput() throws InterruptedException {
      for (Thread t : pumps) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
    }

    long finals() {
      return out.stream().filter(l -> FINAL.matcher(l).matches()).count();
    }

    void awaitFinals(long n, long seconds) throws InterruptedException {
      finalLines.tryAcquire((int) n, seconds, TimeUnit.SECONDS);
      assertThat(finals())
          .as("finals before the signal; stdout %s stderr %s", out, err)
          .isGreaterThanOrEqualTo(n);
    }

    void signal(String name) throws Exception {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).as("kill -%s", name).isZero();
    }

    String stdout() {
      return String.join("\n", out);
    }

    String stderr() {
      return String.join("\n", err);
    }
  }

  static void assumeEnvResetsSignals() throws Exception {
    Process p = new ProcessBuilder("env", "--default-signal=INT", "true").start();
    boolean ok = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    Assumptions.assumeTrue(
        ok,
        "env --default-signal (coreutils >= 8.31) is needed to give the"
            + " child JVM a SIGINT handler when this test itself runs with SIGINT ignored");
  }

  void stopsWithEverythingWritten(String signal, int expectedExit, Path dir) throws Exception {
    assumeEnvResetsSignals();
    Path outDir = dir.resolve("out");
    Child child = new Child(List.of("--out", outDir.toString()));
    try {
      // the model loads in ~10 s on a quiet machine; then finals arrive every few seconds
      child.awaitFinals(2, 180);
      long seenBefore = child.finals();
      long t0 = System.nanoTime();
      child.signal(signal);
      boolean exited = child.process.waitFor(EXIT_WITHIN_SECONDS, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(exited)
          .as(
              "exited within %d s of SIG%s; stdout %s stderr %s",
              EXIT_WITHIN_SECONDS, signal, child.out, child.err)
          .isTrue();
      child.awaitOutput(); // the pumps read the last lines
      System.out.printf("SIG%s -> exit %d in %.2f s%n", signal, child.process.exitValue(), seconds);
      assertThat(child.process.exitValue())
          .as("exit status after SIG%s", signal)
          .isEqualTo(expectedExit);
      assertThat(child.stdout())
          .contains("Summary")
          .contains("Stopped by a signal")
          .containsPattern("recruiter +talk time")
          .contains("wrote ");
      assertThat(child.stderr()).as("no stack trace").doesNotContain("\tat ");
      List<String> jsonl = Files.readAllLines(outDir.resolve("transcript.jsonl"));
      assertThat(jsonl)
          .as("every final printed before the signal is saved")
          .hasSizeGreaterThanOrEqualTo((int) seenBefore);
      long prev = -1;
      for (String line : jsonl) {
        assertThat(line).startsWith("{").endsWith("}").contains("\"isFinal\":true");
        var m = TranscribeInterviewTest.JSON_TIMES.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        long start = Long.parseLong(m.group(1));
        assertThat(start).as("timeline order").isGreaterThanOrEqualTo(prev);
        prev = start;
      }
      assertThat(Files.readString(outDir.resolve("transcript.vtt")))
          .startsWith("WEBVTT")
          .contains(" --> ");
      assertThat(Files.readString(outDir.resolve("transcript.srt"))).contains(" --> ");
      try (var listing = Files.list(outDir)) {
        assertThat(listing.map(p -> p.getFileName().toString()))
            .as("no temporary files left")
            .containsExactlyInAnyOrder(
                "transcript.jsonl", "transcript.srt", "transcript.vtt", "events.jsonl");
      }
    } finally {
      child.process.destroyForcibly();
    }
  }

  @Test
  void ctrlCWritesTheSummaryAndEveryFileAndExits130(@TempDir Path dir) throws Exception {
    stopsWithEverythingWritten("INT", 130, dir);
  }

  @Test
  void sigtermWritesTheSummaryAndEveryFileAndExits143(@TempDir Path dir) throws Exception {
    stopsWithEverythingWritten("TERM", 143, dir);
  }

  @Test
  void aUsageErrorIsOneLineAndExitStatus2(@TempDir Path dir) throws Exception {
    Child child = new Child(List.of("--language", "x!"));
    assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    child.awaitOutput();
    assertThat(child.process.exitValue()).isEqualTo(2);
    assertThat(child.stderr()).contains("error: --language").doesNotContain("\tat ");
    assertThat(child.stdout()).isEmpty();
  }

  @Test
  void anOutputDirectoryThatCannotBeWrittenFailsBeforeTheModelLoads(@TempDir Path dir)
      throws Exception {
    Path blocked = Files.writeString(dir.resolve("file"), "x").resolve("sub");
    Child child = new Child(List.of("--out", blocked.toString()));
    assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    child.awaitOutput();
    assertThat(child.process.exitValue()).isEqualTo(2);
    assertThat(child.stderr()).contains("--out", "cannot be written").doesNotContain("\tat ");
    assertThat(child.stdout()).doesNotContain("Loading the speech model");
  }
}
