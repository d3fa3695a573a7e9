package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionClockTest {
  @Test
  void offsetsByWhereTheConnectionStarted() {
    ConnectionClock c = new ConnectionClock(16_000, 16_000 * 5); // replay began at 5 s
    c.audio(16_000 * 2);
    assertThat(c.toSessionMs(0)).isEqualTo(5000);
    assertThat(c.toSessionMs(1500)).isEqualTo(6500);
    assertThat(c.providerMs()).isEqualTo(2000);
  }

  @Test
  void keepAliveSilenceDoesNotShiftLaterAudio() {
    ConnectionClock c = new ConnectionClock(16_000, 0);
    c.audio(3200); // 200 ms
    c.silence(1600); // 100 ms only the provider hears
    c.audio(8000); // 500 ms
    assertThat(c.toSessionMs(100)).isEqualTo(100);
    assertThat(c.toSessionMs(250)).isEqualTo(200); // inside the silence: where it was inserted
    assertThat(c.toSessionMs(300)).isEqualTo(200);
    assertThat(c.toSessionMs(800)).isEqualTo(700);
  }

  @Test
  void lostAudioJumpsTheSessionClock() {
    ConnectionClock c = new ConnectionClock(16_000, 0);
    c.audio(16_000);
    c.jumpTo(16_000 * 3); // 2 s were dropped before they could be sent
    c.audio(16_000);
    assertThat(c.toSessionMs(500)).isEqualTo(500);
    assertThat(c.toSessionMs(1500)).isEqualTo(3500);
  }
}
