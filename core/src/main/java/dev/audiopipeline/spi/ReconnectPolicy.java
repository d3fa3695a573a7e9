package dev.audiopipeline.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * When and how often a dropped streaming connection is tried again. Immutable; build with {@link
 * #builder()}.
 *
 * <p>Delay before attempt {@code n} (1-based): {@code min(maxDelay, initialDelay *
 * multiplier^(n-1))} scaled by a random factor in {@code [1 - jitter, 1 + jitter]}. With {@link
 * #immediateFirstAttempt()} the first attempt is made at once and the sequence above starts at the
 * second ({@code initialDelay} before attempt 2, and so on), as LiveKit's SDKs do: a blip in the
 * network is usually over by the time a fresh connection is made. The attempt count resets once a
 * connection stayed up for {@link #stablePeriod()} ({@link Duration#ZERO}: after every connection
 * that opened). A quick-failure breaker gives up when {@link #quickFailureLimit()} connections in a
 * row died within {@link #quickFailureWindow()} of opening (a server that accepts and then drops us
 * at once is not coming back by retrying faster).
 */
public final class ReconnectPolicy {
  private static final ReconnectPolicy DEFAULTS = builder().build();

  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;
  private final double jitter;
  private final int maxAttempts;
  private final Duration stablePeriod;
  private final int quickFailureLimit;
  private final Duration quickFailureWindow;
  private final boolean immediateFirstAttempt;

  private ReconnectPolicy(Builder b) {
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.maxAttempts = b.maxAttempts;
    this.stablePeriod = b.stablePeriod;
    this.quickFailureLimit = b.quickFailureLimit;
    this.quickFailureWindow = b.quickFailureWindow;
    this.immediateFirstAttempt = b.immediateFirstAttempt;
  }

  /** 250 ms doubling to 10 s, ±20 % jitter, 8 attempts, stable after 30 s, 3 quick failures/5 s. */
  public static ReconnectPolicy defaults() {
    return DEFAULTS;
  }

  /** A policy that never reconnects: the first drop fails the session. */
  public static ReconnectPolicy none() {
    return builder().maxAttempts(0).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.initialDelay = initialDelay;
    b.maxDelay = maxDelay;
    b.multiplier = multiplier;
    b.jitter = jitter;
    b.maxAttempts = maxAttempts;
    b.stablePeriod = stablePeriod;
    b.quickFailureLimit = quickFailureLimit;
    b.quickFailureWindow = quickFailureWindow;
    b.immediateFirstAttempt = immediateFirstAttempt;
    return b;
  }

  /**
   * The delay before attempt {@code attempt} (1-based), drawing jitter from {@code random}; {@link
   * Duration#ZERO} for the first attempt when {@link #immediateFirstAttempt()}.
   */
  public Duration delay(int attempt, Random random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt " + attempt + " < 1");
    }
    int step = attempt - 1;
    if (immediateFirstAttempt) {
      if (attempt == 1) {
        return Duration.ZERO;
      }
      step--;
    }
    double base = initialDelay.toNanos() * Math.pow(multiplier, step);
    base = Math.min(base, maxDelay.toNanos());
    double factor = 1.0 - jitter + 2.0 * jitter * random.nextDouble();
    return Duration.ofNanos(Math.round(base * factor));
  }

  public Duration initialDelay() {
    return initialDelay;
  }

  public Duration maxDelay() {
    return maxDelay;
  }

  public double multiplier() {
    return multiplier;
  }

  public double jitter() {
    return jitter;
  }

  /** Consecutive reconnect attempts before the session fails; 0 disables reconnecting. */
  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration stablePeriod() {
    return stablePeriod;
  }

  public int quickFailureLimit() {
    return quickFailureLimit;
  }

  public Duration quickFailureWindow() {
    return quickFailureWindow;
  }

  /** Whether the first attempt after a drop is made at once, without a delay (default false). */
  public boolean immediateFirstAttempt() {
    return immediateFirstAttempt;
  }

  @Override
  public String toString() {
    return "ReconnectPolicy{initialDelay="
        + initialDelay
        + ", maxDelay="
        + maxDelay
        + ", multiplier="
        + multiplier
        + ", jitter="
        + jitter
        + ", maxAttempts="
        + maxAttempts
        + ", stablePeriod="
        + stablePeriod
        + ", quickFailures="
        + quickFailureLimit
        + "/"
        + quickFailureWindow
        + (immediateFirstAttempt ? ", immediateFirstAttempt" : "")
        + "}";
  }

  /** Builder; {@link #build()} validates every value. */
  public static final class Builder {
    private Duration initialDelay = Duration.ofMillis(250);
    private Duration maxDelay = Duration.ofSeconds(10);
    private double multiplier = 2.0;
    private double jitter = 0.2;
    private int maxAttempts = 8;
    private Duration stablePeriod = Duration.ofSeconds(30);
    private int quickFailureLimit = 3;
    private Duration quickFailureWindow = Duration.ofSeconds(5);
    private boolean immediateFirstAttempt;

    private Builder() {}

    public Builder initialDelay(Duration v) {
      this.initialDelay = Objects.requireNonNull(v, "initialDelay == null");
      return this;
    }

    public Builder maxDelay(Duration v) {
      this.maxDelay = Objects.requireNonNull(v, "maxDelay == null");
      return this;
    }

    public Builder multiplier(double v) {
      this.multiplier = v;
      return this;
    }

    public Builder jitter(double v) {
      this.jitter = v;
      return this;
    }

    public Builder maxAttempts(int v) {
      this.maxAttempts = v;
      return this;
    }

    public Builder stablePeriod(Duration v) {
      this.stablePeriod = Objects.requireNonNull(v, "stablePeriod == null");
      return this;
    }

    /** Quick failures in a row that trip the breaker; 0 disables the breaker. */
    public Builder quickFailureLimit(int v) {
      this.quickFailureLimit = v;
      return this;
    }

    public Builder quickFailureWindow(Duration v) {
      this.quickFailureWindow = Objects.requireNonNull(v, "quickFailureWindow == null");
      return this;
    }

    /**
     * Whether the first attempt after a drop goes out at once (default false); the exponential
     * sequence then starts with the second attempt.
     */
    public Builder immediateFirstAttempt(boolean v) {
      this.immediateFirstAttempt = v;
      return this;
    }

    public ReconnectPolicy build() {
      if (initialDelay.isNegative()) {
        throw new IllegalArgumentException("initialDelay " + initialDelay + " is negative");
      }
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException(
            "maxDelay " + maxDelay + " < initialDelay " + initialDelay);
      }
      if (!(multiplier >= 1.0)) {
        throw new IllegalArgumentException("multiplier " + multiplier + " must be >= 1.0");
      }
      if (!(jitter >= 0.0 && jitter < 1.0)) {
        throw new IllegalArgumentException("jitter " + jitter + " must be in [0, 1)");
      }
      if (maxAttempts < 0) {
        throw new IllegalArgumentException("maxAttempts " + maxAttempts + " must be >= 0");
      }
      if (stablePeriod.isNegative()) {
        throw new IllegalArgumentException("stablePeriod " + stablePeriod + " is negative");
      }
      if (quickFailureLimit < 0) {
        throw new IllegalArgumentException(
            "quickFailureLimit " + quickFailureLimit + " must be >= 0");
      }
      return new ReconnectPolicy(this);
    }
  }
}
