package dev.audiopipeline.turn;

import java.util.Arrays;

/**
 * Whisper-style log-mel features as Smart Turn v3 takes them: the same numbers as Hugging Face's
 * {@code WhisperFeatureExtractor(chunk_length=8)} with {@code do_normalize=True}, which is what
 * pipecat's {@code LocalSmartTurnAnalyzerV3} feeds the model.
 *
 * <ol>
 *   <li>The input (at most {@value #MAX_SAMPLES} samples = 8 s at 16 kHz) is placed at the
 *       <em>end</em> of an 8 s window; the front is zeros (pipecat pads at the start, so the last
 *       word is always at the same place).
 *   <li>The whole 8 s window, padding included, is normalised to zero mean and unit variance
 *       ({@code (x − mean) / sqrt(var + 1e−7)}), so the loudness of the input does not matter.
 *   <li>Centred short-time Fourier transform: reflect padding of 200 samples at each side, a
 *       400-sample (25 ms) periodic Hann window every 160 samples (10 ms), power spectrum of 201
 *       bins. Of the 801 frames the last is dropped: {@value #FRAMES} frames.
 *   <li>{@value #MELS} triangular mel filters, Slaney scale and area normalisation, 0–8 kHz.
 *   <li>{@code log10(max(mel, 1e−10))}, floored at the window's maximum − 8, then {@code (x + 4) /
 *       4}.
 * </ol>
 *
 * <p>The output is {@code [mel][frame]}, row-major: {@code out[m * FRAMES + t]}, the layout of the
 * model's {@code input_features [batch, 80, 800]}. The arithmetic is in double precision, like the
 * reference (numpy promotes to float64); the result is rounded to float.
 *
 * <p>Not thread-safe: an instance owns about 0.6 MB of scratch buffers and allocates nothing per
 * call; use one per thread (or a pool). The window, filters and FFT plan are built once.
 */
final class WhisperFeatures {
  static final int SAMPLE_RATE = 16_000;

  /** 8 s: the model's fixed input length in samples. */
  static final int MAX_SAMPLES = 8 * SAMPLE_RATE;

  static final int N_FFT = 400;
  static final int HOP = 160;
  static final int MELS = 80;

  /** Frames in the model input (the 801st of the centred STFT is dropped). */
  static final int FRAMES = MAX_SAMPLES / HOP;

  /** Values in {@link #compute} output: {@value #MELS} × {@value #FRAMES}. */
  static final int SIZE = MELS * FRAMES;

  private static final int BINS = N_FFT / 2 + 1;
  private static final int PAD = N_FFT / 2;
  private static final int HALF = N_FFT / 2;
  private static final double MEL_FLOOR = 1e-10;
  private static final double VARIANCE_EPS = 1e-7;

  /** Periodic Hann window of {@value #N_FFT} samples (as {@code torch.hann_window}). */
  private static final double[] WINDOW = new double[N_FFT];

  /** Filter m is non-zero on bins {@code [FIRST_BIN[m], FIRST_BIN[m] + WEIGHTS[m].length)}. */
  private static final int[] FIRST_BIN = new int[MELS];

  private static final double[][] WEIGHTS = new double[MELS][];

  /** {@code e^(-2πi·k/N_FFT)} for k ≤ N_FFT/2: the split of the real FFT's two halves. */
  private static final double[] SPLIT_RE = new double[BINS];

  private static final double[] SPLIT_IM = new double[BINS];

  static {
    for (int i = 0; i < N_FFT; i++) {
      WINDOW[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / N_FFT);
    }
    for (int k = 0; k < BINS; k++) {
      SPLIT_RE[k] = Math.cos(-2 * Math.PI * k / N_FFT);
      SPLIT_IM[k] = Math.sin(-2 * Math.PI * k / N_FFT);
    }
    buildMelFilters();
  }

