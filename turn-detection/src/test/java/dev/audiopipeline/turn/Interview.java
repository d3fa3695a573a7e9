package dev.audiopipeline.turn;

import dev.audiopipeline.io.WavFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The bundled interview (a copy of examples' {@code interview/}: one 16 kHz mono track per speaker,
 * digital silence while the other speaks) and its reference timeline {@code script.tsv}.
 */
final class Interview {
  /** One line of script.tsv; {@code startMs} is where the speaker's TTS clip begins. */
  record Turn(String speaker, int startMs, int endMs, String text) {}

  private Interview() {}

  static short[] track(String speaker) {
    String name = "/dev/audiopipeline/turn/interview/" + speaker + ".wav";
    try (InputStream in = Objects.requireNonNull(Interview.class.getResourceAsStream(name), name);
        WavFile.Reader reader = WavFile.open(in, name)) {
      return reader.readAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Turn> turns(String speaker) {
    List<Turn> turns = new ArrayList<>();
    String name = "/dev/audiopipeline/turn/interview/script.tsv";
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(Interview.class.getResourceAsStream(name), name),
                StandardCharsets.UTF_8))) {
      r.readLine(); // header
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.split("\t");
        if (f[0].equals(speaker)) {
          turns.add(new Turn(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return turns;
  }

  /**
   * Where the voice of a turn becomes audible: its first sample at or above -40 dBFS (328). The
   * clip's first ~200 ms after {@code startMs} are flite's lead-in, samples far below that.
   */
  static int audibleStartMs(short[] track, Turn turn) {
    for (int i = turn.startMs() * 16; i < turn.endMs() * 16; i++) {
      if (Math.abs(track[i]) >= 328) {
        return i / 16;
      }
    }
    throw new AssertionError("no audible sample in " + turn);
  }
}
