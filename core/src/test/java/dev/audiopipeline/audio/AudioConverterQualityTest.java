package dev.audiopipeline.audio;

import static dev.audiopipeline.audio.Signals.amplitude;
import static dev.audiopipeline.audio.Signals.convertAll;
import static dev.audiopipeline.audio.Signals.db;
import static dev.audiopipeline.audio.Signals.rms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The quality bar for 48 kHz stereo to 16 kHz mono, measured on 16-bit output with
 * synthesised tones and a sweep: pass band within ±0.1 dB up to 7 kHz, -3 dB at or above 7.4 kHz,
 * every tone from 8.5 kHz to 24 kHz down by at least 90 dB, at most 3 ms held back.
 */
class AudioConverterQualityTest {
  private static final AudioFormat IN = AudioFormat.STEREO_48K;
  private static final AudioFormat OUT = AudioFormat.MONO_16K;
  private static final double AMP = 16384; // -6 dBFS, as the reference analyser uses
  private static final int SKIP = 200; // output samples of start-up transient left out

  /** Gain in dB of a tone through a fresh converter, by a least-squares fit at its frequency. */
  private static double gainDb(double hz) {
    AudioConverter c = AudioConverter.create(IN, OUT);
    short[] y = convertAll(c, Signals.tone(IN, hz, AMP, 0.25, 0.3));
    int end = y.length - SKIP;
    return db(amplitude(y, SKIP, end, hz, OUT.sampleRate()) / AMP);
  }

  @Test
  void passBandIsFlatWithinTenthOfDbUpTo7kHz() {
    double min = 0;
    double max = -100;
    for (int hz = 50; hz <= 7000; hz += 50) {
      double g = gainDb(hz);
      assertThat(g).as("gain at %d Hz", hz).isBetween(-0.1, 0.1);
      min = Math.min(min, g);
      max = Math.max(max, g);
    }
    System.out.printf("pass band 50..7000 Hz: %.4f .. %.4f dB%n", min, max);
  }

  @Test
  void minus3dbPointIsAtOrAbove7400Hz() {
    double crossing = Double.NaN;
    for (int hz = 7000; hz <= 8000; hz += 10) {
      if (gainDb(hz) < -3) {
        crossing = hz;
        break;
      }
    }
    System.out.printf("-3 dB point: %.0f Hz%n", crossing);
    assertThat(crossing).isGreaterThanOrEqualTo(7400);
    assertThat(gainDb(7400)).isGreaterThan(-3);
  }

  @Test
  void everyToneFrom8500HzTo24kHzIsDownAtLeast90dB() {
    double worstRms = -300;
    double worstTone = -300;
    double worstAt = 0;
    List<String> failures = new ArrayList<>();
    for (int hz = 8500; hz <= 24000; hz += 125) {
      AudioConverter c = AudioConverter.create(IN, OUT);
      // phase pi/4 so that the 24 kHz tone is not sampled at its zero crossings
      short[] x = Signals.tone(IN, hz, AMP, 0.2, Math.PI / 4);
      short[] y = convertAll(c, x);
      int end = y.length - SKIP;
      double inRms = rms(x, 0, x.length);
      double outRms = db(rms(y, SKIP, end) / inRms);
      // the alias of hz at 16 kHz output, folded into 0..8 kHz
      double alias = Math.abs(hz - 16000.0 * Math.round(hz / 16000.0));
      double aliasDb = db(amplitude(y, SKIP, end, alias, 16000) / AMP);
      if (outRms > -90 || aliasDb > -90) {
        failures.add(hz + " Hz: output rms " + outRms + " dB, alias tone " + aliasDb + " dB");
      }
      if (outRms > worstRms) {
        worstRms = outRms;
        worstAt = hz;
      }
      worstTone = Math.max(worstTone, aliasDb);
    }
    System.out.printf(
        "stop band 8.5..24 kHz: worst output rms %.1f dB (at %.0f Hz), worst alias tone %.1f dB%n",
        worstRms, worstAt, worstTone);
    assertThat(failures).isEmpty();
  }

  @Test
  void sweepStaysFlatInThePassBandAndVanishesInTheStopBand() {
    double seconds = 6;
    double k = 24000 / seconds; // Hz per second
    AudioConverter c = AudioConverter.create(IN, OUT);
    short[] y = convertAll(c, Signals.sweep(IN, 0, 24000, AMP, seconds));
    int d = c.delayFrames();
    int frame = 320; // 20 ms
    double passMin = 0;
    double passMax = -100;
    double stopMax = -300;
    for (int start = 0; start + frame <= y.length - d; start += frame / 2) {
      double t0 = (double) start / 16000;
      double t1 = (double) (start + frame) / 16000;
      double ideal = 0;
      for (int i = start; i < start + frame; i++) {
        double t = (double) i / 16000;
        double v = AMP * Math.sin(2 * Math.PI * 0.5 * k * t * t);
        ideal += v * v;
      }
      ideal = Math.sqrt(ideal / frame);
      double got = rms(y, start + d, start + d + frame);
      if (k * t0 >= 200 && k * t1 <= 7000) {
        double g = db(got / ideal);
        passMin = Math.min(passMin, g);
        passMax = Math.max(passMax, g);
      } else if (k * t0 >= 8500 && t1 <= seconds) {
        stopMax = Math.max(stopMax, db(got / (AMP / Math.sqrt(2))));
      }
    }
    System.out.printf(
        "sweep: pass band 200..7000 Hz %.3f .. %.3f dB, stop band 8.5..24 kHz max %.1f dB%n",
        passMin, passMax, stopMax);
    assertThat(passMin).isGreaterThanOrEqualTo(-0.1);
    assertThat(passMax).isLessThanOrEqualTo(0.1);
    assertThat(stopMax).isLessThanOrEqualTo(-90);
  }

