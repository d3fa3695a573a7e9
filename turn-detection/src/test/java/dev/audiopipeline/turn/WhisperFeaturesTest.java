package dev.audiopipeline.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java features against pipecat's numpy reference ({@code scripts/make-mel-fixture.py}): speech
 * that fills the 8 s window, shorter speech padded at the front, and a tone.
 */
class WhisperFeaturesTest {
  /**
   * Largest difference allowed from the reference, in the model's scaled units (the features span
   * about -1.5 to 2; one log10 step is 0.25). Measured: see the report printed by the test; the
   * reference rounds its input to float32 after normalising, this code too, so what is left is
   * float64 summation order in the FFT and the mel sums.
   */
  static final double TOLERANCE = 1e-4;

  @Test
  void equalPipecatsReferenceFeatures() {
    List<SmartTurnFixture.Case> cases = SmartTurnFixture.cases();
    assertThat(cases).hasSize(3);
    WhisperFeatures features = new WhisperFeatures();
    for (SmartTurnFixture.Case c : cases) {
      float[] got = features.compute(c.samples(), 0, c.samples().length);
      double maxDiff = 0;
      int worst = 0;
      for (int i = 0; i < WhisperFeatures.SIZE; i++) {
        double d = Math.abs(got[i] - c.features()[i]);
        if (d > maxDiff) {
          maxDiff = d;
          worst = i;
        }
      }
      System.out.printf(
          "WhisperFeaturesTest: %s max |java - pipecat| = %.3g (mel %d, frame %d)%n",
          c.name(), maxDiff, worst / WhisperFeatures.FRAMES, worst % WhisperFeatures.FRAMES);
      assertThat(maxDiff).as(c.name()).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void takesTheRangeAsGivenAndReusesItsBuffers() {
    SmartTurnFixture.Case c = SmartTurnFixture.cases().get(1);
    float[] embedded = new float[c.samples().length + 300];
    Arrays.fill(embedded, 0.9f); // around the range: must not be read
    System.arraycopy(c.samples(), 0, embedded, 100, c.samples().length);
    WhisperFeatures features = new WhisperFeatures();
    float[] direct = features.compute(c.samples(), 0, c.samples().length);
    float[] tone = features.compute(SmartTurnFixture.cases().get(2).samples(), 0, 32_000);
    float[] out = new float[WhisperFeatures.SIZE];
    features.compute(embedded, 100, c.samples().length, out);
    assertThat(out).containsExactly(direct);
    assertThat(tone).isNotEqualTo(direct);
  }

  @Test
  void loudnessDoesNotMatter() {
    SmartTurnFixture.Case c = SmartTurnFixture.cases().get(1);
    float[] quiet = c.samples().clone();
    for (int i = 0; i < quiet.length; i++) {
      quiet[i] *= 0.05f;
    }
    WhisperFeatures features = new WhisperFeatures();
    float[] a = features.compute(c.samples(), 0, c.samples().length);
    float[] b = features.compute(quiet, 0, quiet.length);
    double maxDiff = 0;
    for (int i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    assertThat(maxDiff).isLessThan(1e-3);
  }

  @Test
  void silenceGivesTheFloorEverywhere() {
    float[] out = new WhisperFeatures().compute(new float[16_000], 0, 16_000);
    // log10(1e-10) = -10, scaled: (-10 + 4) / 4
    for (float v : out) {
      assertThat(v).isEqualTo(-1.5f);
    }
  }

  @Test
  void refusesBadInputAtOnce() {
    WhisperFeatures f = new WhisperFeatures();
    float[] s = new float[WhisperFeatures.MAX_SAMPLES + 1];
    assertThatThrownBy(() -> f.compute(s, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no audio")
        .hasMessageContaining("1 to 128000 samples");
    assertThatThrownBy(() -> f.compute(s, 0, WhisperFeatures.MAX_SAMPLES + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("128001 samples is more than the model's 8 s");
    assertThatThrownBy(() -> f.compute(s, 10, WhisperFeatures.MAX_SAMPLES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside the array");
    assertThatThrownBy(() -> f.compute(s, -1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside the array");
    assertThatThrownBy(() -> f.compute(s, 0, 10, new float[10]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 64000");
    s[5] = Float.NaN;
    assertThatThrownBy(() -> f.compute(s, 0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sample 5 is NaN");
    s[5] = Float.POSITIVE_INFINITY;
    assertThatThrownBy(() -> f.compute(s, 0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sample 5 is Infinity");
  }
}
