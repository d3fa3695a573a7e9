package dev.audiopipeline.examples.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LevelMeterTest {
  private static short[] sine(double amplitude, int n) {
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = (short) Math.round(amplitude * 32767 * Math.sin(2 * Math.PI * 1000 * i / 48_000.0));
    }
    return s;
  }

  @Test
  void aFullScaleSineReadsMinus3DbRmsAnd0DbPeak() {
    LevelMeter m = new LevelMeter();
    for (int i = 0; i < 5; i++) {
      m.accept(sine(1.0, 480), 0, 480);
    }
    LevelMeter.Reading r = m.read(8);
    assertThat(r.rmsDb()).isCloseTo(-3.01, within(0.1));
    assertThat(r.peakDb()).isCloseTo(0, within(0.1));
    assertThat(r.holdDb()).isCloseTo(0, within(0.1));
    assertThat(r.waveform()).hasSize(8);
    assertThat(r.waveform()[7]).isGreaterThan(0.99f);
  }

  @Test
  void bytesAndShortsMeterAlike() {
    short[] s = sine(0.1, 480);
    byte[] b = new byte[960];
    for (int i = 0; i < 480; i++) {
      b[2 * i] = (byte) s[i];
      b[2 * i + 1] = (byte) (s[i] >> 8);
    }
    LevelMeter a = new LevelMeter();
    LevelMeter c = new LevelMeter();
    a.accept(s, 0, 480);
    c.acceptBytes(b, 0, 960);
    assertThat(c.read(0).rmsDb()).isCloseTo(a.read(0).rmsDb(), within(0.01));
    assertThat(a.read(0).rmsDb()).isCloseTo(-23.0, within(0.2));
  }

  @Test
  void silenceAndNoAudioReadAsTheFloorWhileThePeakIsHeld() {
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    LevelMeter m = new LevelMeter(nanos::get);
    m.accept(sine(0.5, 480), 0, 480);
    assertThat(m.read(0).peakDb()).isCloseTo(-6.02, within(0.1));
    nanos.addAndGet(ms(10));
    m.accept(new short[480], 0, 480);
    LevelMeter.Reading fresh = m.read(0);
    assertThat(fresh.peakDb()).as("the tone is still in the window").isCloseTo(-6.02, within(0.1));

    nanos.addAndGet(ms(LevelMeter.WINDOW_MS + 1)); // no audio since: the window is empty
    LevelMeter.Reading r = m.read(4);
    assertThat(r.rmsDb()).isEqualTo(LevelMeter.FLOOR_DB);
    assertThat(r.peakDb()).isEqualTo(LevelMeter.FLOOR_DB);
    assertThat(r.waveform()).containsOnly(0f);
    assertThat(r.holdDb()).as("held for %s ms", LevelMeter.HOLD_MS).isCloseTo(-6.02, within(0.1));
  }

  @Test
  void theHeldPeakFallsAfterTheHoldTime() {
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    LevelMeter m = new LevelMeter(nanos::get);
    m.accept(sine(0.5, 480), 0, 480);
    assertThat(m.read(0).holdDb()).isCloseTo(-6.02, within(0.1));
    nanos.addAndGet(ms(LevelMeter.HOLD_MS + 1_000)); // one second of fall
    assertThat(m.read(0).holdDb()).isCloseTo(-6.02 - LevelMeter.HOLD_FALL_DB_PER_S, within(0.1));
    nanos.addAndGet(ms(10_000));
    assertThat(m.read(0).holdDb()).isEqualTo(LevelMeter.FLOOR_DB);
  }

  private static long ms(long ms) {
    return ms * 1_000_000L;
  }

  @Test
  void dbIsClampedToTheFloor() {
    assertThat(LevelMeter.db(0)).isEqualTo(LevelMeter.FLOOR_DB);
    assertThat(LevelMeter.db(1e-9)).isEqualTo(LevelMeter.FLOOR_DB);
    assertThat(LevelMeter.db(1)).isZero();
  }
}
