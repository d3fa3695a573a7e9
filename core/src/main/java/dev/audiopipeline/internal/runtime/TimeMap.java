package dev.audiopipeline.internal.runtime;

import java.util.Arrays;

/**
 * The time model: one piecewise-linear, monotone map from an <em>input</em> clock to an
 * <em>output</em> clock, and the one threshold policy that decides where the pieces break. Every
 * time in a {@code Transcript} passes through the speaker's map and, before it, the recogniser's
 * own (a connection's, a fallback provider's, the embedded recogniser's), and source timestamps are
 * judged by its policy. The three clocks (core README, "Time: three clocks, one model"):
 *
 * <ol>
 *   <li><b>Source time</b>: the microsecond stamp a source puts on each write ({@code AudioSink}, 0
 *       = when the source started). Stamps of sample-exact sources (files, the microphone) advance
 *       by the audio's duration; a network source stamps by arrival, smoothed by {@code
 *       dev.audiopipeline.audio.ArrivalClock} within {@link #ARRIVAL_JITTER_MICROS}. The speaker's
 *       channel compares each stamp with the time its sample count predicts ({@link #isGap}) and
 *       marks an anchor where audio is missing (a gap, a muted track, a late joiner's first frame).
 *   <li><b>Speaker time</b> (the session's shared timeline, {@code Transcript.startMs}): the
 *       speaker channel's map takes the audio it sent to the recogniser (input: sample frames sent,
 *       from 0; the converter's filter delay is removed before sending, so sent time equals input
 *       time) to source time (output). Anchors: the first write and every gap.
 *   <li><b>Connection time</b>: what a provider counts on one WebSocket connection, from 0. The
 *       streaming session's map per connection takes it (input) to the session's sample position
 *       (output; the speaker's sent audio): the connection starts where its replay began,
 *       keep-alive silence advances only the input ({@link #insert}), audio lost beyond the replay
 *       buffer only the output ({@link #jumpTo}). A {@code FallbackSttProvider} places each
 *       provider's session at the position its replay began the same way; the embedded recogniser
 *       ({@code SphinxSession}) maps what it decoded to what it was sent, jumping over audio its
 *       full buffer dropped.
 * </ol>
 *
 * <p>Between anchors both clocks run at 1:1. An input time maps to {@code anchor.out + (t -
 * anchor.in)} for the last anchor at or before {@code t}, capped so that the map never passes the
 * next anchor: input time inside inserted silence maps to where the silence was inserted, and the
 * map is monotone (results of one speaker never go back in time). Before the first anchor the first
 * anchor's offset applies (clamped at it).
 *
 * <p>Positions are sample frames (per channel) at one rate on both sides; milliseconds are
 * converted at the edges ({@link #toOutputMs}). Bounded: at most {@link #MAX_ANCHORS} anchors; the
 * oldest merge away (only results older than that many discontinuities are affected; they are then
 * placed at the oldest anchor kept). Thread-safe: the writer (a drain thread, or a session under
 * its lock) and readers (provider threads) may be different threads; anchors are rare and the
 * methods are short.
 */
public final class TimeMap {
  // ---------------------------------------------------------------- the one threshold policy

  /**
   * A write stamped more than this after the time its sample count predicts leaves a gap on the
   * timeline (audio is missing: a muted or paused track, dropped frames, a late first frame). 20 ms
   * is two 10 ms WebRTC frames: a shorter discrepancy is left in and is the largest placement error
   * the model allows, the figure every timeline test holds each path to. Sample-exact sources never
   * drift; network stamps are smoothed before they reach the sink ({@link #ARRIVAL_JITTER_MICROS}).
   * Before this model the channel used 100 ms.
   */
  public static final long GAP_MICROS = 20_000;

  /**
   * A gap at least this long also resets the sample-rate converter (its filter state belongs to
   * audio that is unrelated to what follows). 1 s: far longer than any filter (a few ms), and short
   * gaps keep the filter's history so that no click is sent.
   */
  public static final long RESET_MICROS = 1_000_000;

  /**
   * A source that knows only when its frames arrive (a WebRTC track) stamps them by sample count as
   * long as arrival stays within this of it, and by arrival beyond (a real gap, or a burst after a
   * stall). 200 ms: the audio thread of one process serves every track, and a loaded machine or a
   * GC pause delays it by tens of milliseconds without any audio being lost; shorter real gaps in a
   * network track are concealed by the receiver (WebRTC plays concealment frames), so they do not
   * appear as missing frames anyway.
   */
  public static final long ARRIVAL_JITTER_MICROS = 200_000;

  /** Anchors kept per map (see the class comment for what merging away the oldest means). */
  public static final int MAX_ANCHORS = 1024;

  /**
   * A provider result timed this far beyond the audio its connection carried is refused (a broken
   * or hostile server's numbers); smaller excursions are clamped to the audio sent. 10 minutes.
   */
  public static final long MAX_RESULT_AHEAD_MS = 600_000;

