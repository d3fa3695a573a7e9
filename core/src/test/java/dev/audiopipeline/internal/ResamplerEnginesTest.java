package dev.audiopipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vectorisable block engine and the plain polyphase engine implement the same filter and the
 * same timing, so on the same input they agree to within float rounding (one s16 step).
 */
class ResamplerEnginesTest {

  @ParameterizedTest(name = "{0} Hz x{2} -> {1} Hz")
  @CsvSource({
    "8000, 16000, 1",
    "8000, 24000, 2",
    "16000, 24000, 1",
    "24000, 16000, 2",
    "32000, 24000, 1",
    "16000, 48000, 1",
    "24000, 32000, 3"
  })
  void blockResamplerMatchesThePolyphaseFilter(int inRate, int outRate, int channels) {
    int g = Resampler.gcd(inRate, outRate);
    Resampler block = Resampler.create(inRate, channels, outRate);
    assertThat(block).isInstanceOf(BlockResampler.class);
    PolyphaseResampler plain =
        new PolyphaseResampler(outRate / g, inRate / g, inRate, outRate);
    assertThat(block.delayFrames()).isEqualTo(plain.delayFrames());

    Random rnd = new Random(inRate * 31L + outRate);
    short[] x = new short[inRate / 2 * channels];
    for (int i = 0; i < x.length; i++) {
      x[i] = (short) (rnd.nextInt(30001) - 15000);
    }
    short[] a = new short[block.maxOutput(x.length / channels) + block.maxDrain()];
    short[] b = new short[plain.maxOutput(x.length / channels) + plain.maxDrain()];
    int na = block.process(x, 0, x.length / channels, channels, a, 0);
    na += block.drain(a, na);
    int nb = plain.process(x, 0, x.length / channels, channels, b, 0);
    nb += plain.drain(b, nb);

    assertThat(na).isEqualTo(nb);
    int worst = 0;
    for (int i = 0; i < na; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertThat(worst).as("largest difference in s16 steps").isLessThanOrEqualTo(1);
  }
}
