package dev.audiopipeline.audio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Arrival stamps of a network track: sample-exact spacing through jitter, arrival beyond it. */
class ArrivalClockTest {
  @Test
  void jitterIsAbsorbedAndRealGapsAreKept() {
    ArrivalClock c = new ArrivalClock(48_000);
    assertThat(c.stamp(5_000, 480)).isEqualTo(5_000); // the first frame: its arrival
    assertThat(c.stamp(80_000, 480)).isEqualTo(15_000); // 65 ms late: still the sample count
    assertThat(c.stamp(81_000, 480)).isEqualTo(25_000); // the burst that catches up
    assertThat(c.stamp(2_000_000, 480)).isEqualTo(2_000_000); // muted for ~2 s: arrival
    assertThat(c.stamp(2_010_500, 480)).isEqualTo(2_010_000);
  }

  @Test
  void aSampleCountFarAheadOfArrivalFallsBackToArrival() {
    ArrivalClock c = new ArrivalClock(48_000);
    c.stamp(0, 480);
    long[] ts = new long[30];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = c.stamp(1_000, 480); // 30 frames at once: the count runs ahead of arrival
    }
    assertThat(ts[19]).isEqualTo(200_000); // 199 ms ahead: still the sample count
    assertThat(ts[20]).isEqualTo(1_000); // past 200 ms: re-synced to arrival
    assertThat(ts[29]).isEqualTo(91_000);
  }
}
