package dev.audiopipeline.examples.cli;

import dev.audiopipeline.Transcript;
import dev.audiopipeline.io.TranscriptWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** The {@code --out DIR} files: {@code transcript.jsonl}, {@code .srt} and {@code .vtt}. */
public final class TranscriptFiles {
  private TranscriptFiles() {}

  /**
   * Creates the output directory and checks that a file can be created in it, before any work is
   * done; refuses a path that exists and is not a directory.
   *
   * @throws IllegalArgumentException naming {@code --out} and what is accepted
   */
  public static void prepareOutputDir(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--out " + dir + " exists and is not a directory: give a directory (created if absent)");
    }
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".transcript-", ".probe");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          "--out "
              + dir
              + " cannot be written: "
              + e
              + ": give a directory you can write to (created if absent)",
          e);
    }
  }

  /**
   * Writes transcript.jsonl, .srt and .vtt into {@code dir}: each to a temporary file first, moved
   * into place only when all three are complete, so a failure leaves no half-written transcript.
   *
   * @return the three files
   */
  public static List<Path> write(Path dir, List<Transcript> finals) throws IOException {
    Files.createDirectories(dir);
    List<Path> temps = new ArrayList<>();
    List<Path> targets = new ArrayList<>();
    try {
      for (String ext : List.of("jsonl", "srt", "vtt")) {
        Path target = dir.resolve("transcript." + ext);
        Path temp = dir.resolve(".transcript." + ext + ".part");
        temps.add(temp);
        targets.add(target);
        try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
            TranscriptWriter tw =
                switch (ext) {
                  case "jsonl" -> TranscriptWriter.jsonl(w);
                  case "srt" -> TranscriptWriter.srt(w);
                  default -> TranscriptWriter.webVtt(w);
                }) {
          for (Transcript t : finals) {
            tw.write(t);
          }
        }
      }
      for (int i = 0; i < temps.size(); i++) {
        try {
          Files.move(
              temps.get(i),
              targets.get(i),
              StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temps.get(i), targets.get(i), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return targets;
    } finally {
      for (Path t : temps) {
        Files.deleteIfExists(t);
      }
    }
  }
}
