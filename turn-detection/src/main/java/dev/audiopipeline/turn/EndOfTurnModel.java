package dev.audiopipeline.turn;

/**
 * The end-of-turn model as the detector sees it: a thread-safe function of the speaker's recent
 * audio. {@link SmartTurn} is the one this module ships.
 */
interface EndOfTurnModel extends AutoCloseable {
  /** The longest audio the model reads: 8 s at 16 kHz. Longer input is cut to its last 8 s. */
  int MAX_SAMPLES = 8 * 16_000;

  /**
   * The probability in [0, 1] that the speaker has finished their turn at the end of {@code
   * samples[offset, offset + length)} (16 kHz mono, in [-1, 1]). Thread-safe.
   */
  double endOfTurnProbability(float[] samples16k, int offset, int length);

  @Override
  void close();
}
