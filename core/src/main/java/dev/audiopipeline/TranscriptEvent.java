package dev.audiopipeline;

import dev.audiopipeline.internal.runtime.DisplayText;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link SttSession} reports. Times are milliseconds on the session's own audio: 0 is the
 * first sample sent to {@link SttSession#send}, and they keep counting across reconnects (a session
 * that reconnects adds the audio already sent; providers restart at 0 on every connection).
 */
public sealed interface TranscriptEvent {

  /**
   * Recognised speech: a partial (interim) or final result for one segment.
   *
   * <p>Made from what a provider sent, so it is checked as {@link Transcript} is: the text and
   * language are cleaned for display, times must lie in {@code 0..}{@link Transcript#MAX_TIME_MS}
   * (a codec that builds a result from absurd times throws, and the session skips that message with
   * a WARN), a confidence that is not a number becomes {@code null}, one outside 0..1 is clamped.
   *
   * @param segmentId unique within the session; a partial and its final share it
   */
  record Result(
      boolean isFinal,
      String text,
      long startMs,
      long endMs,
      @Nullable String language,
      @Nullable Double confidence,
      List<Word> words,
      String segmentId)
      implements TranscriptEvent {
    public Result {
      Objects.requireNonNull(text, "text == null");
      Objects.requireNonNull(segmentId, "segmentId == null");
      text = DisplayText.clean(text, DisplayText.MAX_TEXT);
      language = language == null ? null : DisplayText.clean(language, DisplayText.MAX_NAME);
      segmentId = DisplayText.clean(segmentId, DisplayText.MAX_TEXT);
      words = List.copyOf(words);
      Transcript.checkTimes(startMs, endMs);
      confidence = Transcript.confidence(confidence);
    }
  }

  /** The connection dropped and the session is trying again. Audio is buffered meanwhile. */
  record Reconnecting(int attempt, Duration delay, AudioPipelineException cause)
      implements TranscriptEvent {}

  /** The connection is back; buffered audio is being replayed in order. */
  record Reconnected(int attempt, Duration downtime) implements TranscriptEvent {}

  /** A fallback provider took over (or the preferred one came back). */
  record ProviderSwitched(String from, String to, String reason) implements TranscriptEvent {}

  /** Audio was lost beyond a bounded buffer (e.g. a reconnect longer than the replay buffer). */
  record AudioDropped(long droppedMs, String reason) implements TranscriptEvent {}

  /** The session failed for good. No events follow. */
  record Failed(AudioPipelineException error) implements TranscriptEvent {}
}
