package dev.audiopipeline.turn;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The reference cases made by {@code scripts/make-mel-fixture.py} from pipecat's own Python code:
 * input audio, pipecat's features and pipecat's Smart Turn probability.
 */
final class SmartTurnFixture {
  static final String RESOURCE = "/dev/audiopipeline/turn/smart-turn-fixture.bin.gz";

  /** One case: the input as pipecat's model sees it (int16 / 32768) and pipecat's outputs. */
  record Case(String name, float[] samples, double probability, float[] features) {}

  private SmartTurnFixture() {}

  static List<Case> cases() {
    try (InputStream raw = SmartTurnFixture.class.getResourceAsStream(RESOURCE)) {
      if (raw == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the test class path");
      }
      ByteBuffer b =
          ByteBuffer.wrap(new DataInputStream(new GZIPInputStream(raw)).readAllBytes())
              .order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[6];
      b.get(magic);
      if (!new String(magic, StandardCharsets.US_ASCII).equals("APMEL1")) {
        throw new IllegalStateException(RESOURCE + " is not an APMEL1 fixture");
      }
      int count = b.getInt();
      List<Case> cases = new ArrayList<>();
      for (int c = 0; c < count; c++) {
        byte[] name = new byte[b.getInt()];
        b.get(name);
        float[] samples = new float[b.getInt()];
        for (int i = 0; i < samples.length; i++) {
          samples[i] = b.getShort() / 32768f;
        }
        double probability = b.getFloat();
        float[] features = new float[WhisperFeatures.SIZE];
        b.asFloatBuffer().get(features);
        b.position(b.position() + features.length * Float.BYTES);
        cases.add(
            new Case(new String(name, StandardCharsets.UTF_8), samples, probability, features));
      }
      if (b.hasRemaining()) {
        throw new IllegalStateException(RESOURCE + " has " + b.remaining() + " bytes left over");
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
