package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The time model's map, as the speaker channel and a connection use it (16 kHz frames). */
class TimeMapTest {
  private static final int RATE = 16_000;

  private static long frames(long ms) {
    return ms * RATE / 1000;
  }

  // ---------------------------------------------------------------- speaker channel: sent → source

  @Test
  void speakerJoinedLateAndAGapMapThroughTheLastAnchor() {
    TimeMap t = new TimeMap(RATE);
    t.jumpTo(frames(1500)); // first write stamped 1.5 s
    t.advance(frames(4000));
    t.jumpTo(frames(9000)); // a 3.5 s gap after 4 s of audio
    t.advance(frames(1000));
    assertThat(t.toOutputMs(0)).isEqualTo(1500);
    assertThat(t.toOutputMs(3999)).isEqualTo(5499);
    assertThat(t.toOutputMs(4000)).isEqualTo(9000);
    assertThat(t.toOutputMs(5000)).isEqualTo(10000);
    assertThat(t.anchors()).isEqualTo(2);
  }

  @Test
  void lateJoinerAtThirtySecondsStartsThere() {
    TimeMap t = new TimeMap(48_000);
    t.jumpTo(30L * 48_000);
    t.advance(48_000);
    assertThat(t.toOutputMs(0)).isEqualTo(30_000);
    assertThat(t.toOutputMs(250.5)).isEqualTo(30_250);
    assertThat(t.anchors()).isEqualTo(1); // the start anchor was replaced, not added to
  }

  @Test
  void timesBeforeTheFirstAnchorClampToIt() {
    TimeMap t = new TimeMap(RATE, frames(2000));
    t.advance(frames(100));
    assertThat(t.toOutputMs(-50)).isEqualTo(2000);
  }

  // ---------------------------------------------------------------- connection: provider → session

  @Test
  void aConnectionIsOffsetByWhereItsReplayBegan() {
    TimeMap c = new TimeMap(RATE, frames(5000)); // replay began at 5 s
    c.advance(frames(2000));
    assertThat(c.toOutputMs(0)).isEqualTo(5000);
    assertThat(c.toOutputMs(1500)).isEqualTo(6500);
    assertThat(c.inputMs()).isEqualTo(2000);
    assertThat(c.inputFrames()).isEqualTo(frames(2000));
    assertThat(c.outputFrames()).isEqualTo(frames(7000));
  }

  @Test
  void keepAliveSilenceDoesNotShiftLaterAudio() {
    TimeMap c = new TimeMap(RATE);
    c.advance(3200); // 200 ms
    c.insert(1600); // 100 ms only the provider hears
    c.advance(8000); // 500 ms
    assertThat(c.toOutputMs(100)).isEqualTo(100);
    assertThat(c.toOutputMs(250)).isEqualTo(200); // inside the silence: where it was inserted
    assertThat(c.toOutputMs(300)).isEqualTo(200);
    assertThat(c.toOutputMs(800)).isEqualTo(700);
  }

  @Test
  void lostAudioJumpsTheOutputClock() {
    TimeMap c = new TimeMap(RATE);
    c.advance(RATE);
    c.jumpTo(RATE * 3L); // 2 s were dropped before they could be sent
    c.advance(RATE);
    assertThat(c.toOutputMs(500)).isEqualTo(500);
    assertThat(c.toOutputMs(1500)).isEqualTo(3500);
  }

  @Test
  void theMapNeverGoesBack() {
    TimeMap c = new TimeMap(RATE);
    c.advance(frames(1000));
    c.jumpTo(frames(800)); // a step back (a source's clock reset)
    c.advance(frames(1000));
    long previous = -1;
    for (int ms = 0; ms <= 2000; ms += 10) {
      long out = c.toOutputMs(ms);
      assertThat(out).isGreaterThanOrEqualTo(previous);
      previous = out;
    }
    assertThat(c.toOutputMs(1500)).isEqualTo(1300);
  }

  // ---------------------------------------------------------------- bounds and the policy

  @Test
  void anchorsAreBoundedAndTheOldestMergeAway() {
    TimeMap c = new TimeMap(RATE);
    int gaps = TimeMap.MAX_ANCHORS + 500;
    for (int i = 0; i < gaps; i++) {
      c.advance(frames(10));
      c.jumpTo(c.outputFrames() + frames(5)); // 10 ms of audio, then a 5 ms gap
    }
    assertThat(c.anchors()).isEqualTo(TimeMap.MAX_ANCHORS);
    // the newest stretches are still exact: audio k starts at 15 ms * k
    long k = gaps - 10;
    assertThat(c.toOutputMs(k * 10 + 3)).isEqualTo(k * 15 + 3);
    // the oldest ones are placed at the oldest anchor kept, never before it
    long oldest = c.toOutputMs(0);
    assertThat(oldest).isEqualTo(c.toOutputMs(10L * (gaps - TimeMap.MAX_ANCHORS)));
  }

  @Test
  void onePolicyDecidesGapsAndResets() {
    assertThat(TimeMap.isGap(TimeMap.GAP_MICROS)).isFalse();
    assertThat(TimeMap.isGap(TimeMap.GAP_MICROS + 1)).isTrue();
    assertThat(TimeMap.isGap(-5_000_000)).isFalse(); // behind the sample count: continuous
    assertThat(TimeMap.resetsConverter(TimeMap.RESET_MICROS - 1)).isFalse();
    assertThat(TimeMap.resetsConverter(TimeMap.RESET_MICROS)).isTrue();
    // the largest error the policy leaves in is the 20 ms every timeline test allows
    assertThat(TimeMap.GAP_MICROS).isLessThanOrEqualTo(20_000);
  }

  @Test
  void refusesAZeroRate() {
    assertThatThrownBy(() -> new TimeMap(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sampleRate 0");
  }
}
