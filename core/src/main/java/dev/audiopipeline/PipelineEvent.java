package dev.audiopipeline;

/**
 * Everything that happens in a {@link TranscriptionSession}, in order: transcripts plus the events
 * around them (speakers joining and leaving, reconnects, provider switches, dropped audio). Read it
 * with {@link TranscriptionSession#events()}; the session itself publishes only the transcripts.
 */
public sealed interface PipelineEvent {
  /** A transcript, the same object the session publishes. */
  record TranscriptReceived(Transcript transcript) implements PipelineEvent {}

  /** A speaker stream began. */
  record SpeakerJoined(String streamId, String identity, String speaker, long atMs)
      implements PipelineEvent {}

  /** A speaker stream ended; all its audio has been transcribed. */
  record SpeakerLeft(String streamId, String identity, String speaker, long atMs)
      implements PipelineEvent {}

  /**
   * A provider event for one speaker: reconnecting, reconnected, provider switched, audio dropped.
   * Never a {@link TranscriptEvent.Result} (those arrive as {@link TranscriptReceived}).
   */
  record ProviderEvent(String streamId, String speaker, TranscriptEvent event)
      implements PipelineEvent {}

  /**
   * A {@link TurnDetector} heard a speaker start speaking at {@code atMs} on the session timeline.
   */
  record SpeechStarted(String streamId, String speaker, long atMs) implements PipelineEvent {}

  /** A {@link TurnDetector} heard a speaker stop speaking at {@code atMs}. */
  record SpeechEnded(String streamId, String speaker, long atMs) implements PipelineEvent {}

  /**
   * A {@link TurnDetector} decided at {@code atMs} that the speaker finished a turn; {@code
   * probability} is the end-of-turn model's, or {@link Double#NaN} when silence alone decided.
   */
  record EndOfTurn(String streamId, String speaker, long atMs, double probability)
      implements PipelineEvent {}

  /**
   * The {@link TurnDetector} {@code detector} threw for this speaker ({@code error} says in which
   * call and what): turn detection is off for the speaker from here on; its transcription goes on,
   * with finals left to the recogniser's own end-pointing.
   */
  record TurnDetectorFailed(String streamId, String speaker, String detector, String error)
      implements PipelineEvent {}
}
