package dev.audiopipeline.consumertest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published modules as a user consumes them. {@link ConsumerProgram} (compiled by this module
 * against their descriptors, on the module path) runs in its own JVM twice: with {@code
 * --module-path} and with {@code -cp}, each time against the protocol fakes on 127.0.0.1. And a
 * source that imports the runtime internals does not compile on the module path.
 */
class ModulePathConsumerTest {
  static final String MODULE = "dev.audiopipeline.consumertest";
  static final String MAIN = "dev.audiopipeline.consumertest.ConsumerProgram";

  /** Made-up keys the fakes accept. */
  static final String DEEPGRAM_KEY = "consumer-test-dg-key";

  static final String ELEVENLABS_KEY = "consumer-test-el-key";

  /** The published modules and their runtime dependencies (the reactor's jars), as for users. */
  static List<String> runtimePath;

  /** The same at compile scope, as a modular user's javac sees it. */
  static List<String> compilePath;

  static Path classes;

  @BeforeAll
  static void readPaths() throws IOException {
    runtimePath = path("consumer.runtimePath", "target/runtime-path.txt");
    compilePath = path("consumer.compilePath", "target/compile-path.txt");
    classes = Path.of(System.getProperty("consumer.classes", "target/classes"));
    assertThat(classes.resolve("module-info.class")).as("the program's descriptor").exists();
    assertThat(runtimePath)
        .as("the published modules on the runtime path")
        .anyMatch(p -> p.contains("core"))
        .anyMatch(p -> p.contains("stt-deepgram"))
        .anyMatch(p -> p.contains("livekit"));
  }

  private static List<String> path(String property, String fallback) throws IOException {
    Path file = Path.of(System.getProperty(property, fallback));
    String text = Files.readString(file, StandardCharsets.UTF_8).trim();
    return Arrays.stream(text.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList();
  }

  @Test
  void theProgramRunsOnTheModulePath(@TempDir Path dir) throws Exception {
    String out = run(dir, true);
    assertThat(out).contains("path: module " + MODULE);
    assertThat(out)
        .contains("core: dev.audiopipeline.core, internal.runtime exported to us: false");
    assertWorked(out, dir);
  }

  @Test
  void theSameProgramRunsOnTheClassPath(@TempDir Path dir) throws Exception {
    String out = run(dir, false);
    assertThat(out).contains("path: class path");
    assertThat(out).contains("core: unnamed");
    assertWorked(out, dir);
  }

  @Test
  void runtimeInternalsDoNotCompileOnTheModulePath(@TempDir Path dir) throws IOException {
    String internal =
        "package consumer.bad;\n"
            + "import dev.audiopipeline.internal.runtime.NamedThreadFactory;\n"
            + "public class UsesInternals { Object f = NamedThreadFactory.class; }\n";
    List<String> errors = compileModule(dir.resolve("bad"), internal);
    assertThat(errors).as("compiler errors").isNotEmpty();
    assertThat(String.join("\n", errors))
        .contains("dev.audiopipeline.internal.runtime")
        .containsAnyOf("does not export", "not visible");

    // the same module compiles when it imports the API: the failure is the descriptor's doing
    String api =
        "package consumer.bad;\n"
            + "import dev.audiopipeline.AudioPipeline;\n"
            + "public class UsesInternals { Object f = AudioPipeline.class; }\n";
    assertThat(compileModule(dir.resolve("good"), api)).as("compiler errors").isEmpty();
  }

  /** Compiles module {@code consumer.bad} (requires core) on the compile path; the errors. */
  private static List<String> compileModule(Path dir, String source) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK's compiler").isNotNull();
    Path out = Files.createDirectories(dir.resolve("classes"));
    List<JavaFileObject> units =
        List.of(
            new Source(
                "module-info.java", "module consumer.bad { requires dev.audiopipeline.core; }"),
            new Source("consumer/bad/UsesInternals.java", source));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<String> options =
        List.of(
            "--release",
            "17",
            "-d",
            out.toString(),
            "--module-path",
            String.join(File.pathSeparator, compilePath));
    StringWriter log = new StringWriter();
    javac.getTask(log, null, diagnostics, options, null, units).call();
    List<String> errors = new ArrayList<>();
    diagnostics.getDiagnostics().stream()
        .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
        .forEach(d -> errors.add(d.getMessage(Locale.ROOT)));
    return errors;
  }

  private static final class Source extends SimpleJavaFileObject {
    private final String code;

    Source(String path, String code) {
      super(URI.create("string:///" + path), Kind.SOURCE);
      this.code = code;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return code;
    }
  }

  /** Runs the program in a child JVM against fresh fakes; its stdout (stderr in the message). */
  private static String run(Path dir, boolean modulePath) throws Exception {
    try (FakeDeepgramServer dg = FakeDeepgramServer.builder().apiKey(DEEPGRAM_KEY).build();
        FakeElevenLabsSttServer el =
            FakeElevenLabsSttServer.builder().apiKey(ELEVENLABS_KEY).build();
        FakeElevenLabsTtsServer tts =
            FakeElevenLabsTtsServer.builder().apiKey(ELEVENLABS_KEY).start()) {
      List<String> path = new ArrayList<>();
      path.add(classes.toString());
      path.addAll(runtimePath);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      if (modulePath) {
        cmd.addAll(
            List.of(
                "--module-path",
                String.join(File.pathSeparator, path),
                "--module",
                MODULE + "/" + MAIN));
      } else {
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, path), MAIN));
      }
      cmd.addAll(List.of(dir.toString(), dg.baseUrl(), el.baseUrl(), tts.httpBaseUrl()));
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectOutput(dir.resolve("stdout.txt").toFile())
              .redirectError(dir.resolve("stderr.txt").toFile());
      pb.environment().put("DEEPGRAM_API_KEY", DEEPGRAM_KEY);
      pb.environment().put("ELEVENLABS_API_KEY", ELEVENLABS_KEY);
      Process p = pb.start();
      boolean exited = p.waitFor(3, TimeUnit.MINUTES);
      if (!exited) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String stdout = Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8);
      String stderr = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
      assertThat(exited)
          .as("exited within 3 minutes; stdout %s stderr %s", stdout, stderr)
          .isTrue();
      assertThat(p.exitValue()).as("exit status; stdout %s stderr %s", stdout, stderr).isZero();
      return stdout;
    }
  }

  private static void assertWorked(String out, Path dir) throws IOException {
    assertThat(out).containsPattern("freetts: alice \\d+\\.\\d s, bob \\d+\\.\\d s");
    for (String provider : List.of("deepgram", "elevenlabs")) {
      // one final per speaker at least, each labelled with its speaker; bob after alice
      assertThat(out).containsPattern("(?m)^" + provider + ": alice \\d+-\\d+ ms: \\S+");
      assertThat(out).containsPattern("(?m)^" + provider + ": bob \\d+-\\d+ ms: \\S+");
      List<String> jsonl = Files.readAllLines(dir.resolve(provider + ".jsonl"));
      assertThat(jsonl)
          .as(provider + ".jsonl")
          .isNotEmpty()
          .anyMatch(l -> l.contains("\"speaker\":\"alice\""))
          .anyMatch(l -> l.contains("\"speaker\":\"bob\""));
    }
    assertThat(out).containsPattern("elevenlabs-tts: [1-9]\\d* samples");
    assertThat(out).contains("livekit: room consumer-room as audio-pipeline-bot");
    assertThat(out).containsPattern("livekit-agent: reconnects [1-9]\\d*, terminated true");
    assertThat(out).endsWith("done\n");
  }
}
