package dev.audiopipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps participant identities to speaker labels ({@code "cand-4711"} → {@code "candidate"}), with a
 * policy for identities it does not know. Immutable; build with {@link #builder()}.
 */
public final class SpeakerMap {
  /** What to do with an identity that has no label. */
  public enum UnknownPolicy {
    /** Transcribe it, labelled with the identity itself. */
    LABEL_BY_IDENTITY,
    /** Do not transcribe it (e.g. other bots in the room). */
    IGNORE
  }

  private static final SpeakerMap IDENTITY =
      new SpeakerMap(Map.of(), UnknownPolicy.LABEL_BY_IDENTITY);

  private final Map<String, String> labels;
  private final UnknownPolicy unknownPolicy;

  private SpeakerMap(Map<String, String> labels, UnknownPolicy unknownPolicy) {
    this.labels = labels;
    this.unknownPolicy = unknownPolicy;
  }

  /** Every identity is its own label. */
  public static SpeakerMap identity() {
    return IDENTITY;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.labels.putAll(labels);
    b.unknownPolicy = unknownPolicy;
    return b;
  }

  /** The label for {@code identity}, or empty if the identity is to be ignored. */
  public Optional<String> labelFor(String identity) {
    Objects.requireNonNull(identity, "identity == null");
    String label = labels.get(identity);
    if (label != null) {
      return Optional.of(label);
    }
    return unknownPolicy == UnknownPolicy.IGNORE ? Optional.empty() : Optional.of(identity);
  }

  /** The configured labels, identity to label. */
  public Map<String, String> labels() {
    return labels;
  }

  public UnknownPolicy unknownPolicy() {
    return unknownPolicy;
  }

  @Override
  public String toString() {
    return "SpeakerMap" + labels + " unknown=" + unknownPolicy;
  }

  /** Builds a {@link SpeakerMap}. */
  public static final class Builder {
    private final Map<String, String> labels = new LinkedHashMap<>();
    private UnknownPolicy unknownPolicy = UnknownPolicy.LABEL_BY_IDENTITY;

    private Builder() {}

    /** Labels {@code identity} as {@code label}. */
    public Builder put(String identity, String label) {
      Objects.requireNonNull(identity, "identity == null");
      Objects.requireNonNull(label, "label == null");
      if (identity.isBlank()) {
        throw new IllegalArgumentException("identity is blank");
      }
      if (label.isBlank()) {
        throw new IllegalArgumentException("label for identity '" + identity + "' is blank");
      }
      labels.put(identity, label);
      return this;
    }

    /** What to do with identities that have no label (default: label by identity). */
    public Builder unknown(UnknownPolicy policy) {
      this.unknownPolicy = Objects.requireNonNull(policy, "policy == null");
      return this;
    }

    public SpeakerMap build() {
      return new SpeakerMap(Map.copyOf(labels), unknownPolicy);
    }
  }
}
