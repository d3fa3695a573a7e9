package dev.audiopipeline.audio;

import static dev.audiopipeline.audio.Signals.amplitude;
import static dev.audiopipeline.audio.Signals.convertAll;
import static dev.audiopipeline.audio.Signals.db;
import static dev.audiopipeline.audio.Signals.rms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Streaming, every rate pair, lifecycle and bad input. */
class AudioConverterTest {
  // the common rates, and 44 101 Hz: no large common factor with any output (interpolated table)
  private static final int[] RATES = {
    8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 44101, 48000, 88200, 96000, 192000
  };
  private static final int[] OUT_RATES = {8000, 16000, 24000};

  static Stream<Arguments> pairs() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (int in : RATES) {
      for (int out : OUT_RATES) {
        b.add(Arguments.of(in, out));
      }
    }
    return b.build();
  }

  /** Noise plus a tone, so that every tap of the filter matters. */
  private static short[] testSignal(AudioFormat f, double seconds, long seed) {
    Random rnd = new Random(seed);
    short[] s = Signals.tone(f, 440, 8000, seconds, 0);
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) (s[i] + rnd.nextInt(16001) - 8000);
    }
    return s;
  }

  private static short[] convertInPieces(AudioConverter c, short[] in, int[] sizes) {
    short[] out = new short[c.maxOutputLength(in.length) + in.length + c.maxDrainLength()];
    int n = 0;
    int pos = 0;
    for (int size : sizes) {
      assertThat(c.maxOutputLength(size)).isGreaterThanOrEqualTo(0);
      int wrote = c.convert(in, pos, size, out, n);
      assertThat(wrote).isLessThanOrEqualTo(c.maxOutputLength(size));
      n += wrote;
      pos += size;
    }
    assertThat(pos).isEqualTo(in.length);
    n += c.drain(out, n);
    return Arrays.copyOf(out, n);
  }

  @ParameterizedTest(name = "{0} Hz x{2} -> {1} Hz")
  @MethodSource("streamingCases")
  void outputIsIdenticalWhateverTheSplit(int inRate, int outRate, int channels) {
    AudioFormat in = new AudioFormat(inRate, channels);
    AudioFormat out = AudioFormat.mono(outRate);
    short[] x = testSignal(in, 0.5, inRate + outRate);
    short[] whole = convertAll(AudioConverter.create(in, out), x);

    // 10 ms frames
    int frame = in.samplesIn(10_000);
    int[] tens = new int[(x.length + frame - 1) / frame];
    Arrays.fill(tens, frame);
    tens[tens.length - 1] = x.length - frame * (tens.length - 1);
    assertThat(convertInPieces(AudioConverter.create(in, out), x, tens)).isEqualTo(whole);

    // random split points, from one frame to a few thousand
    Random rnd = new Random(42 + inRate);
    for (int trial = 0; trial < 3; trial++) {
      int[] sizes = new int[x.length];
      int count = 0;
      int left = x.length / channels;
      while (left > 0) {
        int f = Math.min(left, 1 + rnd.nextInt(rnd.nextBoolean() ? 7 : 3000));
        sizes[count++] = f * channels;
        left -= f;
      }
      assertThat(convertInPieces(AudioConverter.create(in, out), x, Arrays.copyOf(sizes, count)))
          .as("random split, trial %d", trial)
          .isEqualTo(whole);
    }
  }

  static Stream<Arguments> streamingCases() {
    return Stream.of(
        Arguments.of(48000, 16000, 2),
        Arguments.of(48000, 8000, 1),
        Arguments.of(44100, 16000, 2),
        Arguments.of(22050, 24000, 1),
        Arguments.of(8000, 16000, 1),
        Arguments.of(24000, 16000, 3),
        Arguments.of(32000, 8000, 5),
        Arguments.of(16000, 16000, 2),
        Arguments.of(11025, 16000, 1),
        Arguments.of(96000, 16000, 2),
        Arguments.of(44101, 16000, 2),
        Arguments.of(7919, 16000, 1));
  }

  @ParameterizedTest(name = "{0} Hz -> {1} Hz")
  @MethodSource("pairs")
  void aToneSurvivesWithItsFrequencyLevelAndLength(int inRate, int outRate) {
    AudioFormat in = new AudioFormat(inRate, 2);
    AudioFormat out = AudioFormat.mono(outRate);
    AudioConverter c = AudioConverter.create(in, out);
    double seconds = 0.5;
    short[] x = Signals.tone(in, 1000, 12000, seconds, 0.2);
    short[] y = convertAll(c, x);
    int d = c.delayFrames();
    long expected = (long) Math.ceil((double) (x.length / 2) * outRate / inRate);
    assertThat(y.length).isEqualTo(d + expected);
    assertThat(c.delayMicros()).isEqualTo(Math.round(d * 1e6 / outRate));

    int from = d + 100;
    int to = y.length - 100;
    double[] fit = Signals.fit(y, from, to, 1000, outRate);
    assertThat(db(fit[0] / 12000)).as("level of 1 kHz").isBetween(-0.1, 0.1);
    assertThat(db(fit[1] / (12000 / Math.sqrt(2)))).as("residual").isLessThan(-70);
    // and the frequency really is 1 kHz: count rising zero crossings
    int crossings = 0;
    for (int i = from + 1; i < to; i++) {
      if (y[i - 1] < 0 && y[i] >= 0) {
        crossings++;
      }
    }
    double hz = crossings * (double) outRate / (to - from);
    assertThat(hz).isBetween(990.0, 1010.0);
  }

  @ParameterizedTest(name = "{0} Hz -> {1} Hz")
  @MethodSource("pairs")
  void whatWouldAliasOrImageIsRejected(int inRate, int outRate) {
    if (inRate == outRate) {
      return; // nothing to reject: asserted by the pass-through case above
    }
    AudioFormat in = AudioFormat.mono(inRate);
    AudioFormat out = AudioFormat.mono(outRate);
    double nyquist = Math.min(inRate, outRate) / 2.0;
    double[] tones;
    if (inRate > outRate) {
      // input tones above the output's pass band: they would alias
      tones = new double[] {nyquist * 1.07, nyquist * 1.5, inRate / 2.0 * 0.98};
    } else {
      // input tones near the top of the input band: their images sit just above it
      tones = new double[] {nyquist * 0.4, nyquist * 0.8};
    }
    for (double hz : tones) {
      AudioConverter c = AudioConverter.create(in, out);
      short[] y = convertAll(c, Signals.tone(in, hz, 16384, 0.3, 0.5));
      int from = c.delayFrames() + 100;
      int to = y.length - c.delayFrames() - 100;
      double unwanted;
      if (inRate > outRate) {
        unwanted = db(rms(y, from, to) / (16384 / Math.sqrt(2)));
      } else {
        double image = inRate - hz;
        unwanted = db(amplitude(y, from, to, image, outRate, hz) / 16384);
        // the wanted tone is still there
        assertThat(db(amplitude(y, from, to, hz, outRate, image) / 16384)).isBetween(-0.1, 0.1);
      }
      assertThat(unwanted).as("%s Hz -> %s Hz, tone %.0f Hz", inRate, outRate, hz).isLessThan(-90);
    }
  }

  @ParameterizedTest(name = "{0} Hz x{2} -> {1} Hz")
  @MethodSource("downmixCases")
  void channelsAreAveraged(int inRate, int outRate, int channels) {
    // a 1 kHz tone on channel 0 only, silence elsewhere: the mono output carries 1/channels of it
    AudioFormat in = new AudioFormat(inRate, channels);
    short[] mono = Signals.tone(AudioFormat.mono(inRate), 1000, 24000, 0.3, 0.1);
    short[] x = new short[mono.length * channels];
    for (int i = 0; i < mono.length; i++) {
      x[i * channels] = mono[i];
    }
    AudioConverter c = AudioConverter.create(in, AudioFormat.mono(outRate));
    short[] y = convertAll(c, x);
    int from = c.delayFrames() + 100;
    double level = amplitude(y, from, y.length - 100, 1000, outRate);
    assertThat(db(level / (24000.0 / channels))).isBetween(-0.1, 0.1);
  }

  static Stream<Arguments> downmixCases() {
    return Stream.of(
        Arguments.of(48000, 16000, 2),
        Arguments.of(48000, 16000, 3),
        Arguments.of(48000, 16000, 8),
        Arguments.of(32000, 8000, 5),
        Arguments.of(44100, 16000, 2),
        Arguments.of(16000, 16000, 4));
  }

  @Test
  void resetForgetsHistoryAndDrainFlushesTheTail() {
    AudioFormat in = AudioFormat.STEREO_48K;
    AudioConverter c = AudioConverter.create(in, AudioFormat.MONO_16K);
    short[] a = testSignal(in, 0.1, 1);
    short[] b = testSignal(in, 0.1, 2);
    short[] fresh = convertAll(AudioConverter.create(in, AudioFormat.MONO_16K), b);

    short[] out = new short[c.maxOutputLength(a.length)];
    c.convert(a, 0, a.length, out, 0);
    c.reset();
    assertThat(convertAll(c, b)).isEqualTo(fresh);
    // drain() also resets: the converter is ready for a new stream
    assertThat(convertAll(c, b)).isEqualTo(fresh);
    // a drained tail is the filter's memory, not silence
    short[] tail = Arrays.copyOfRange(fresh, fresh.length - c.delayFrames(), fresh.length);
    assertThat(rms(tail, 0, tail.length)).isGreaterThan(100);
  }

  @Test
  void convertAllocatesNothingInSteadyState() {
    assertThat(ManagementFactory.getThreadMXBean())
        .isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int[] pair : new int[][] {{48000, 16000}, {44100, 16000}, {16000, 24000}}) {
      AudioFormat in = new AudioFormat(pair[0], 2);
      AudioConverter c = AudioConverter.create(in, AudioFormat.mono(pair[1]));
      short[] x = testSignal(in, 0.01, 3);
      short[] out = new short[c.maxOutputLength(x.length)];
      for (int i = 0; i < 2000; i++) {
        c.convert(x, 0, x.length, out, 0); // warm up
      }
      long tid = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 5000; i++) {
        c.convert(x, 0, x.length, out, 0);
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before;
      assertThat(allocated).as("bytes for 5000 frames of %s", in).isLessThan(1000);
    }
  }

  @Test
  void refusesBadInputAndSaysWhatIsAccepted() {
    assertThatThrownBy(() -> AudioConverter.create(null, AudioFormat.MONO_16K))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("input");
    // the one pair shape refused: no integer ratio, rates more than 70 times apart
    assertThatThrownBy(
            () -> AudioConverter.create(AudioFormat.mono(383_999), AudioFormat.mono(5000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("383999")
        .hasMessageContaining("5000")
        .hasMessageContaining("accepted");
    assertThat(AudioConverter.isSupported(AudioFormat.mono(383_999), AudioFormat.mono(5000)))
        .isFalse();
    assertThatThrownBy(
            () -> AudioConverter.create(AudioFormat.STEREO_48K, new AudioFormat(16000, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mono");
    assertThat(AudioConverter.isSupported(AudioFormat.STEREO_48K, AudioFormat.MONO_16K)).isTrue();
    assertThat(AudioConverter.isSupported(AudioFormat.mono(12000), AudioFormat.MONO_16K)).isTrue();
    assertThat(AudioConverter.isSupported(AudioFormat.mono(11025), AudioFormat.MONO_16K)).isTrue();

    AudioConverter c = AudioConverter.create(AudioFormat.STEREO_48K, AudioFormat.MONO_16K);
    short[] out = new short[1000];
    assertThatThrownBy(() -> c.convert(new short[0], 0, 0, out, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive multiple");
    assertThatThrownBy(() -> c.convert(new short[3], 0, 3, out, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inLength 3")
        .hasMessageContaining("2 input channel");
    assertThatThrownBy(() -> c.convert(null, 0, 2, out, 0))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> c.convert(new short[960], 0, 960, new short[10], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> c.convert(new short[960], 100, 960, out, 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> c.drain(new short[1], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
    // nothing was consumed by the refused calls
    assertThat(convertAll(c, new short[960]))
        .hasSize(c.delayFrames() + 160)
        .containsOnly((short) 0);
  }

  @Test
  void everyRateAFormatAllowsConvertsToEveryRecogniserRate() {
    // 1000..384000 Hz in, to the rates recognisers take: nothing is refused after a model loads
    for (int out : new int[] {8000, 16000, 24000, 44100, 48000}) {
      for (int in = 1000; in <= 384_000; in++) {
        if (!AudioConverter.isSupported(AudioFormat.mono(in), AudioFormat.mono(out))) {
          throw new AssertionError(in + " Hz to " + out + " Hz is not supported");
        }
      }
    }
    // and building is what isSupported promised, for rates with no common factor at the extremes
    for (int[] pair : new int[][] {{383_999, 8000}, {1009, 48000}, {7919, 16000}, {44_101, 8000}}) {
      AudioConverter c =
          AudioConverter.create(AudioFormat.mono(pair[0]), AudioFormat.mono(pair[1]));
      short[] y = convertAll(c, Signals.tone(AudioFormat.mono(pair[0]), 300, 10000, 0.2, 0));
      assertThat(y.length - c.delayFrames())
          .as("%d Hz to %d Hz", pair[0], pair[1])
          .isEqualTo((int) Math.ceil(Math.round(0.2 * pair[0]) * (double) pair[1] / pair[0]));
      double level = amplitude(y, c.delayFrames() + 200, y.length - 200, 300, pair[1]);
      assertThat(db(level / 10000)).as("%d Hz to %d Hz", pair[0], pair[1]).isBetween(-0.1, 0.1);
    }
  }
}
