package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpeakerTimelineTest {
  @Test
  void mapsThroughTheLastAnchorAtOrBeforeTheTime() {
    SpeakerTimeline t = new SpeakerTimeline();
    t.anchor(0, 1500); // joined 1.5 s into the session
    t.anchor(4000, 9000); // a 3.5 s gap after 4 s of audio
    assertThat(t.toTimeline(0)).isEqualTo(1500);
    assertThat(t.toTimeline(3999)).isEqualTo(5499);
    assertThat(t.toTimeline(4000)).isEqualTo(9000);
    assertThat(t.toTimeline(5000)).isEqualTo(10000);
  }

  @Test
  void anchorsMustMoveForward() {
    SpeakerTimeline t = new SpeakerTimeline();
    t.anchor(100, 100);
    assertThatThrownBy(() -> t.anchor(50, 200)).isInstanceOf(IllegalArgumentException.class);
  }
}