  /** Whether a write {@code driftMicros} after the time its sample count predicts is a gap. */
  public static boolean isGap(long driftMicros) {
    return driftMicros > GAP_MICROS;
  }

  /** Whether a gap of {@code driftMicros} also resets the converter. */
  public static boolean resetsConverter(long driftMicros) {
    return driftMicros >= RESET_MICROS;
  }

  // ---------------------------------------------------------------- the map

  private final int sampleRate;
  // anchors in a ring: logical index k is at (first + k) % in.length; grows to MAX_ANCHORS
  private long[] in = new long[8];
  private long[] out = new long[8];
  private int first;
  private int size;
  private long inPos;
  private long outPos;

  /** A map whose input position 0 is output position 0. */
  public TimeMap(int sampleRate) {
    this(sampleRate, 0);
  }

  /** A map whose input position 0 is output position {@code outStart} (sample frames). */
  public TimeMap(int sampleRate, long outStart) {
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate " + sampleRate + ": accepted > 0");
    }
    this.sampleRate = sampleRate;
    this.outPos = outStart;
    addAnchor();
  }

  public int sampleRate() {
    return sampleRate;
  }

  /** {@code frames} of audio went through: both clocks advance. */
  public synchronized void advance(long frames) {
    inPos += frames;
    outPos += frames;
  }

  /**
   * {@code frames} were inserted on the input that are not on the output (keep-alive silence):
   * input time inside them maps to the output position where they were inserted.
   */
  public synchronized void insert(long frames) {
    inPos += frames;
    addAnchor();
  }

  /**
   * The output moves to {@code outFrames} before the next audio (a gap in the source, audio lost
   * before it reached a connection). The first call before any audio sets the start.
   */
  public synchronized void jumpTo(long outFrames) {
    if (outFrames != outPos) {
      outPos = outFrames;
      addAnchor();
    }
  }

  /** Input frames so far (for a connection: the audio the provider has been given). */
  public synchronized long inputFrames() {
    return inPos;
  }

  /** Input so far in milliseconds (floor). */
  public synchronized long inputMs() {
    return inPos * 1000 / sampleRate;
  }

  /** The current output position (sample frames). */
  public synchronized long outputFrames() {
    return outPos;
  }

  public synchronized int anchors() {
    return size;
  }

  /** Output milliseconds for input milliseconds (rounded to a sample frame, then floor to ms). */
  public long toOutputMs(double inMs) {
    long p = Math.round(inMs * sampleRate / 1000.0);
    return toOutputFrames(p) * 1000 / sampleRate;
  }

  /** Output frames for input frames. */
  public synchronized long toOutputFrames(long p) {
    int k = floorIndex(p);
    long baseIn = in[slot(k)];
    long baseOut = out[slot(k)];
    long s = baseOut + Math.max(0, p - baseIn);
    if (k + 1 < size) {
      long nextIn = in[slot(k + 1)];
      long nextOut = out[slot(k + 1)];
      // audio between two anchors ends where the next one begins on both clocks: at the next
      // output position (inserted silence, a step back) or at the input's length (a jump ahead)
      s = Math.min(s, Math.min(nextOut, baseOut + (nextIn - baseIn)));
    }
    return s;
  }

  /** The last logical anchor index whose input position is at or before {@code p} (0 if none). */
  private int floorIndex(long p) {
    int lo = 0;
    int hi = size - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (in[slot(mid)] <= p) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private int slot(int k) {
    return (first + k) % in.length;
  }

  private void addAnchor() {
    if (size > 0 && in[slot(size - 1)] == inPos) {
      out[slot(size - 1)] = outPos; // same input position: the later anchor wins
      return;
    }
    if (size == in.length) {
      if (in.length < MAX_ANCHORS) {
        grow();
      } else {
        first = (first + 1) % in.length; // the oldest merges away
        size--;
      }
    }
    in[slot(size)] = inPos;
    out[slot(size)] = outPos;
    size++;
  }

  private void grow() {
    int n = Math.min(MAX_ANCHORS, in.length * 2);
    long[] i2 = new long[n];
    long[] o2 = new long[n];
    for (int k = 0; k < size; k++) {
      i2[k] = in[slot(k)];
      o2[k] = out[slot(k)];
    }
    in = i2;
    out = o2;
    first = 0;
  }

  @Override
  public synchronized String toString() {
    long[] a = new long[2 * size];
    for (int k = 0; k < size; k++) {
      a[2 * k] = in[slot(k)];
      a[2 * k + 1] = out[slot(k)];
    }
    return "TimeMap{"
        + sampleRate
        + " Hz, at "
        + inPos
        + "->"
        + outPos
        + ", anchors (in,out) "
        + Arrays.toString(a)
        + "}";
  }
}
