package dev.audiopipeline.testing;

import dev.audiopipeline.TurnDetector;
import java.time.Duration;

/**
 * A deterministic {@link TurnDetector} for tests of the pipeline's wiring: energy instead of a
 * model. Audio is judged in 10 ms blocks (160 samples at 16 kHz); a block is speech when its RMS
 * level is at or above the threshold. Speech starts at the first block of a run of speech blocks of
 * at least {@code minSpeech}; it ends at the end of its last speech block once {@code
 * speechEndSilence} of silence followed; the turn ends ({@code probability} NaN: silence decided)
 * once {@code endOfTurnSilence} of silence followed, decided at that point. {@link Analysis#reset}
 * ends ongoing speech where the audio so far ended (speech ended and end of turn), then starts
 * afresh.
 */
public final class EnergyTurnDetector implements TurnDetector {
  private static final int BLOCK = 160;

  private final double thresholdDbfs;
  private final int minSpeechBlocks;
  private final int speechEndBlocks;
  private final int endOfTurnBlocks;

  /**
   * @param thresholdDbfs speech level, e.g. -40
   * @param minSpeech shortest speech that counts (at least 10 ms)
   * @param speechEndSilence silence after which speech ended (at least 10 ms)
   * @param endOfTurnSilence silence after which the turn ended (at least {@code speechEndSilence})
   * @throws IllegalArgumentException for durations out of those ranges
   */
  public EnergyTurnDetector(
      double thresholdDbfs,
      Duration minSpeech,
      Duration speechEndSilence,
      Duration endOfTurnSilence) {
    this.thresholdDbfs = thresholdDbfs;
    this.minSpeechBlocks = blocks(minSpeech, "minSpeech");
    this.speechEndBlocks = blocks(speechEndSilence, "speechEndSilence");
    this.endOfTurnBlocks = blocks(endOfTurnSilence, "endOfTurnSilence");
    if (endOfTurnBlocks < speechEndBlocks) {
      throw new IllegalArgumentException(
          "endOfTurnSilence "
              + endOfTurnSilence
              + " is shorter than speechEndSilence "
              + speechEndSilence
              + "; accepted: at least as long");
    }
  }

  /** -40 dBFS, 100 ms minimum speech, speech ended after 200 ms, end of turn after 300 ms. */
  public static EnergyTurnDetector create() {
    return new EnergyTurnDetector(
        -40, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));
  }

  private static int blocks(Duration d, String what) {
    long ms = d.toMillis();
    if (ms < 10 || ms > 60_000) {
      throw new IllegalArgumentException(
          what + " " + d + " is out of range: accepted 10 ms to 60 s");
    }
    return (int) (ms / 10);
  }

  @Override
  public String name() {
    return "energy";
  }

  @Override
  public Analysis open(String streamId) {
    return new EnergyAnalysis();
  }

  @Override
  public void close() {}

  private final class EnergyAnalysis implements Analysis {
    private final double threshold = BLOCK * Math.pow(10, thresholdDbfs / 10) * 32768.0 * 32768.0;
    private long position; // samples accepted
    private double energy; // of the block being filled
    private int filled;
    private int speechRun; // consecutive speech blocks
    private int silenceRun; // consecutive silent blocks since the last speech block
    private boolean speaking; // speech started, not yet ended
    private boolean inTurn; // speech started, turn not yet ended
    private long lastSpeechEnd;

    @Override
    public void accept(short[] samples, int offset, int length, Events events) {
      for (int i = offset; i < offset + length; i++) {
        double v = samples[i];
        energy += v * v;
        position++;
        if (++filled == BLOCK) {
          block(energy >= threshold, events);
          energy = 0;
          filled = 0;
        }
      }
    }

    private void block(boolean speech, Events events) {
      if (speech) {
        speechRun++;
        silenceRun = 0;
        lastSpeechEnd = position;
        if (!speaking && speechRun == minSpeechBlocks) {
          speaking = true;
          inTurn = true;
          events.speechStarted(position - (long) speechRun * BLOCK);
        }
        return;
      }
      speechRun = 0;
      if (!inTurn) {
        return;
      }
      silenceRun++;
      if (speaking && silenceRun == speechEndBlocks) {
        speaking = false;
        events.speechEnded(lastSpeechEnd);
      }
      if (silenceRun == endOfTurnBlocks) {
        inTurn = false;
        events.endOfTurn(position, Double.NaN);
      }
    }

    @Override
    public void reset(Events events) {
      if (speaking) {
        events.speechEnded(lastSpeechEnd);
      }
      if (inTurn) {
        events.endOfTurn(position, Double.NaN);
      }
      speaking = false;
      inTurn = false;
      speechRun = 0;
      silenceRun = 0;
      energy = 0;
      filled = 0;
    }

    @Override
    public void close() {}
  }
}
