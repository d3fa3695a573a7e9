package dev.audiopipeline.elevenlabs.tts;

import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.spi.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link ElevenLabsTts} was built with, frozen by {@link
 * ElevenLabsTts.Builder#build()}: the provider and its collaborators ({@link HttpSynthesis}, {@link
 * WsConnection}, {@link WsStream}) read their settings only from here, so changing the builder
 * afterwards changes nothing built. Every component is immutable (the schedule is copied). {@link
 * #toString()} masks the key.
 */
record TtsConfig(
    String apiKey,
    HttpUrl baseUrl,
    HttpUrl webSocketBaseUrl,
    String voiceId,
    String modelId,
    OutputFormat outputFormat,
    VoiceSettings voiceSettings,
    @Nullable String languageCode,
    boolean enableLogging,
    boolean alignment,
    @Nullable String applyTextNormalization,
    @Nullable Long seed,
    @Nullable Integer optimizeStreamingLatency,
    ReconnectPolicy retryPolicy,
    Duration maxRetryDelay,
    Duration synthesisTimeout,
    Clock clock,
    PipelineListener listener,
    Duration inactivityTimeout,
    Duration keepAliveInterval,
    Duration finalTimeout,
    @Nullable List<Integer> chunkLengthSchedule,
    boolean autoMode,
    int maxBufferedChunks,
    Duration connectionIdleTimeout,
    int maxContextsPerConnection) {

  TtsConfig {
    chunkLengthSchedule = chunkLengthSchedule == null ? null : List.copyOf(chunkLengthSchedule);
  }

  @Override
  public String toString() {
    return "TtsConfig{voice="
        + voiceId
        + ", model="
        + modelId
        + ", format="
        + outputFormat
        + ", baseUrl="
        + Secrets.safeUrl(baseUrl.toString())
        + ", apiKey="
        + Secrets.MASK
        + "}";
  }
}
