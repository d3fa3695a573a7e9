package dev.audiopipeline.turn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The model files shipped in this jar (see {@code models/NOTICE.txt} for origin and licences). */
final class BundledModels {
  /** Silero VAD v5, MIT. */
  static final String SILERO_VAD = "silero_vad.onnx";

  /** Smart Turn v3.2 (CPU build), BSD-2. */
  static final String SMART_TURN = "smart-turn-v3.2-cpu.onnx";

  private BundledModels() {}

  /**
   * The bytes of a bundled model.
   *
   * @throws IllegalStateException if the jar lacks it (a broken build or a shaded jar that dropped
   *     resources)
   */
  static byte[] read(String name) {
    String path = "/dev/audiopipeline/turn/models/" + name;
    try (InputStream in = BundledModels.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(
            "model "
                + path
                + " is missing from the class path: the turn-detection jar ships it;"
                + " a shaded or repackaged jar must keep its resources");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read bundled model " + path, e);
    }
  }
}
