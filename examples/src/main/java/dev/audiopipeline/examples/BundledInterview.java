package dev.audiopipeline.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The interview bundled in the examples' resources: two WAVs and the reference script. */
final class BundledInterview {
  static final String RECRUITER = "recruiter";
  static final String CANDIDATE = "candidate";

  private BundledInterview() {}

  /** One line of the bundled interview's reference script. */
  record ScriptLine(String speaker, long startMs, long endMs, String text) {}

  /** The bundled interview's reference script (who says what, when). */
  static List<ScriptLine> script() throws IOException {
    try (InputStream in = resource("script.tsv")) {
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      List<ScriptLine> script = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isBlank()) {
          continue;
        }
        String[] f = lines[i].split("\t", 4);
        script.add(new ScriptLine(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].trim()));
      }
      return script;
    }
  }

  /** Copies the bundled WAVs to a temporary directory (they may sit inside a jar). */
  static Path extract() throws IOException {
    Path dir = Files.createTempDirectory("audio-pipeline-interview-");
    for (String name : List.of("recruiter.wav", "candidate.wav")) {
      try (InputStream in = resource(name)) {
        Files.copy(in, dir.resolve(name));
      }
    }
    return dir;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = BundledInterview.class.getResourceAsStream("/interview/" + name);
    if (in == null) {
      throw new IOException("bundled interview file /interview/" + name + " is missing");
    }
    return in;
  }

  /** Deletes an extracted copy, quietly: the OS cleans up temporary files eventually. */
  static void deleteQuietly(@Nullable Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary copy of the bundled interview: the OS cleans it up eventually
    }
  }
}