  @Test
  void holdsAtMost3msAndTheImpulseLandsWhereTheDelaySays() {
    AudioConverter c = AudioConverter.create(IN, OUT);
    assertThat(c.delayMicros()).isLessThanOrEqualTo(3000);
    assertThat(c.delayMicros()).isCloseTo(c.delayFrames() * 1_000_000L / 16000, within(1L));

    short[] x = new short[48000 * 2];
    x[2 * 4800] = 30000;
    x[2 * 4800 + 1] = 30000;
    short[] y = convertAll(c, x);
    int peak = 0;
    for (int i = 1; i < y.length; i++) {
      if (Math.abs(y[i]) > Math.abs(y[peak])) {
        peak = i;
      }
    }
    assertThat(peak).isEqualTo(4800 / 3 + c.delayFrames());
  }

  @Test
  void aToneComesOutAlignedAndClean() {
    // after dropping delayFrames() samples the output is the input tone at the output rate
    AudioConverter c = AudioConverter.create(IN, OUT);
    short[] y = convertAll(c, Signals.tone(IN, 1000, AMP, 0.5, 0.7));
    int d = c.delayFrames();
    assertThat(y.length).isEqualTo(d + 8000);
    double ss = 0;
    int n = 0;
    for (int i = 100; i < 7900; i++) {
      double ideal = AMP * Math.sin(2 * Math.PI * 1000 * i / 16000.0 + 0.7);
      double e = y[i + d] - ideal;
      ss += e * e;
      n++;
    }
    double errorDb = db(Math.sqrt(ss / n) / (AMP / Math.sqrt(2)));
    System.out.printf("1 kHz tone: error vs ideal %.1f dB%n", errorDb);
    assertThat(errorDb).isLessThan(-80);
  }

  /**
   * The same bar, relative to the lower Nyquist frequency, for the rates added for issue #9 and the
   * interpolated engine: pass band within ±0.1 dB up to 87.5 %; from 106.25 % to the input Nyquist
   * frequency (down-sampling) every tone down by 90 dB, or (up-sampling) the image of every tone
   * from 50 % to 87.5 % down by 90 dB.
   */
  @ParameterizedTest(name = "{0} Hz -> {1} Hz")
  @CsvSource({
    "11025, 16000",
    "11025, 8000",
    "96000, 16000",
    "88200, 16000",
    "192000, 16000",
    "44101, 16000",
    "7919, 16000",
    "12345, 8000",
    "383999, 24000"
  })
  void passBandAndStopBandHoldForOtherRates(int inRate, int outRate) {
    AudioFormat in = AudioFormat.mono(inRate);
    double nyquist = Math.min(inRate, outRate) / 2.0;
    double passMin = 0;
    double passMax = -100;
    for (int i = 1; i <= 24; i++) {
      double hz = 0.875 * nyquist * i / 24;
      AudioConverter c = AudioConverter.create(in, AudioFormat.mono(outRate));
      short[] y = convertAll(c, Signals.tone(in, hz, AMP, 0.2, 0.3));
      double g =
          db(
              amplitude(y, c.delayFrames() + 100, y.length - c.delayFrames() - 100, hz, outRate)
                  / AMP);
      assertThat(g).as("gain at %.0f Hz", hz).isBetween(-0.1, 0.1);
      passMin = Math.min(passMin, g);
      passMax = Math.max(passMax, g);
    }
    double worst = -300;
    if (inRate > outRate) {
      double top = inRate / 2.0;
      for (int i = 0; i <= 24; i++) {
        double hz = 1.0625 * nyquist + (top * 0.995 - 1.0625 * nyquist) * i / 24;
        AudioConverter c = AudioConverter.create(in, AudioFormat.mono(outRate));
        short[] x = Signals.tone(in, hz, AMP, 0.2, Math.PI / 4);
        short[] y = convertAll(c, x);
        double out =
            db(
                rms(y, c.delayFrames() + 100, y.length - c.delayFrames() - 100)
                    / rms(x, 0, x.length));
        assertThat(out).as("tone %.0f Hz", hz).isLessThan(-90);
        worst = Math.max(worst, out);
      }
    } else {
      for (int i = 0; i <= 12; i++) {
        double hz = nyquist * (0.5 + 0.375 * i / 12);
        double image = inRate - hz;
        AudioConverter c = AudioConverter.create(in, AudioFormat.mono(outRate));
        short[] y = convertAll(c, Signals.tone(in, hz, AMP, 0.2, 0.5));
        double out =
            db(
                amplitude(
                        y,
                        c.delayFrames() + 100,
                        y.length - c.delayFrames() - 100,
                        image,
                        outRate,
                        hz)
                    / AMP);
        assertThat(out).as("image of %.0f Hz at %.0f Hz", hz, image).isLessThan(-90);
        worst = Math.max(worst, out);
      }
    }
    System.out.printf(
        "%d -> %d Hz: pass band %.3f .. %.3f dB, worst stop band / image %.1f dB%n",
        inRate, outRate, passMin, passMax, worst);
  }
}
