package dev.audiopipeline.internal.dsp;

/**
 * Kaiser-windowed sinc low-pass design for the resamplers.
 *
 * <p>One normalised specification serves every rate pair. Frequencies are relative to the lower of
 * the two Nyquist frequencies ({@code min(inRate, outRate) / 2}), so for 48 kHz to 16 kHz the
 * reference is 8 kHz:
 *
 * <ul>
 *   <li>pass band within 0.08 dB up to 0.875 (7 kHz), -3 dB near 0.933 (7.47 kHz);
 *   <li>cut-off (-6 dB) at {@value #CUTOFF} (7.62 kHz);
 *   <li>stop band from 1.0625 (8.5 kHz) with about 100 dB of rejection ({@link #BETA} = 10).
 * </ul>
 *
 * <p>These were chosen as the shortest Kaiser design that meets the bar (±0.1 dB to 7 kHz,
 * -3 dB at or above 7.4 kHz, at least 90 dB from 8.5 kHz measured on 16-bit output) with about 10
 * dB to spare in the stop band: 175 taps at 48 kHz.
 *
 * <p>The transition band straddles the output Nyquist on purpose: what aliases from just above it
 * lands just below it (7.5 to 8 kHz for 16 kHz output), where the pass band has already rolled off,
 * and this halves the filter length compared with a filter that stops at Nyquist.
 *
 * <p>The length in taps at the design rate {@code fs} is {@value #TAPS_PER_RATIO} times {@code fs /
 * nyquist}, rounded up to a length the caller asks for (odd, and for decimators one more than a
 * multiple of twice the factor, so that the group delay is a whole number of output samples).
 */
public final class FilterDesign {
  /** Cut-off (-6 dB point) relative to the lower Nyquist frequency. */
  public static final double CUTOFF = 0.9525;

  /** Kaiser window shape: about 100 dB of stop-band rejection. */
  public static final double BETA = 10.0;

  /** Filter length per unit of {@code designRate / nyquist}: 175 taps for 48 kHz to 16 kHz. */
  public static final double TAPS_PER_RATIO = 29.16;

  private FilterDesign() {}

  /**
   * Minimum filter length (before rounding) for a filter running at {@code designRate} whose
   * reference is {@code nyquist}.
   */
  public static long minimumTaps(double designRate, double nyquist) {
    return (long) Math.ceil(TAPS_PER_RATIO * designRate / nyquist);
  }

  /**
   * Windowed-sinc low-pass of {@code taps} coefficients (odd), cut-off {@code cutoff} cycles per
   * sample of the design rate (0 &lt; cutoff &lt; 0.5), Kaiser window {@code beta}, scaled so that
   * the coefficients sum to {@code gain}.
   */
  public static double[] lowPass(int taps, double cutoff, double beta, double gain) {
    if (taps < 1 || (taps & 1) == 0) {
      throw new IllegalArgumentException("taps must be odd and positive: " + taps);
    }
    if (!(cutoff > 0 && cutoff < 0.5)) {
      throw new IllegalArgumentException("cutoff must be in (0, 0.5): " + cutoff);
    }
    double[] h = new double[taps];
    int centre = (taps - 1) / 2;
    double i0Beta = besselI0(beta);
    double sum = 0;
    for (int k = 0; k <= centre; k++) {
      int n = k - centre; // -centre .. 0
      double sinc = n == 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * n) / (Math.PI * n);
      double r = centre == 0 ? 0 : (double) n / centre;
      double w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
      double v = sinc * w;
      h[k] = v;
      h[taps - 1 - k] = v; // exactly symmetric
      sum += k == centre ? v : 2 * v;
    }
    double scale = gain / sum;
    for (int k = 0; k < taps; k++) {
      h[k] *= scale;
    }
    return h;
  }

  /** Modified Bessel function of the first kind, order 0, by its power series. */
  static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double q = x * x / 4;
    for (int k = 1; k < 500; k++) {
      term *= q / ((double) k * k);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return sum;
  }
}
