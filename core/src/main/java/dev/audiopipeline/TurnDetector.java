package dev.audiopipeline;

import dev.audiopipeline.audio.AudioFormat;

/**
 * Finds, per speaker, where speech starts and stops and when the speaker has finished a turn. The
 * pipeline runs one {@link Analysis} per speaker on that speaker's drain thread, on the 16 kHz mono
 * audio it sends the recogniser (never on a source's real-time thread), and publishes what it finds
 * on {@link TranscriptionSession#events()} as {@link PipelineEvent.SpeechStarted}, {@link
 * PipelineEvent.SpeechEnded} and {@link PipelineEvent.EndOfTurn}, placed on the session timeline.
 * At an end of turn the pipeline asks the recogniser for its finals ({@link SttSession#flush()}),
 * unless {@link AudioPipeline.Builder#finalizeAtEndOfTurn(boolean)} turned that off.
 *
 * <p>A detector is shared by every speaker of every session that uses it: it is thread-safe and
 * holds what is costly (models, their runtime); {@link #open} makes the cheap per-speaker state.
 * The caller owns it and closes it after the sessions that use it. The embedded neural detector
 * lives in the {@code turn-detection} module; any other detector implements this interface.
 */
public interface TurnDetector extends AutoCloseable {
  /** The only format an {@link Analysis} takes: 16 kHz mono 16-bit PCM. */
  AudioFormat FORMAT = AudioFormat.MONO_16K;

  /** A short name for logs and {@code toString()}, e.g. {@code "silero+smart-turn"}. */
  String name();

  /**
   * Per-speaker state for one speaker stream. Called once per speaker, on its drain thread.
   *
   * @param streamId the speaker stream's id, for logs
   */
  Analysis open(String streamId);

  /** Releases what the detector holds. Analyses opened from it must not be used afterwards. */
  @Override
  void close();

  /**
   * One speaker's analysis. Single-threaded: every method is called from the speaker's drain
   * thread, one call at a time. Positions are sample indices in the audio this analysis was given
   * (0 = the first sample {@link #accept} ever received; 16 samples a millisecond); the pipeline
   * maps them onto the session timeline.
   */
  interface Analysis extends AutoCloseable {
    /**
     * Takes the speaker's next samples (16 kHz mono) and reports to {@code events}, before
     * returning, every event it found up to their end. Must not block for long: it runs on the path
     * that feeds the recogniser.
     */
    void accept(short[] samples, int offset, int length, Events events);

    /**
     * The audio has a gap or is ending (the source jumped on the timeline, or the speaker left):
     * report what the audio so far decides (a speaker who was speaking has stopped) and start
     * afresh. Positions keep counting.
     */
    void reset(Events events);

    /** Releases this speaker's state. Idempotent. */
    @Override
    void close();
  }

  /** Receives an analysis' findings; called on the speaker's drain thread. */
  interface Events {
    /** Speech began at {@code atSample}. */
    void speechStarted(long atSample);

    /** Speech stopped at {@code atSample} (where the last speech sample ends). */
    void speechEnded(long atSample);

    /**
     * The speaker finished a turn, decided at {@code atSample}. {@code probability} is the
     * end-of-turn model's probability in [0, 1], or {@link Double#NaN} when no model took part
     * (decided by silence alone).
     */
    void endOfTurn(long atSample, double probability);
  }
}