  /** Slaney-style triangular filters with area normalisation, 0 Hz to the Nyquist frequency. */
  private static void buildMelFilters() {
    double melMax = hertzToMel(SAMPLE_RATE / 2.0);
    double[] edges = new double[MELS + 2]; // filter edges in Hz, evenly spaced in mel
    for (int i = 0; i < edges.length; i++) {
      edges[i] = melToHertz(melMax * i / (MELS + 1));
    }
    double binHz = (SAMPLE_RATE / 2.0) / (BINS - 1);
    double[] row = new double[BINS];
    for (int m = 0; m < MELS; m++) {
      double lower = edges[m];
      double centre = edges[m + 1];
      double upper = edges[m + 2];
      double norm = 2.0 / (upper - lower);
      int first = -1;
      int last = -1;
      for (int k = 0; k < BINS; k++) {
        double f = k * binHz;
        double up = (f - lower) / (centre - lower);
        double down = (upper - f) / (upper - centre);
        row[k] = Math.max(0, Math.min(up, down)) * norm;
        if (row[k] > 0) {
          if (first < 0) {
            first = k;
          }
          last = k;
        }
      }
      FIRST_BIN[m] = Math.max(first, 0);
      WEIGHTS[m] = first < 0 ? new double[0] : Arrays.copyOfRange(row, first, last + 1);
    }
  }

  /** Slaney mel scale: linear below 1 kHz (3 mel per 200 Hz), logarithmic above. */
  static double hertzToMel(double hz) {
    return hz < 1000 ? 3.0 * hz / 200.0 : 15.0 + Math.log(hz / 1000.0) * (27.0 / Math.log(6.4));
  }

  static double melToHertz(double mel) {
    return mel < 15 ? 200.0 * mel / 3.0 : 1000.0 * Math.exp((Math.log(6.4) / 27.0) * (mel - 15));
  }

  private final MelFft fft = new MelFft(N_FFT / 2);

  /** The normalised 8 s window with {@value #PAD} reflected samples at each side. */
  private final float[] padded = new float[MAX_SAMPLES + 2 * PAD];

  private final double[] re = new double[N_FFT / 2];
  private final double[] im = new double[N_FFT / 2];
  private final double[] power = new double[BINS];

  /** Allocates the output and calls {@link #compute(float[], int, int, float[])}. */
  float[] compute(float[] samples, int offset, int length) {
    float[] out = new float[SIZE];
    compute(samples, offset, length, out);
    return out;
  }

  /**
   * Writes the features of {@code samples[offset, offset + length)} (16 kHz; any scale, the window
   * is normalised) to {@code out[0, SIZE)}.
   *
   * @throws IllegalArgumentException if the range is empty, longer than {@value #MAX_SAMPLES}
   *     samples, outside the array, if {@code out} is shorter than {@value #SIZE}, or if a sample
   *     is NaN or infinite
   */
  void compute(float[] samples, int offset, int length, float[] out) {
    checkRange(samples, offset, length);
    if (out.length < SIZE) {
      throw new IllegalArgumentException(
          "output holds " + out.length + " values, needs " + SIZE + " (80 mels × 800 frames)");
    }
    int zeros = MAX_SAMPLES - length;
    // Mean and variance of the whole 8 s window (the leading zeros count), two passes in double.
    double sum = 0;
    for (int i = 0; i < length; i++) {
      sum += samples[offset + i];
    }
    if (!Double.isFinite(sum)) {
      throw nonFinite(samples, offset, length);
    }
    double mean = sum / MAX_SAMPLES;
    double squares = zeros * mean * mean;
    for (int i = 0; i < length; i++) {
      double d = samples[offset + i] - mean;
      squares += d * d;
    }
    double scale = 1.0 / Math.sqrt(squares / MAX_SAMPLES + VARIANCE_EPS);
    float padValue = (float) (-mean * scale);
    Arrays.fill(padded, PAD, PAD + zeros, padValue);
    for (int i = 0; i < length; i++) {
      padded[PAD + zeros + i] = (float) ((samples[offset + i] - mean) * scale);
    }
    for (int k = 1; k <= PAD; k++) { // reflect, not repeating the edge sample
      padded[PAD - k] = padded[PAD + k];
      padded[PAD + MAX_SAMPLES - 1 + k] = padded[PAD + MAX_SAMPLES - 1 - k];
    }
    // Frames that lie wholly in the constant padding all have the same spectrum: compute it once.
    int constantEnd = zeros > PAD ? PAD + zeros : 0; // padded[0, constantEnd) is padValue
    int constantColumn = -1;
    double max = Double.NEGATIVE_INFINITY;
    for (int t = 0; t < FRAMES; t++) {
      int start = t * HOP;
      if (start + N_FFT <= constantEnd && constantColumn >= 0) {
        for (int m = 0; m < MELS; m++) {
          out[m * FRAMES + t] = out[m * FRAMES + constantColumn];
        }
        continue;
      }
      if (start + N_FFT <= constantEnd) {
        constantColumn = t;
      }
      powerSpectrum(start);
      for (int m = 0; m < MELS; m++) {
        double[] w = WEIGHTS[m];
        int first = FIRST_BIN[m];
        double e = 0;
        for (int k = 0; k < w.length; k++) {
          e += w[k] * power[first + k];
        }
        double log = Math.log10(Math.max(e, MEL_FLOOR));
        max = Math.max(max, log);
        out[m * FRAMES + t] = (float) log;
      }
    }
    float floor = (float) (max - 8.0);
    for (int i = 0; i < SIZE; i++) {
      out[i] = (Math.max(out[i], floor) + 4.0f) / 4.0f;
    }
  }

