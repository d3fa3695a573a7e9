package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.spi.ReconnectPolicy;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long S = 1_000_000_000L;

  /** A Random whose nextDouble() returns a fixed value. */
  private static Random fixed(double v) {
    return new Random() {
      private static final long serialVersionUID = 1L;

      @Override
      public double nextDouble() {
        return v;
      }
    };
  }

  @Test
  void delaysDoubleUpToTheCapWithJitterBounds() {
    ReconnectPolicy p =
        ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(250))
            .maxDelay(Duration.ofSeconds(2))
            .jitter(0.2)
            .build();
    assertThat(p.delay(1, fixed(0.5))).isEqualTo(Duration.ofMillis(250));
    assertThat(p.delay(2, fixed(0.5))).isEqualTo(Duration.ofMillis(500));
    assertThat(p.delay(3, fixed(0.5))).isEqualTo(Duration.ofMillis(1000));
    assertThat(p.delay(4, fixed(0.5))).isEqualTo(Duration.ofMillis(2000));
    assertThat(p.delay(9, fixed(0.5))).isEqualTo(Duration.ofMillis(2000));
    assertThat(p.delay(1, fixed(0.0))).isEqualTo(Duration.ofMillis(200));
    assertThat(p.delay(1, fixed(1.0))).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void givesUpAfterMaxAttemptsAndResetsAfterAStableConnection() {
    ReconnectPolicy p =
        ReconnectPolicy.builder()
            .maxAttempts(3)
            .jitter(0)
            .stablePeriod(Duration.ofSeconds(30))
            .quickFailureLimit(0)
            .build();
    Backoff b = new Backoff(p, new Random(1));
    long t = 100 * S;
    assertThat(b.onDrop(t, null).attempt()).isEqualTo(1);
    assertThat(b.onDrop(t, null).attempt()).isEqualTo(2);
    assertThat(b.onDrop(t, null).attempt()).isEqualTo(3);
    Backoff.Decision d = b.onDrop(t, null);
    assertThat(d.retry()).isFalse();
    assertThat(d.giveUpReason()).contains("gave up after 3");

    Backoff b2 = new Backoff(p, new Random(1));
    b2.onDrop(t, null);
    b2.onDrop(t, null);
    // a connection that stayed up 31 s resets the count
    Backoff.Decision after = b2.onDrop(t + 31 * S, t);
    assertThat(after.attempt()).isEqualTo(1);
    assertThat(after.delay()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void quickFailureBreakerTripsOnThreeShortLivedConnections() {
    ReconnectPolicy p = ReconnectPolicy.builder().maxAttempts(100).build();
    Backoff b = new Backoff(p, new Random(1));
    long t = 10 * S;
    assertThat(b.onDrop(t + S, t).retry()).isTrue();
    assertThat(b.onDrop(t + 3 * S, t + 2 * S).retry()).isTrue();
    Backoff.Decision d = b.onDrop(t + 5 * S, t + 4 * S);
    assertThat(d.retry()).isFalse();
    assertThat(d.giveUpReason()).contains("3 connections in a row died within 5000 ms");
  }

  @Test
  void aLongLivedConnectionClearsTheBreaker() {
    Backoff b = new Backoff(ReconnectPolicy.defaults(), new Random(1));
    long t = 10 * S;
    b.onDrop(t + S, t);
    b.onDrop(t + 3 * S, t + 2 * S);
    assertThat(b.onDrop(t + 20 * S, t + 4 * S).retry()).isTrue(); // lived 16 s
    assertThat(b.onDrop(t + 21 * S, t + 20 * S).retry()).isTrue();
  }

  @Test
  void invalidPoliciesAreRefusedWithTheAllowedRange() {
    assertThatThrownBy(() -> ReconnectPolicy.builder().jitter(1.5).build())
        .hasMessageContaining("jitter 1.5 must be in [0, 1)");
    assertThatThrownBy(() -> ReconnectPolicy.builder().initialDelay(Duration.ofSeconds(20)).build())
        .hasMessageContaining("maxDelay");
    assertThatThrownBy(() -> ReconnectPolicy.builder().maxAttempts(-1).build())
        .hasMessageContaining("maxAttempts -1");
    assertThat(ReconnectPolicy.none().maxAttempts()).isZero();
  }

  @Test
  void anImmediateFirstAttemptShiftsTheExponentialSequenceByOne() {
    ReconnectPolicy p =
        ReconnectPolicy.builder()
            .immediateFirstAttempt(true)
            .initialDelay(Duration.ofMillis(300))
            .maxDelay(Duration.ofSeconds(7))
            .jitter(0.3)
            .build();
    assertThat(p.immediateFirstAttempt()).isTrue();
    assertThat(p.delay(1, fixed(1.0))).isEqualTo(Duration.ZERO);
    assertThat(p.delay(2, fixed(0.5))).isEqualTo(Duration.ofMillis(300));
    assertThat(p.delay(3, fixed(0.5))).isEqualTo(Duration.ofMillis(600));
    assertThat(p.delay(7, fixed(0.5))).isEqualTo(Duration.ofMillis(7000)); // 9600 capped
    assertThat(p.delay(2, fixed(0.0))).isEqualTo(Duration.ofMillis(210));
    assertThat(p.delay(2, fixed(1.0))).isEqualTo(Duration.ofMillis(390));
    assertThat(p.delay(60, fixed(1.0))).isEqualTo(Duration.ofMillis(9100));
    assertThat(p.toBuilder().build().immediateFirstAttempt()).isTrue();
    assertThat(p.toString()).contains("immediateFirstAttempt");
    // off by default: the first attempt waits initialDelay, as before
    assertThat(ReconnectPolicy.defaults().immediateFirstAttempt()).isFalse();
    assertThat(ReconnectPolicy.defaults().delay(1, fixed(0.5))).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aZeroStablePeriodResetsTheCountAfterEveryConnectionThatOpened() {
    ReconnectPolicy p =
        ReconnectPolicy.builder()
            .immediateFirstAttempt(true)
            .maxAttempts(2)
            .stablePeriod(Duration.ZERO)
            .quickFailureLimit(0)
            .jitter(0)
            .build();
    Backoff b = new Backoff(p, new Random(1));
    long t = 100 * S;
    Backoff.Decision first = b.onDrop(t, t - S); // an open connection dropped
    assertThat(first.attempt()).isEqualTo(1);
    assertThat(first.delay()).isEqualTo(Duration.ZERO);
    assertThat(b.onDrop(t, null).delay()).isEqualTo(Duration.ofMillis(250)); // attempt 2 failed
    assertThat(b.onDrop(t, null).retry()).isFalse(); // attempt 2 failed too: out of attempts
    Backoff b2 = new Backoff(p, new Random(1));
    b2.onDrop(t, t - S);
    b2.onDrop(t, null);
    // attempt 2 succeeded and the connection dropped again a moment later: counting starts over
    Backoff.Decision again = b2.onDrop(t + 1, t);
    assertThat(again.attempt()).isEqualTo(1);
    assertThat(again.delay()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> ReconnectPolicy.builder().stablePeriod(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("stablePeriod PT-1S is negative");
  }
}
