package dev.audiopipeline.livekit;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * When a participant's speech interrupts the bot, and when the bot goes on. Immutable; {@link
 * #defaults()} follows LiveKit's agents (0.5 s of speech interrupts; speech that ends without a
 * recognised word within 2.0 s was a false interruption and the utterance resumes where it
 * stopped).
 *
 * <p>The policy is driven by the session's {@link dev.audiopipeline.PipelineEvent.SpeechStarted}
 * and {@link dev.audiopipeline.PipelineEvent.SpeechEnded} events (from whatever {@link
 * dev.audiopipeline.TurnDetector} the pipeline runs) and by the participants' transcripts. While
 * the bot speaks:
 *
 * <ol>
 *   <li>A participant who may interrupt ({@link Builder#interruptibleBy}) starts speaking. With
 *       {@link Trigger#SPEECH_START} (the default) the bot pauses at once, as a person would; with
 *       {@link Trigger#MIN_DURATION} it pauses only once the speech has gone on for {@link
 *       #minSpeech()} (LiveKit's agents' behaviour: later, but a short sound never pauses it).
 *   <li>Speech that ends shorter than {@link #minSpeech()} (a cough, a click, "mm") was noise: the
 *       bot resumes after {@link #shortSoundHold()} (300 ms) unless more speech follows within it,
 *       which then counts from the first onset (a short first word is not a cough).
 *   <li>Speech of at least {@link #minSpeech()} is an interruption. As soon as the participant's
 *       recogniser returns a word for it (a partial or final transcript that ends after the speech
 *       began), the utterance is stopped for good: its handle is cancelled and only what was played
 *       counts.
 *   <li>If the speech ends and no word arrives within {@link #falseInterruptionTimeout()} of the
 *       detector reporting its end, it was a false interruption (a laugh, a chair): the utterance
 *       resumes from where it paused. With {@link Builder#resumeFalseInterruptions(boolean)
 *       resumeFalseInterruptions(false)} an interruption stops the utterance as soon as it is one,
 *       words or not.
 * </ol>
 *
 * <p>Times are measured on the session timeline: speech durations from the detector's positions
 * (not from when its events arrived), the false-interruption timeout from the arrival of the
 * speech-ended event.
 */
public final class BargeInPolicy {
  /** LiveKit's default minimum interruption duration. */
  public static final Duration DEFAULT_MIN_SPEECH = Duration.ofMillis(500);

  /** LiveKit's default false-interruption timeout. */
  public static final Duration DEFAULT_FALSE_INTERRUPTION_TIMEOUT = Duration.ofMillis(2000);

  /** Default {@link #shortSoundHold()}. */
  public static final Duration DEFAULT_SHORT_SOUND_HOLD = Duration.ofMillis(300);

  /** When the bot falls silent. */
  public enum Trigger {
    /** At the participant's first speech; a sound shorter than the minimum resumes it at once. */
    SPEECH_START,
    /** Once the speech has lasted the minimum (on the session clock since its onset). */
    MIN_DURATION
  }

  private static final BargeInPolicy DEFAULTS = builder().build();
  private static final BargeInPolicy DISABLED = builder().enabled(false).build();

  private final boolean enabled;
  private final Trigger trigger;
  private final Duration minSpeech;
  private final Duration falseInterruptionTimeout;
  private final boolean resumeFalseInterruptions;
  private final Duration shortSoundHold;
  private final Set<String> interruptibleBy;

  private BargeInPolicy(Builder b) {
    this.enabled = b.enabled;
    this.trigger = b.trigger;
    this.minSpeech = b.minSpeech;
    this.falseInterruptionTimeout = b.falseInterruptionTimeout;
    this.resumeFalseInterruptions = b.resumeFalseInterruptions;
    this.shortSoundHold = b.shortSoundHold;
    this.interruptibleBy = Set.copyOf(b.interruptibleBy);
  }

  /** LiveKit's defaults: on, 0.5 s, 2.0 s, false interruptions resume, anyone may interrupt. */
  public static BargeInPolicy defaults() {
    return DEFAULTS;
  }

  /** Nobody interrupts the bot. */
  public static BargeInPolicy disabled() {
    return DISABLED;
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether speech interrupts the bot at all. */
  public boolean enabled() {
    return enabled;
  }

  /** When the bot falls silent: at the first speech, or once it has lasted {@link #minSpeech()}. */
  public Trigger trigger() {
    return trigger;
  }

  /** The shortest speech that interrupts; shorter sounds are noise. */
  public Duration minSpeech() {
    return minSpeech;
  }

  /** How long after an interruption's speech ends a word may still arrive before it resumes. */
  public Duration falseInterruptionTimeout() {
    return falseInterruptionTimeout;
  }

  /** Whether an interruption without words resumes the utterance (else it stops it). */
  public boolean resumeFalseInterruptions() {
    return resumeFalseInterruptions;
  }

  /**
   * How long the bot stays paused after a sound shorter than {@link #minSpeech()} before it
   * resumes: speech that goes on within it (the next word after a short one) counts from the first
   * onset.
   */
  public Duration shortSoundHold() {
    return shortSoundHold;
  }

  /** The participant identities that may interrupt; empty means everyone. */
  public Set<String> interruptibleBy() {
    return interruptibleBy;
  }

  /** Whether {@code identity}'s speech counts. */
  public boolean mayInterrupt(String identity) {
    return enabled && (interruptibleBy.isEmpty() || interruptibleBy.contains(identity));
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "BargeInPolicy{disabled}";
    }
    return "BargeInPolicy{"
        + trigger.name().toLowerCase(Locale.ROOT)
        + ", minSpeech="
        + minSpeech.toMillis()
        + " ms, falseInterruptionTimeout="
        + falseInterruptionTimeout.toMillis()
        + " ms, "
        + (resumeFalseInterruptions ? "resume" : "stop")
        + " false interruptions, by "
        + (interruptibleBy.isEmpty() ? "anyone" : new TreeSet<>(interruptibleBy))
        + "}";
  }

  /** Builds a {@link BargeInPolicy}; every setter checks its value at once. */
  public static final class Builder {
    private boolean enabled = true;
    private Trigger trigger = Trigger.SPEECH_START;
    private Duration minSpeech = DEFAULT_MIN_SPEECH;
    private Duration falseInterruptionTimeout = DEFAULT_FALSE_INTERRUPTION_TIMEOUT;
    private boolean resumeFalseInterruptions = true;
    private Duration shortSoundHold = DEFAULT_SHORT_SOUND_HOLD;
    private Set<String> interruptibleBy = Set.of();

    private Builder() {}

    /** On (default) or off. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** When the bot falls silent (default {@link Trigger#SPEECH_START}). */
    public Builder trigger(Trigger trigger) {
      if (trigger == null) {
        throw new IllegalArgumentException("trigger is null: accepted SPEECH_START, MIN_DURATION");
      }
      this.trigger = trigger;
      return this;
    }

    /**
     * The shortest speech that interrupts (default 0.5 s).
     *
     * @throws IllegalArgumentException unless 0 to 10 s
     */
    public Builder minSpeech(Duration minSpeech) {
      this.minSpeech = check("minSpeech", minSpeech, Duration.ZERO, Duration.ofSeconds(10));
      return this;
    }

    /**
     * How long a word may take to arrive after an interruption's speech ended (default 2.0 s).
     *
     * @throws IllegalArgumentException unless 0 to 60 s
     */
    public Builder falseInterruptionTimeout(Duration timeout) {
      this.falseInterruptionTimeout =
          check("falseInterruptionTimeout", timeout, Duration.ZERO, Duration.ofSeconds(60));
      return this;
    }

    /** Whether an interruption without words resumes the utterance (default true). */
    public Builder resumeFalseInterruptions(boolean resume) {
      this.resumeFalseInterruptions = resume;
      return this;
    }

    /**
     * With {@link Trigger#SPEECH_START}: how long the bot stays paused after a sound shorter than
     * {@link #minSpeech} ended, waiting for more speech, before it resumes (default 300 ms). A
     * short first word ("Well, ...") then pauses the bot once instead of pausing and resuming it
     * between words; a cough pauses it for the cough, the detector's silence and this hold.
     *
     * @throws IllegalArgumentException unless 0 to 5 s
     */
    public Builder shortSoundHold(Duration hold) {
      this.shortSoundHold = check("shortSoundHold", hold, Duration.ZERO, Duration.ofSeconds(5));
      return this;
    }

    /**
     * Only these participant identities may interrupt (default: everyone). No argument means
     * everyone again.
     *
     * @throws IllegalArgumentException for a null or blank identity
     */
    public Builder interruptibleBy(String... identities) {
      if (identities == null) {
        throw new IllegalArgumentException("identities is null: give none for everyone");
      }
      for (String id : identities) {
        if (id == null || id.isBlank()) {
          throw new IllegalArgumentException(
              "interruptibleBy: identity "
                  + (id == null ? "null" : "'" + id + "'")
                  + " in "
                  + Arrays.toString(identities)
                  + " is blank: give participant identities");
        }
      }
      this.interruptibleBy =
          Set.of(new TreeSet<>(Arrays.asList(identities)).toArray(String[]::new));
      return this;
    }

    /** The policy. */
    public BargeInPolicy build() {
      return new BargeInPolicy(this);
    }

    private static Duration check(String name, Duration d, Duration min, Duration max) {
      if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name
                + " "
                + (d == null ? "null" : d.toMillis() + " ms")
                + " is out of range: accepted "
                + min.toMillis()
                + " to "
                + max.toMillis()
                + " ms");
      }
      return d;
    }
  }
}
