package dev.audiopipeline.examples.live;

import java.util.function.LongSupplier;

/**
 * A VU meter for one audio stream: RMS and peak level in dBFS over the last {@link #WINDOW_MS}, a
 * peak hold, and a short waveform (the peak of each recent block).
 *
 * <p>{@link #accept} runs on the audio thread (WebRTC's, a speaker's drain thread, a capture loop):
 * it takes no lock, allocates nothing and writes into a fixed ring of {@link #BLOCKS} blocks. One
 * writer at a time. {@link #read} runs on the view's thread; a block written while it is read may
 * be seen half-updated, which a meter can afford. Audio that stops arriving (a participant who
 * left, a file that ended) reads as silence after {@link #WINDOW_MS}.
 */
public final class LevelMeter {
  /** Floor of the scale: anything quieter reads as this. */
  public static final double FLOOR_DB = -60;

  /** The span the RMS and peak are taken over. */
  public static final int WINDOW_MS = 100;

  /** How long the peak hold stays before it falls (at {@link #HOLD_FALL_DB_PER_S}). */
  public static final int HOLD_MS = 1500;

  static final double HOLD_FALL_DB_PER_S = 20;

  /** Blocks kept: 256 blocks of typically 10 ms. */
  static final int BLOCKS = 256;

  private final LongSupplier nanoClock;
  private final float[] blockSquares = new float[BLOCKS]; // mean square of the block, 0..1
  private final float[] blockPeak = new float[BLOCKS]; // 0..1
  private final long[] blockEndNanos = new long[BLOCKS];
  private volatile long written; // blocks written so far; publishes the arrays

  // reader state (one reader: the view)
  private double holdDb = FLOOR_DB;
  private long holdSinceNanos;

  /** A meter on the system's monotonic clock. */
  public LevelMeter() {
    this(System::nanoTime);
  }

  /** A meter on {@code nanoClock} (monotonic nanoseconds), for tests that move time by hand. */
  LevelMeter(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** Meters {@code length} samples of 16-bit audio (any channel count) as one block. */
  public void accept(short[] samples, int offset, int length) {
    if (length <= 0) {
      return;
    }
    double sum = 0;
    int peak = 0;
    for (int i = offset; i < offset + length; i++) {
      int s = samples[i];
      sum += (double) s * s;
      int a = s < 0 ? -s : s;
      if (a > peak) {
        peak = a;
      }
    }
    put(sum / length / (32768.0 * 32768.0), peak / 32768.0);
  }

  /** As {@link #accept(short[], int, int)} for signed 16-bit little-endian bytes. */
  public void acceptBytes(byte[] pcm, int offset, int length) {
    int n = length / 2;
    if (n <= 0) {
      return;
    }
    double sum = 0;
    int peak = 0;
    for (int i = 0; i < n; i++) {
      int s = (short) ((pcm[offset + 2 * i] & 0xff) | (pcm[offset + 2 * i + 1] << 8));
      sum += (double) s * s;
      int a = s < 0 ? -s : s;
      if (a > peak) {
        peak = a;
      }
    }
    put(sum / n / (32768.0 * 32768.0), peak / 32768.0);
  }

  private void put(double meanSquare, double peak) {
    long w = written;
    int i = (int) (w % BLOCKS);
    blockSquares[i] = (float) meanSquare;
    blockPeak[i] = (float) peak;
    blockEndNanos[i] = nanoClock.getAsLong();
    written = w + 1;
  }

  /** What the meter shows now. */
  public record Reading(double rmsDb, double peakDb, double holdDb, float[] waveform) {}

  /**
   * The levels of the last {@link #WINDOW_MS} and the peak of each of the last {@code waveform}
   * blocks (oldest first; blocks older than {@code waveform * 10 ms} read as 0).
   */
  public synchronized Reading read(int waveform) {
    long now = nanoClock.getAsLong();
    long w = written;
    long windowStart = now - WINDOW_MS * 1_000_000L;
    double squares = 0;
    int blocks = 0;
    double peak = 0;
    for (long b = w - 1; b >= 0 && b >= w - BLOCKS; b--) {
      int i = (int) (b % BLOCKS);
      if (blockEndNanos[i] < windowStart) {
        break;
      }
      squares += blockSquares[i];
      peak = Math.max(peak, blockPeak[i]);
      blocks++;
    }
    double rmsDb = blocks == 0 ? FLOOR_DB : db(Math.sqrt(squares / blocks));
    double peakDb = db(peak);
    double held = holdDb;
    if (holdSinceNanos != 0) {
      double age = (now - holdSinceNanos) / 1e9 - HOLD_MS / 1000.0;
      if (age > 0) {
        held = Math.max(FLOOR_DB, holdDb - age * HOLD_FALL_DB_PER_S);
      }
    }
    if (peakDb >= held) {
      holdDb = peakDb;
      holdSinceNanos = now;
      held = peakDb;
    }
    float[] wave = new float[Math.max(0, waveform)];
    long oldest = now - (long) wave.length * 10_000_000L;
    for (int k = 0; k < wave.length; k++) {
      long b = w - 1 - k;
      if (b < 0 || b < w - BLOCKS) {
        break;
      }
      int i = (int) (b % BLOCKS);
      if (blockEndNanos[i] < oldest) {
        break;
      }
      wave[wave.length - 1 - k] = blockPeak[i];
    }
    return new Reading(rmsDb, peakDb, held, wave);
  }

  /** Blocks metered so far. */
  public long blocks() {
    return written;
  }

  /** {@code level} (0..1 of full scale) in dBFS, not below {@link #FLOOR_DB}. */
  public static double db(double level) {
    return level <= 0 ? FLOOR_DB : Math.max(FLOOR_DB, 20 * Math.log10(level));
  }
}
