package dev.audiopipeline.buildtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listing is built from real classes that javac compiles here from small sources. */
class ApiListingTest {
  @TempDir Path dir;

  private static final String API_V1 =
      "package demo.api;\n"
          + "public final class Meter<T extends Comparable<T>> implements AutoCloseable {\n"
          + "  public static final int LIMIT = 3;\n"
          + "  public Meter(String name) {}\n"
          + "  public long read(int channel) { return channel; }\n"
          + "  public java.util.List<? extends T> all(String... names) { return java.util.List.of(); }\n"
          + "  public @org.jspecify.annotations.Nullable String label() { return null; }\n"
          + "  void packagePrivate() {}\n"
          + "  private int hidden;\n"
          + "  @Override public void close() {}\n"
          + "  public enum Mode { FAST, SLOW }\n"
          + "  private static final class Hidden { public void notApi() {} }\n"
          + "  public interface Listener { void on(long value); default void done() {} }\n"
          + "  public class Reading { public Reading(int at) {} }\n"
          + "}\n";

  private static final String INTERNAL =
      "package demo.internal;\npublic final class Engine { public void run() {} }\n";

  private static final String DESCRIPTOR =
      "module demo { requires static org.jspecify; exports demo.api;"
          + " exports demo.internal to java.base; }\n";

  @Test
  void listsPublicAndProtectedMembersOfExportedPackagesOnly() throws IOException {
    Path classes = compile("v1", Map.of("demo/api/Meter.java", API_V1), true);

    String listing = ApiListing.listing("demo", classes);

    assertThat(listing)
        .startsWith("# demo: public API of demo.api ")
        .contains(
            "public final class demo.api.Meter<T extends java.lang.Comparable<T>>"
                + " implements java.lang.AutoCloseable\n")
        .contains("  public Meter(java.lang.String)\n")
        .contains("  public long read(int)\n")
        .contains("  public java.util.List<? extends T> all(java.lang.String...)\n")
        .contains("  public @Nullable java.lang.String label()\n")
        .contains("  public static final int LIMIT\n")
        .contains("public enum demo.api.Meter$Mode\n")
        .contains("  public static final demo.api.Meter$Mode FAST\n")
        .contains("public interface demo.api.Meter$Listener\n")
        .contains("  public default void done()\n")
        // an inner class's constructor without the implicit outer instance, on every JDK
        .contains("public class demo.api.Meter$Reading\n  public Reading(int)\n")
        .doesNotContain("packagePrivate", "hidden", "Hidden", "notApi")
        // a package exported only to a named module is not public API
        .doesNotContain("demo.internal", "Engine");
  }

  @Test
  void aChangedSignatureChangesTheListingAndFailsTheCheck() throws IOException {
    Path v1 = compile("v1", Map.of("demo/api/Meter.java", API_V1), true);
    Path v2 =
        compile(
            "v2",
            Map.of(
                "demo/api/Meter.java",
                API_V1.replace("long read(int channel)", "long read(long channel)")),
            true);

    String before = ApiListing.listing("demo", v1);
    String after = ApiListing.listing("demo", v2);

    assertThat(after).isNotEqualTo(before).contains("  public long read(long)\n");
    assertThat(ApiListing.diff(before, after))
        .isEqualTo(
            "  + demo.api.Meter { public long read(long) }\n"
                + "  - demo.api.Meter { public long read(int) }\n");

    // the command line: a listing written from v1 fails against v2, with how to accept it
    Path root = dir.resolve("root");
    Files.createDirectories(root.resolve("api"));
    Files.writeString(root.resolve("api/demo.api"), before);
    Files.createDirectories(root.resolve("demo/target"));
    copy(v2, root.resolve("demo/target/classes"));
    assertThatThrownBy(() -> ApiListing.main(new String[] {"check", root.toString(), "demo"}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("api/demo.api")
        .hasMessageContaining("public long read(long)")
        .hasMessageContaining("-Dapi.update=true");

    // update accepts it, and the check passes afterwards
    ApiListing.main(new String[] {"update", root.toString(), "demo"});
    assertThat(Files.readString(root.resolve("api/demo.api"))).isEqualTo(after);
    ApiListing.main(new String[] {"check", root.toString(), "demo"});
  }

  @Test
  void movingMembersInsideAFileChangesNothing() throws IOException {
    String reordered =
        API_V1
            .replace("  public long read(int channel) { return channel; }\n", "")
            .replace(
                "  @Override public void close() {}\n",
                "  @Override public void close() {}\n  public long read(int channel) { return channel; }\n");
    Path v1 = compile("v1", Map.of("demo/api/Meter.java", API_V1), true);
    Path moved = compile("moved", Map.of("demo/api/Meter.java", reordered), true);

    assertThat(ApiListing.listing("demo", moved)).isEqualTo(ApiListing.listing("demo", v1));
  }

  @Test
  void anAutomaticModuleExportsAllButInternalPackages() throws IOException {
    Path classes = compile("auto", Map.of("demo/api/Meter.java", API_V1), false);

    String listing = ApiListing.listing("auto", classes);

    assertThat(listing).startsWith("# auto: public API of demo.api ").contains("demo.api.Meter");
    assertThat(listing).doesNotContain("demo.internal", "Engine");
  }

  @Test
  void aMissingClassesDirectoryIsAClearError() {
    assertThatThrownBy(() -> ApiListing.listing("none", dir.resolve("absent")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a directory of compiled classes");
  }

  private Path compile(String name, Map<String, String> api, boolean descriptor)
      throws IOException {
    Path src = dir.resolve(name + "-src");
    Path out = dir.resolve(name + "-classes");
    Files.createDirectories(out);
    List<String> files = new ArrayList<>();
    Map<String, String> all = new java.util.TreeMap<>(api);
    all.put("demo/internal/Engine.java", INTERNAL);
    if (descriptor) {
      all.put("module-info.java", DESCRIPTOR);
    }
    for (Map.Entry<String, String> e : all.entrySet()) {
      Path file = src.resolve(e.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, e.getValue());
      files.add(file.toString());
    }
    // the jspecify jar itself (another jar on the class path may shade its classes)
    String jspecify =
        Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
            .filter(e -> Path.of(e).getFileName().toString().startsWith("jspecify-"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no jspecify jar on the class path"));
    List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", "17"));
    args.addAll(List.of(descriptor ? "--module-path" : "-classpath", jspecify));
    args.addAll(files);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, args.toArray(new String[0]));
    assertThat(rc).as("javac exit code").isZero();
    return out;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
