package dev.audiopipeline.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MelFftTest {
  /**
   * Every radix path: 4, 2, 3, 5, a generic prime (7, 13), mixed, and the size the features use.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 30, 60, 64, 100, 200, 210, 400})
  void equalsTheDefinitionOfTheDft(int n) {
    Random random = new Random(n);
    double[] re = new double[n];
    double[] im = new double[n];
    for (int i = 0; i < n; i++) {
      re[i] = random.nextGaussian();
      im[i] = random.nextGaussian();
    }
    double[] wantRe = new double[n];
    double[] wantIm = new double[n];
    for (int k = 0; k < n; k++) {
      for (int t = 0; t < n; t++) {
        double a = -2 * Math.PI * ((long) t * k % n) / n;
        wantRe[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
        wantIm[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
      }
    }
    double[] re2 = re.clone();
    double[] im2 = im.clone();
    MelFft fft = new MelFft(n);
    fft.transform(re, im);
    fft.transform(re2, im2); // the second run on the same instance: scratch reuse leaks nothing
    for (int k = 0; k < n; k++) {
      assertThat(re[k]).as("re[%d] of %d", k, n).isCloseTo(wantRe[k], offset(1e-9 * n));
      assertThat(im[k]).as("im[%d] of %d", k, n).isCloseTo(wantIm[k], offset(1e-9 * n));
      assertThat(re2[k]).isEqualTo(re[k]);
      assertThat(im2[k]).isEqualTo(im[k]);
    }
  }

  @Test
  void refusesWrongLengths() {
    MelFft fft = new MelFft(200);
    assertThatThrownBy(() -> fft.transform(new double[100], new double[200]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("size 200");
    assertThatThrownBy(() -> new MelFft(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MelFft(2 * 67))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prime factor 67");
  }
}
