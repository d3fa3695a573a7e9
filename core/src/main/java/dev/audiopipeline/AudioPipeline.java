package dev.audiopipeline;

import dev.audiopipeline.audio.AudioSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Turns a conversation's audio into speaker-labelled transcripts: source → converter → one
 * recogniser session per speaker → one merged {@code Flow.Publisher<Transcript>}.
 *
 * <pre>{@code
 * AudioPipeline pipeline = AudioPipeline.builder()
 *     .source(WavFileSource.builder().speaker("recruiter", recruiterWav).build())
 *     .stt(provider)
 *     .speakerMap(SpeakerMap.builder().put("rec-1", "recruiter").build())
 *     .build();
 * try (TranscriptionSession session = pipeline.startTranscription()) {
 *   session.subscribe(mySubscriber);
 *   session.awaitCompletion(Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * <p>A pipeline is immutable configuration, fixed at {@link Builder#build()} (changing the builder
 * afterwards changes nothing built); it can start any number of sessions. It owns nothing: the
 * provider is yours to close, each session is closed by whoever started it.
 */
public final class AudioPipeline {
  private static final AtomicInteger SESSIONS = new AtomicInteger();

  private final Config config;

  private AudioPipeline(Config config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder with this pipeline's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.source = config.source;
    b.provider = config.provider;
    b.speakerMap = config.speakerMap;
    b.language = config.language;
    b.listener = config.listener;
    b.bufferDuration = config.bufferDuration;
    b.closeTimeout = config.closeTimeout;
    b.subscriberBufferSize = config.subscriberBufferSize;
    b.turnDetector = config.turnDetector;
    b.finalizeAtEndOfTurn = config.finalizeAtEndOfTurn;
    return b;
  }

  /**
   * Starts a session on the builder's {@link Builder#source(AudioSource) source}.
   *
   * @throws IllegalStateException if no source was configured
   */
  public TranscriptionSession startTranscription() {
    if (config.source == null) {
      throw new IllegalStateException(
          "no source configured: call builder().source(...) or startTranscription(AudioSource)");
    }
    return startTranscription(config.source);
  }

  /**
   * Starts a session on {@code source}. A source serves one session: the session starts it (on the
   * first subscription) and closes it when the session closes.
   */
  public TranscriptionSession startTranscription(AudioSource source) {
    Objects.requireNonNull(source, "source == null");
    String id = "s" + SESSIONS.incrementAndGet();
    return new TranscriptionSession(id, source, config);
  }

  public SttProvider provider() {
    return config.provider;
  }

  @Override
  public String toString() {
    return "AudioPipeline{provider="
        + provider().name()
        + ", speakers="
        + config.speakerMap
        + ", language="
        + config.language
        + "}";
  }

  /**
   * What {@link Builder#build()} fixed: the builder's values, copied; the pipeline and its sessions
   * keep this, never a builder. (The speaker map is itself immutable; source, provider and listener
   * are the caller's objects, referenced.)
   */
  static final class Config {
    final @Nullable AudioSource source;
    final SttProvider provider;
    final SpeakerMap speakerMap;
    final @Nullable String language;
    final PipelineListener listener;
    final Duration bufferDuration;
    final Duration closeTimeout;
    final int subscriberBufferSize;
    final @Nullable TurnDetector turnDetector;
    final boolean finalizeAtEndOfTurn;

    private Config(Builder b, SttProvider provider) {
      this.source = b.source;
      this.provider = provider;
      this.speakerMap = b.speakerMap;
      this.language = b.language;
      this.listener = b.listener;
      this.bufferDuration = b.bufferDuration;
      this.closeTimeout = b.closeTimeout;
      this.subscriberBufferSize = b.subscriberBufferSize;
      this.turnDetector = b.turnDetector;
      this.finalizeAtEndOfTurn = b.finalizeAtEndOfTurn;
    }
  }

  /** Configures an {@link AudioPipeline}. Validated in {@link #build()}. */
  public static final class Builder {
    @Nullable AudioSource source;
    @Nullable SttProvider provider;
    SpeakerMap speakerMap = SpeakerMap.identity();
    @Nullable String language;
    PipelineListener listener = PipelineListener.NONE;
    Duration bufferDuration = Duration.ofSeconds(2);
    Duration closeTimeout = Duration.ofSeconds(15);
    int subscriberBufferSize = 1024;
    @Nullable TurnDetector turnDetector;
    boolean finalizeAtEndOfTurn = true;

    private Builder() {}

    /** The source {@link AudioPipeline#startTranscription()} uses. */
    public Builder source(AudioSource source) {
      this.source = Objects.requireNonNull(source, "source == null");
      return this;
    }

    /** The recogniser. Required. You close it; the pipeline never does. */
    public Builder stt(SttProvider provider) {
      this.provider = Objects.requireNonNull(provider, "provider == null");
      return this;
    }

    /** Identity → label mapping (default: every identity is its own label). */
    public Builder speakerMap(SpeakerMap speakerMap) {
      this.speakerMap = Objects.requireNonNull(speakerMap, "speakerMap == null");
      return this;
    }

    /** BCP-47 language for recognition (default: the provider's default or detection). */
    public Builder language(@Nullable String language) {
      if (language != null && !language.matches("[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")) {
        throw new IllegalArgumentException(
            "language '" + language + "' is not a BCP-47 code such as en, en-US or pt-BR");
      }
      this.language = language;
      return this;
    }

    /** Metrics hooks (default: none). */
    public Builder listener(PipelineListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /**
     * Audio each speaker's ring buffer holds between the source's thread and the drain thread
     * (default 2 s, accepted 100 ms to 60 s). When full, incoming frames are dropped and counted.
     */
    public Builder bufferDuration(Duration duration) {
      Objects.requireNonNull(duration, "duration == null");
      if (duration.compareTo(Duration.ofMillis(100)) < 0
          || duration.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException(
            "bufferDuration " + duration + " is out of range: accepted 100 ms to 60 s");
      }
      this.bufferDuration = duration;
      return this;
    }

    /**
     * How long {@code close()} and a speaker leaving wait for the recogniser's last finals (default
     * 15 s, accepted 0 to 5 min). Generous on purpose: a cloud recogniser may take seconds to
     * answer the end of a long utterance, and a final dropped here is lost. A recogniser that does
     * not answer within it fails the speaker with a typed error (never an empty success).
     */
    public Builder closeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException(
            "closeTimeout " + timeout + " is out of range: accepted 0 to 5 min");
      }
      this.closeTimeout = timeout;
      return this;
    }

    /** Transcripts buffered per subscriber (default 1024, accepted 16 to 1 000 000). */
    public Builder subscriberBufferSize(int size) {
      if (size < 16 || size > 1_000_000) {
        throw new IllegalArgumentException(
            "subscriberBufferSize " + size + " is out of range: accepted 16 to 1000000");
      }
      this.subscriberBufferSize = size;
      return this;
    }

    /**
     * Runs {@code detector} on every speaker (default: none, each recogniser decides utterance ends
     * by itself). Its findings appear on {@link TranscriptionSession#events()}; see {@link
     * #finalizeAtEndOfTurn(boolean)}. You close the detector; the pipeline never does.
     */
    public Builder turnDetector(@Nullable TurnDetector detector) {
      this.turnDetector = detector;
      return this;
    }

    /**
     * Whether an end of turn found by the {@link #turnDetector(TurnDetector) turn detector} asks
     * the recogniser for its finals at once ({@link SttSession#flush()}: Deepgram's {@code
     * Finalize}, ElevenLabs' {@code commit}, the embedded recogniser's utterance cut). Default
     * true; false leaves utterance ends to the recogniser and only reports the events.
     */
    public Builder finalizeAtEndOfTurn(boolean finalize) {
      this.finalizeAtEndOfTurn = finalize;
      return this;
    }

    /**
     * Validates and builds a pipeline with a copy of this builder's values: changing the builder
     * afterwards changes neither the pipeline nor the sessions it starts.
     *
     * @throws IllegalStateException if no provider was set
     */
    public AudioPipeline build() {
      SttProvider provider = this.provider;
      if (provider == null) {
        throw new IllegalStateException(
            "no speech-to-text provider: call stt(...) with e.g. a Deepgram, ElevenLabs or the"
                + " embedded Sphinx provider");
      }
      return new AudioPipeline(new Config(this, provider));
    }
  }
}
