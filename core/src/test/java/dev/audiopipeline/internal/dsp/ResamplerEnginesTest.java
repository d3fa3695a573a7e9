package dev.audiopipeline.internal.dsp;

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
    PolyphaseResampler plain = new PolyphaseResampler(outRate / g, inRate / g, inRate, outRate);
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

  @ParameterizedTest(name = "{0} Hz -> {1} Hz")
  @CsvSource({"44100, 16000", "22050, 16000", "11025, 16000", "44100, 24000", "48000, 44100"})
  void interpolatedTableMatchesTheExactOne(int inRate, int outRate) {
    // the interpolated engine serves ratios whose exact table is too large; where both can be
    // built they implement the same filter and timing, so they agree to within a few s16 steps
    int g = Resampler.gcd(inRate, outRate);
    PolyphaseResampler exact = new PolyphaseResampler(outRate / g, inRate / g, inRate, outRate);
    InterpolatingResampler interp =
        new InterpolatingResampler(outRate / g, inRate / g, inRate, outRate);
    assertThat(interp.delayFrames()).isEqualTo(exact.delayFrames());

    Random rnd = new Random(inRate * 17L + outRate);
    short[] x = new short[inRate / 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = (short) (rnd.nextInt(30001) - 15000);
    }
    short[] a = new short[exact.maxOutput(x.length) + exact.maxDrain()];
    short[] b = new short[interp.maxOutput(x.length) + interp.maxDrain()];
    int na = exact.process(x, 0, x.length, 1, a, 0);
    na += exact.drain(a, na);
    // the interpolated engine in odd pieces: its exact position arithmetic must not drift
    int nb = 0;
    for (int pos = 0; pos < x.length; ) {
      int n = Math.min(x.length - pos, 1 + rnd.nextInt(500));
      int wrote = interp.process(x, pos, n, 1, b, nb);
      assertThat(wrote).isLessThanOrEqualTo(interp.maxOutput(n));
      nb += wrote;
      pos += n;
    }
    nb += interp.drain(b, nb);

    assertThat(nb).isEqualTo(na);
    int worst = 0;
    for (int i = 0; i < na; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    System.out.printf(
        "%d -> %d Hz: interpolated vs exact, largest difference %d%n", inRate, outRate, worst);
    assertThat(worst).as("largest difference in s16 steps").isLessThanOrEqualTo(3);
  }

  @ParameterizedTest(name = "{0} Hz -> {1} Hz")
  @CsvSource({
    "11025, 16000, PolyphaseResampler",
    "96000, 16000, BlockDecimator",
    "88200, 16000, PolyphaseResampler",
    "44101, 16000, InterpolatingResampler",
    "7919, 16000, InterpolatingResampler"
  })
  void eachPairGetsTheEngineThatFits(int inRate, int outRate, String engine) {
    assertThat(Resampler.create(inRate, 1, outRate).getClass().getSimpleName()).isEqualTo(engine);
  }
}
