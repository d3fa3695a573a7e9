package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.TranscriptionSession;
import java.util.Objects;

/**
 * A LiveKit room to speaker-labelled transcripts in one call:
 *
 * <pre>{@code
 * try (TranscriptionSession transcripts = LiveKitTranscriber.transcribe(
 *     LiveKitRoomSource.fromEnv().build(),
 *     provider,
 *     SpeakerMap.builder().put("rec-1", "recruiter").put("cand-7", "candidate").build())) {
 *   transcripts.subscribe(subscriber);          // a Flow.Publisher<Transcript>
 *   transcripts.awaitCompletion(Duration.ofHours(1));
 * }
 * }</pre>
 *
 * <p>The session owns the room source: it joins on the first subscription and leaves the room when
 * the session is closed. The provider stays yours to close.
 */
public final class LiveKitTranscriber {
  private LiveKitTranscriber() {}

  /** Transcribes every participant of {@code room}, labelled through {@code speakers}. */
  public static TranscriptionSession transcribe(
      LiveKitRoomSource room, SttProvider provider, SpeakerMap speakers) {
    Objects.requireNonNull(room, "room == null");
    Objects.requireNonNull(provider, "provider == null");
    Objects.requireNonNull(speakers, "speakers == null");
    return AudioPipeline.builder()
        .stt(provider)
        .speakerMap(speakers)
        .build()
        .startTranscription(room);
  }

  /** Transcribes every participant of {@code room}, each labelled with its identity. */
  public static TranscriptionSession transcribe(LiveKitRoomSource room, SttProvider provider) {
    return transcribe(room, provider, SpeakerMap.identity());
  }
}