  /**
   * {@code power[k] = |X[k]|²} of the windowed frame {@code padded[start, start + N_FFT)}, by one
   * complex FFT of half the size: even samples as the real part, odd ones as the imaginary part.
   */
  private void powerSpectrum(int start) {
    for (int i = 0; i < HALF; i++) {
      re[i] = padded[start + 2 * i] * WINDOW[2 * i];
      im[i] = padded[start + 2 * i + 1] * WINDOW[2 * i + 1];
    }
    fft.transform(re, im);
    for (int k = 0; k < BINS; k++) {
      int a = k == HALF ? 0 : k;
      int b = k == 0 ? 0 : HALF - k;
      // Z[k] and conj(Z[HALF - k]) give the spectra of the even (E) and odd (O) samples
      double zr = re[a];
      double zi = im[a];
      double cr = re[b];
      double ci = -im[b];
      double er = 0.5 * (zr + cr);
      double ei = 0.5 * (zi + ci);
      double dr = zr - cr;
      double di = zi - ci;
      double or = 0.5 * di; // O = (Z − conj) / 2i
      double oi = -0.5 * dr;
      double xr = er + SPLIT_RE[k] * or - SPLIT_IM[k] * oi;
      double xi = ei + SPLIT_RE[k] * oi + SPLIT_IM[k] * or;
      power[k] = xr * xr + xi * xi;
    }
  }

  static void checkRange(float[] samples, int offset, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException(
          "no audio: length " + length + "; pass 1 to " + MAX_SAMPLES + " samples (8 s at 16 kHz)");
    }
    if (length > MAX_SAMPLES) {
      throw new IllegalArgumentException(
          "length "
              + length
              + " samples is more than the model's 8 s ("
              + MAX_SAMPLES
              + " samples at 16 kHz); pass the last 8 s");
    }
    if (offset < 0 || offset > samples.length - length) {
      throw new IllegalArgumentException(
          "range ["
              + offset
              + ", "
              + ((long) offset + length)
              + ") is outside the array of "
              + samples.length
              + " samples");
    }
  }

  private static IllegalArgumentException nonFinite(float[] samples, int offset, int length) {
    for (int i = 0; i < length; i++) {
      float v = samples[offset + i];
      if (!Float.isFinite(v)) {
        return new IllegalArgumentException(
            "sample " + (offset + i) + " is " + v + "; samples must be finite, in [-1, 1]");
      }
    }
    return new IllegalArgumentException(
        "the samples sum to infinity; samples must be finite, in [-1, 1]");
  }
}
