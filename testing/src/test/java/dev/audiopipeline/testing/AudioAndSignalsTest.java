package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.audio.AudioFormat;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The shared test-audio helpers, tested once here for every module that uses them. */
class AudioAndSignalsTest {
  @Test
  void audioIsAScriptOfSilenceAndA440HzToneAt16kHz() {
    Audio a = new Audio().silence(100).tone(250).silence(50);
    short[] s = a.samples();
    assertThat(s).hasSize(16 * 400);
    assertThat(Arrays.copyOfRange(s, 0, 1600)).containsOnly((short) 0);
    assertThat(Arrays.copyOfRange(s, 16 * 350, 16 * 400)).containsOnly((short) 0);
    short[] tone = Arrays.copyOfRange(s, 1600, 16 * 350);
    assertThat(Signals.rms(tone)).isCloseTo(8000 / Math.sqrt(2), within(60.0));
    assertThat(Signals.goertzelShare(tone, 16_000, 440)).isGreaterThan(0.95);
    assertThat(Signals.goertzelShare(tone, 16_000, 1000)).isLessThan(0.01);
  }

  @Test
  void bytesAreTheSamplesInLittleEndian() {
    Audio a = new Audio().tone(30).silence(10);
    byte[] b = a.bytes();
    short[] s = a.samples();
    assertThat(b).hasSize(2 * s.length);
    assertThat(Signals.samples(b, 0, s.length)).isEqualTo(s);
    assertThat(Signals.samples(b, 5, 3)).containsExactly(s[5], s[6], s[7]);
    assertThat((short) ((b[2] & 0xff) | (b[3] << 8))).isEqualTo(s[1]);
  }

  @Test
  void theToneKeepsItsPhaseAcrossSilences() {
    // the tone is a function of the position in the whole script, not restarted per burst
    short[] s = new Audio().tone(10).silence(10).tone(10).samples();
    short expected = (short) (8000 * Math.sin(2 * Math.PI * 440 * 320 / 16_000.0));
    assertThat(s[320]).isEqualTo(expected);
  }

  @Test
  void burstsAreLoudOnEveryChannelOnlyWhereAsked() {
    AudioFormat stereo = AudioFormat.STEREO_48K;
    short[] s = Signals.bursts(stereo, 1000, new long[][] {{200, 400}, {700, 800}});
    assertThat(s).hasSize(48_000 * 2);
    short[] left = new short[48_000];
    short[] right = new short[48_000];
    for (int i = 0; i < left.length; i++) {
      left[i] = s[2 * i];
      right[i] = s[2 * i + 1];
    }
    assertThat(left).isEqualTo(right);
    assertThat(Signals.rms(Arrays.copyOfRange(left, 0, 48 * 200))).isZero();
    assertThat(Signals.rms(Arrays.copyOfRange(left, 48 * 400, 48 * 700))).isZero();
    assertThat(Signals.rms(Arrays.copyOfRange(left, 48 * 200, 48 * 400))).isGreaterThan(2000);
    assertThat(Signals.rms(Arrays.copyOfRange(left, 48 * 700, 48 * 800))).isGreaterThan(2000);
    assertThat(Signals.rms(new short[0])).isZero();
    assertThat(Signals.goertzelShare(new short[480], 48_000, 220)).isZero();
  }
}
