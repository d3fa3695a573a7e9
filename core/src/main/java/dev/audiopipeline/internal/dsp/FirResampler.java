package dev.audiopipeline.internal.dsp;

import java.util.Arrays;

/**
 * The input side the single-stream FIR engines ({@link PolyphaseResampler}, {@link
 * InterpolatingResampler}) share: input is down-mixed into one float buffer preceded by {@code taps
 * - 1 + lead} zeros, samples no future output needs are dropped when the buffer is half full, and a
 * drain feeds zeros until the requested tail is out. A subclass supplies only how an output sample
 * is computed ({@link #emit}) and where the first output sits ({@link #resetPosition}).
 *
 * <p>Absolute indices count input samples including the {@code lead} leading zeros: {@link #first}
 * is the index of {@code buf[0]}, {@link #next} that of the newest sample the next output needs.
 */
abstract class FirResampler extends Resampler {
  private static final int CHUNK = 2048;

  /** T, a multiple of the engine's unrolling. */
  int taps;

  /** Silent samples before the first input sample. */
  private int lead;

  private long startIndex;
  float[] buf = new float[0];
  long first;
  int fill;
  long next;

  FirResampler(int up, int down, int delayFrames, int slack) {
    super(up, down, delayFrames, slack);
  }

  /** Called once by the subclass constructor, after its own start position is set. */
  final void initInput(int taps, int lead, long startIndex) {
    this.taps = taps;
    this.lead = lead;
    this.startIndex = startIndex;
    this.buf = new float[taps + lead + CHUNK];
    doReset();
  }

  /** Writes at most {@code limit} outputs the buffered input allows; returns how many. */
  abstract int emit(int limit, short[] out, int outOffset);

  /** Puts the subclass's position within {@link #next} back to that of the first output. */
  abstract void resetPosition();

  @Override
  final int doProcess(
      short[] in, int offset, int frames, int channels, short[] out, int outOffset) {
    int written = 0;
    int done = 0;
    while (done < frames) {
      compact();
      int n = Math.min(frames - done, buf.length - fill);
      Downmix.toMono(in, offset + done * channels, n, channels, buf, fill);
      fill += n;
      done += n;
      written += emit(Integer.MAX_VALUE, out, outOffset + written);
    }
    return written;
  }

  @Override
  final int doDrain(int count, short[] out, int outOffset) {
    int written = 0;
    while (written < count) {
      compact();
      int n = buf.length - fill;
      Arrays.fill(buf, fill, fill + n, 0f);
      fill += n;
      written += emit(count - written, out, outOffset + written);
    }
    return written;
  }

  @Override
  final void doReset() {
    Arrays.fill(buf, 0f);
    first = -(taps - 1);
    fill = taps - 1 + lead;
    next = startIndex;
    resetPosition();
  }

  /** Drops samples no future output needs. */
  private void compact() {
    int keepFrom = (int) Math.min(fill, next - taps + 1 - first);
    if (keepFrom > 0 && fill > buf.length / 2) {
      int keep = fill - keepFrom;
      System.arraycopy(buf, keepFrom, buf, 0, keep);
      first += keepFrom;
      fill = keep;
    }
  }
}
