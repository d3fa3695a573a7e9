package dev.audiopipeline.elevenlabs.tts;

import org.jspecify.annotations.Nullable;

/**
 * ElevenLabs {@code voice_settings}. Every field is optional: unset fields are not sent, so the
 * voice's own stored settings apply.
 */
public final class VoiceSettings {
  private final @Nullable Double stability;
  private final @Nullable Double similarityBoost;
  private final @Nullable Double style;
  private final @Nullable Boolean useSpeakerBoost;
  private final @Nullable Double speed;

  private VoiceSettings(Builder b) {
    this.stability = b.stability;
    this.similarityBoost = b.similarityBoost;
    this.style = b.style;
    this.useSpeakerBoost = b.useSpeakerBoost;
    this.speed = b.speed;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.stability = stability;
    b.similarityBoost = similarityBoost;
    b.style = style;
    b.useSpeakerBoost = useSpeakerBoost;
    b.speed = speed;
    return b;
  }

  public @Nullable Double stability() {
    return stability;
  }

  public @Nullable Double similarityBoost() {
    return similarityBoost;
  }

  public @Nullable Double style() {
    return style;
  }

  public @Nullable Boolean useSpeakerBoost() {
    return useSpeakerBoost;
  }

  public @Nullable Double speed() {
    return speed;
  }

  /** Whether no field is set. */
  public boolean isEmpty() {
    return stability == null
        && similarityBoost == null
        && style == null
        && useSpeakerBoost == null
        && speed == null;
  }

  @Override
  public String toString() {
    return "VoiceSettings{stability="
        + stability
        + ", similarityBoost="
        + similarityBoost
        + ", style="
        + style
        + ", useSpeakerBoost="
        + useSpeakerBoost
        + ", speed="
        + speed
        + '}';
  }

  public static final class Builder {
    private @Nullable Double stability;
    private @Nullable Double similarityBoost;
    private @Nullable Double style;
    private @Nullable Boolean useSpeakerBoost;
    private @Nullable Double speed;

    private Builder() {}

    /** 0.0..1.0. */
    public Builder stability(double v) {
      this.stability = unit("stability", v);
      return this;
    }

    /** 0.0..1.0. */
    public Builder similarityBoost(double v) {
      this.similarityBoost = unit("similarityBoost", v);
      return this;
    }

    /** 0.0..1.0. */
    public Builder style(double v) {
      this.style = unit("style", v);
      return this;
    }

    public Builder useSpeakerBoost(boolean v) {
      this.useSpeakerBoost = v;
      return this;
    }

    /** 0.7..1.2 (1.0 is normal speed). */
    public Builder speed(double v) {
      if (!(v >= 0.7 && v <= 1.2)) {
        throw new IllegalArgumentException("speed " + v + " is out of range: accepted 0.7..1.2");
      }
      this.speed = v;
      return this;
    }

    public VoiceSettings build() {
      return new VoiceSettings(this);
    }

    private static double unit(String name, double v) {
      if (!(v >= 0.0 && v <= 1.0)) {
        throw new IllegalArgumentException(name + " " + v + " is out of range: accepted 0.0..1.0");
      }
      return v;
    }
  }
}
