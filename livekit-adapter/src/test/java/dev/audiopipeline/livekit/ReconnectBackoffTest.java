package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  @Test
  void firstAttemptIsImmediateThenExponentialWithBoundedJitterAndACap() {
    ReconnectBackoff b = new ReconnectBackoff(10, 300, 7_000, new Random(42));
    assertThat(b.delayMillis(0)).isZero();
    assertThat(b.delayMillis(1)).isBetween(300L, 390L);
    assertThat(b.delayMillis(2)).isBetween(600L, 780L);
    assertThat(b.delayMillis(3)).isBetween(1_200L, 1_560L);
    assertThat(b.delayMillis(9)).isBetween(7_000L, 9_100L);
    assertThat(b.delayMillis(60)).isBetween(7_000L, 9_100L);
    assertThat(b.maxAttempts()).isEqualTo(10);
  }

  @Test
  void atLeastOneAttempt() {
    assertThatThrownBy(() -> new ReconnectBackoff(0, 300, 7_000, new Random()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts 0");
  }
}
