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
 *
 * <p>With {@link LiveKitRoomSource.Builder#captions(boolean) captions} on, the transcripts also go
 * into the room as live captions ({@link LiveKitRoomSource#publishCaptions}); the caption publisher
 * subscribes to the session's events, so the session (and the join) starts at once rather than at
 * your first subscription: subscribe right after this call, before the first words are spoken.
 */
public final class LiveKitTranscriber {
  private LiveKitTranscriber() {}

  /** Transcribes every participant of {@code room}, labelled through {@code speakers}. */
  public static TranscriptionSession transcribe(
      LiveKitRoomSource room, SttProvider provider, SpeakerMap speakers) {
    Objects.requireNonNull(room, "room == null");
    Objects.requireNonNull(provider, "provider == null");
    Objects.requireNonNull(speakers, "speakers == null");
    TranscriptionSession session =
        AudioPipeline.builder().stt(provider).speakerMap(speakers).build().startTranscription(room);
    if (room.captions()) {
      room.publishCaptions(session);
    }
    return session;
  }

  /** Transcribes every participant of {@code room}, each labelled with its identity. */
  public static TranscriptionSession transcribe(LiveKitRoomSource room, SttProvider provider) {
    return transcribe(room, provider, SpeakerMap.identity());
  }
}
