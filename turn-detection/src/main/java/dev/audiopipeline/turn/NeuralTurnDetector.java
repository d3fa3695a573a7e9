package dev.audiopipeline.turn;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.TurnDetector;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * The offline {@link TurnDetector}: Silero VAD v5 finds speech per 32 ms frame, and in {@link
 * Mode#TURN} Smart Turn v3.2 reads the speaker's last ≤ 8 s of audio at each pause to say whether
 * the turn is over. Both models ship in this jar and run on the CPU with ONNX Runtime; nothing goes
 * over the network.
 *
 * <pre>{@code
 * try (NeuralTurnDetector detector = NeuralTurnDetector.builder().build()) { // TURN mode
 *   AudioPipeline pipeline = AudioPipeline.builder().turnDetector(detector)...build();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>What it reports</b> (per speaker, positions in samples of that speaker's 16 kHz audio):
 *
 * <ul>
 *   <li>{@code speechStarted(at)} once {@link Builder#minSpeech} of consecutive frames scored at
 *       least {@link Builder#speechThreshold}; {@code at} is the start of the first of them.
 *   <li>{@code speechEnded(at)} once the frames after speech scored below {@link
 *       Builder#speechThreshold} (and at least one below {@link Builder#silenceThreshold}) for
 *       {@link Builder#stopSilence}; {@code at} is the end of the last speech frame.
 *   <li>{@code endOfTurn(at, probability)}: in {@link Mode#VAD} when the silence after speech
 *       reaches {@link Builder#endOfTurnSilence}, with probability NaN. In {@link Mode#TURN} at
 *       each speech end the end-of-turn model reads the turn's audio (from half a second before the
 *       turn's first speech, at most the last 8 s); a probability of at least {@link
 *       Builder#endOfTurnThreshold} ends the turn there, otherwise the detector waits: more speech
 *       continues the same turn and is judged again at its end, and a silence of {@link
 *       Builder#fallbackSilence} ends it anyway (probability NaN). {@code at} is where it was
 *       decided.
 * </ul>
 *
 * <p>Durations are counted in whole 32 ms frames, rounded to the nearest (200 ms is 6 frames, 192
 * ms; {@link Builder#minSpeech} and {@link Builder#stopSilence} are at least one frame). A decision
 * is made at the end of the frame that completes it, so events come at most 32 ms after the audio
 * that decides them has been given to {@link Analysis#accept}.
 *
 * <p><b>Threads and cost.</b> The detector is thread-safe and shares the two ONNX Runtime sessions
 * among all speakers (concurrent {@code run} on one session is safe; see {@link SileroVad}); each
 * {@link Analysis} holds one speaker's state and runs on that speaker's thread. ONNX Runtime starts
 * no threads of its own (one intra-op thread: the caller's). An analysis scores each 32 ms frame
 * (tens of microseconds) and, in TURN mode, runs the end-of-turn model once per speech end (tens of
 * milliseconds), on the calling thread. Per speaker it keeps a 32 ms frame and, in TURN mode, an 8
 * s window of 16-bit audio (256 KB; older audio is overwritten: the model never reads further
 * back). In steady state it allocates nothing itself; ONNX Runtime's Java binding allocates a few
 * hundred bytes per model call.
 */
public final class NeuralTurnDetector implements TurnDetector {
  /** What the detector decides. */
  public enum Mode {
    /** Speech start and end; end of turn after {@link Builder#endOfTurnSilence} of silence. */
    VAD,
    /** VAD plus the Smart Turn end-of-turn model at each speech end. */
    TURN
  }

  /** Default {@link Builder#speechThreshold}: Silero's own default. */
  public static final double DEFAULT_SPEECH_THRESHOLD = 0.5;

  /** Default {@link Builder#silenceThreshold}: Silero's ({@code speechThreshold - 0.15}). */
  public static final double DEFAULT_SILENCE_THRESHOLD = 0.35;

  /** Default {@link Builder#minSpeech}: pipecat's VAD start time. */
  public static final Duration DEFAULT_MIN_SPEECH = Duration.ofMillis(200);

  /** Default {@link Builder#stopSilence}: pipecat's VAD stop time, the one Smart Turn expects. */
  public static final Duration DEFAULT_STOP_SILENCE = Duration.ofMillis(200);

  /** Default {@link Builder#endOfTurnSilence} (VAD mode). */
  public static final Duration DEFAULT_END_OF_TURN_SILENCE = Duration.ofMillis(800);

  /** Default {@link Builder#endOfTurnThreshold} (TURN mode): the model's own decision boundary. */
  public static final double DEFAULT_END_OF_TURN_THRESHOLD = 0.5;

  /** Default {@link Builder#fallbackSilence} (TURN mode): pipecat's Smart Turn stop time. */
  public static final Duration DEFAULT_FALLBACK_SILENCE = Duration.ofSeconds(3);

  static final int FRAME = SileroVad.FRAME_SAMPLES;
  static final int SAMPLES_PER_MS = 16;

  /** Audio before the turn's first speech that the end-of-turn model also reads (as pipecat). */
  static final int PRE_SPEECH_SAMPLES = 500 * SAMPLES_PER_MS;

  /** Silero's state is reset after this much audio once the speaker is clearly quiet (pipecat). */
  private static final int MODEL_RESET_FRAMES = 2 * SileroVad.SAMPLE_RATE / FRAME;

  private static final float MODEL_RESET_MAX_PROBABILITY = 0.1f;
  private static final int MODEL_RESET_LOW_FRAMES = 5;

  private final Mode mode;
  private final float speechThreshold;
  private final float silenceThreshold;
  private final int minSpeechFrames;
  private final long stopSilenceSamples;
  private final long endOfTurnSilenceSamples;
  private final double endOfTurnThreshold;
  private final long fallbackSilenceSamples;
  private final SileroVad vad;
  private final @Nullable SmartTurn endOfTurnModel;
  // float copies of a speaker's window for the end-of-turn model; shared, bounded
  private final ArrayBlockingQueue<float[]> scratch;

  private NeuralTurnDetector(Builder b, SileroVad vad, @Nullable SmartTurn model) {
    this.mode = b.mode;
    this.speechThreshold = (float) b.speechThreshold;
    this.silenceThreshold = (float) b.silenceThreshold;
    this.minSpeechFrames = Math.max(1, frames(b.minSpeech));
    this.stopSilenceSamples = (long) Math.max(1, frames(b.stopSilence)) * FRAME;
    this.endOfTurnSilenceSamples = (long) frames(b.endOfTurnSilence) * FRAME;
    this.endOfTurnThreshold = b.endOfTurnThreshold;
    this.fallbackSilenceSamples = (long) frames(b.fallbackSilence) * FRAME;
    this.vad = vad;
    this.endOfTurnModel = model;
    this.scratch =
        new ArrayBlockingQueue<>(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  /** A builder with every default: TURN mode, the thresholds above. */
  public static Builder builder() {
    return new Builder();
  }

  /** The mode this detector was built with. */
  public Mode mode() {
    return mode;
  }

  @Override
  public String name() {
    return mode == Mode.TURN ? "silero+smart-turn" : "silero";
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if this detector is closed
   */
  @Override
  public Analysis open(String streamId) {
    Objects.requireNonNull(streamId, "streamId");
    return new SpeakerAnalysis(streamId, vad.newStream());
  }

  /**
   * Runs the end-of-turn model on a clip: the probability in [0, 1] that the speaker has finished
   * their turn at its end. Reads at most the clip's last 8 s. For tools and benchmarks; the
   * analyses call the model themselves. Thread-safe.
   *
   * @param samples 16 kHz mono 16-bit audio
   * @throws IllegalStateException in {@link Mode#VAD} (the model is not loaded) or when closed
   * @throws IndexOutOfBoundsException if {@code offset}/{@code length} do not fit {@code samples}
   * @throws IllegalArgumentException if {@code length} is 0
   */
  public double endOfTurnProbability(short[] samples, int offset, int length) {
    checkRange(samples, offset, length);
    if (length == 0) {
      throw new IllegalArgumentException("the clip is empty: give at least one sample");
    }
    SmartTurn model = requireModel();
    int n = Math.min(length, SmartTurn.MAX_SAMPLES);
    float[] buffer = borrowScratch();
    try {
      int from = offset + length - n;
      for (int i = 0; i < n; i++) {
        buffer[i] = samples[from + i] * (1f / 32768f);
      }
      return model.endOfTurnProbability(buffer, 0, n);
    } finally {
      returnScratch(buffer);
    }
  }

  /**
   * Releases both models. Waits for model calls in progress on other threads; analyses used
   * afterwards throw {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    try {
      vad.close();
    } finally {
      if (endOfTurnModel != null) {
        endOfTurnModel.close();
      }
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "NeuralTurnDetector[%s, speech %.2f/%.2f, minSpeech %d ms, stop %d ms, %s]",
        mode,
        speechThreshold,
        silenceThreshold,
        minSpeechFrames * FRAME / SAMPLES_PER_MS,
        stopSilenceSamples / SAMPLES_PER_MS,
        mode == Mode.TURN
            ? String.format(
                Locale.ROOT,
                "end of turn p >= %.2f, fallback %d ms",
                endOfTurnThreshold,
                fallbackSilenceSamples / SAMPLES_PER_MS)
            : "end of turn after " + endOfTurnSilenceSamples / SAMPLES_PER_MS + " ms");
  }

  private SmartTurn requireModel() {
    SmartTurn model = endOfTurnModel;
    if (model == null) {
      throw new IllegalStateException(
          "the end-of-turn model is loaded in Mode.TURN only; this detector runs " + mode);
    }
    return model;
  }

  private float[] borrowScratch() {
    float[] b = scratch.poll();
    return b != null ? b : new float[SmartTurn.MAX_SAMPLES];
  }

  private void returnScratch(float[] b) {
    scratch.offer(b); // dropped when the pool is full
  }

  static void checkRange(short[] samples, int offset, int length) {
    Objects.requireNonNull(samples, "samples");
    if (offset < 0 || length < 0 || offset > samples.length - length) {
      throw new IndexOutOfBoundsException(
          "offset "
              + offset
              + " and length "
              + length
              + " do not fit in an array of "
              + samples.length
              + " samples (need 0 <= offset, 0 <= length, offset + length <= array length)");
    }
  }

  private static int frames(Duration d) {
    long samples = d.toNanos() * SAMPLES_PER_MS / 1_000_000L;
    return (int) ((samples + FRAME / 2) / FRAME); // the nearest whole frame, as pipecat rounds
  }

  /** One speaker: VAD hysteresis, the turn's state and (TURN mode) its 8 s audio window. */
  private final class SpeakerAnalysis implements Analysis {
    private static final int QUIET = 0;
    private static final int STARTING = 1;
    private static final int SPEAKING = 2;
    private static final int STOPPING = 3;

    private final String streamId;
    private final SileroVad.Stream stream;
    private final short[] frame = new short[FRAME];
    private final short @Nullable [] ring; // TURN mode: the last 8 s, indexed by position % size
    private int filled; // samples in frame
    private long frameStart; // position of frame[0]
    private long ringFloor; // nothing before this belongs to the current window (reset, last turn)

    private int state = QUIET;
    private long runStart; // STARTING: where the run of speech frames began
    private int runFrames;
    private long lastSpeechEnd;
    private boolean turnOpen;
    private long turnStart;
    private int framesSinceModelReset;
    private int lowFrames;
    private boolean closed;

    SpeakerAnalysis(String streamId, SileroVad.Stream stream) {
      this.streamId = streamId;
      this.stream = stream;
      this.ring = mode == Mode.TURN ? new short[SmartTurn.MAX_SAMPLES] : null;
    }

    @Override
    public void accept(short[] samples, int offset, int length, Events events) {
      checkRange(samples, offset, length);
      Objects.requireNonNull(events, "events");
      checkOpen();
      while (length > 0) {
        int n = Math.min(length, FRAME - filled);
        System.arraycopy(samples, offset, frame, filled, n);
        filled += n;
        offset += n;
        length -= n;
        if (filled == FRAME) {
          analyseFrame(FRAME, events);
        }
      }
    }

    @Override
    public void reset(Events events) {
      Objects.requireNonNull(events, "events");
      checkOpen();
      if (filled > 0) { // a last partial frame: scored padded with silence, positions stay real
        Arrays.fill(frame, filled, FRAME, (short) 0);
        analyseFrame(filled, events);
      }
      if (state == SPEAKING || state == STOPPING) {
        events.speechEnded(lastSpeechEnd);
      }
      if (turnOpen) { // the audio stops here, and with it the turn (decided by the gap alone)
        events.endOfTurn(frameStart, Double.NaN);
      }
      state = QUIET;
      runFrames = 0;
      turnOpen = false;
      ringFloor = frameStart;
      framesSinceModelReset = 0;
      lowFrames = 0;
      stream.reset();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        stream.close();
      }
    }

    @Override
    public String toString() {
      return "NeuralTurnDetector.Analysis[" + streamId + (closed ? ", closed]" : "]");
    }

    private void checkOpen() {
      if (closed) {
        throw new IllegalStateException("the turn analysis of stream " + streamId + " is closed");
      }
    }

    /** Scores the frame (its first {@code real} samples are audio), then advances the state. */
    private void analyseFrame(int real, Events events) {
      float p = stream.speechProbability(frame, 0);
      short[] r = ring;
      if (r != null) {
        for (int i = 0; i < real; i++) {
          r[(int) ((frameStart + i) % r.length)] = frame[i];
        }
      }
      long start = frameStart;
      long end = frameStart + real;
      frameStart = end;
      filled = 0;
      step(p, start, end, events);
      maybeResetModel(p);
    }

    private void step(float p, long start, long end, Events events) {
      switch (state) {
        case QUIET:
          if (p >= speechThreshold) {
            state = STARTING;
            runStart = start;
            runFrames = 0;
            continueStart(end, events);
          } else {
            checkTurn(end, events);
          }
          break;
        case STARTING:
          if (p >= speechThreshold) {
            continueStart(end, events);
          } else {
            state = QUIET;
            checkTurn(end, events);
          }
          break;
        case SPEAKING:
          if (p < silenceThreshold) {
            state = STOPPING;
            checkStop(end, events);
          } else {
            lastSpeechEnd = end;
          }
          break;
        default: // STOPPING: silence counts from the last speech frame until speech comes back
          if (p >= speechThreshold) {
            state = SPEAKING;
            lastSpeechEnd = end;
          } else {
            checkStop(end, events);
          }
          break;
      }
    }

    private void continueStart(long end, Events events) {
      if (++runFrames >= minSpeechFrames) {
        state = SPEAKING;
        lastSpeechEnd = end;
        if (!turnOpen) {
          turnOpen = true;
          turnStart = runStart;
        }
        events.speechStarted(runStart);
      }
    }

    private void checkStop(long now, Events events) {
      if (now - lastSpeechEnd < stopSilenceSamples) {
        return;
      }
      state = QUIET;
      events.speechEnded(lastSpeechEnd);
      if (mode == Mode.TURN && turnOpen) {
        double probability = endOfTurnModelAt(now);
        if (probability >= endOfTurnThreshold) {
          endTurn(now, probability, events);
          return;
        }
      }
      checkTurn(now, events);
    }

    /** In silence with a turn open: ends it once the silence is long enough. */
    private void checkTurn(long now, Events events) {
      if (!turnOpen) {
        return;
      }
      long silence = now - lastSpeechEnd;
      if (mode == Mode.VAD
          ? silence >= endOfTurnSilenceSamples
          : silence >= fallbackSilenceSamples) {
        endTurn(now, Double.NaN, events);
      }
    }

    private void endTurn(long now, double probability, Events events) {
      turnOpen = false;
      ringFloor = now;
      events.endOfTurn(now, probability);
    }

    /** The model's probability on the turn's audio up to {@code now} (at most the last 8 s). */
    private double endOfTurnModelAt(long now) {
      short[] r = Objects.requireNonNull(ring);
      SmartTurn model = requireModel();
      long from = Math.max(Math.max(turnStart - PRE_SPEECH_SAMPLES, ringFloor), now - r.length);
      int n = (int) (now - from);
      float[] buffer = borrowScratch();
      try {
        for (int i = 0; i < n; i++) {
          buffer[i] = r[(int) ((from + i) % r.length)] * (1f / 32768f);
        }
        return model.endOfTurnProbability(buffer, 0, n);
      } finally {
        returnScratch(buffer);
      }
    }

    /**
     * As pipecat: Silero's recurrent state drifts in long non-speech and then under-reports the
     * speech that follows, so it is cleared every 2 s of audio, only while the speaker is clearly
     * quiet (5 frames in a row below 0.1, no speech starting).
     */
    private void maybeResetModel(float p) {
      framesSinceModelReset++;
      lowFrames = p < MODEL_RESET_MAX_PROBABILITY ? lowFrames + 1 : 0;
      if (framesSinceModelReset >= MODEL_RESET_FRAMES
          && state == QUIET
          && lowFrames >= MODEL_RESET_LOW_FRAMES) {
        stream.reset();
        framesSinceModelReset = 0;
      }
    }
  }

  /**
   * Settings of a {@link NeuralTurnDetector}. Every setter checks its argument at once and throws
   * {@link IllegalArgumentException} naming the accepted range; {@link #build()} checks the
   * settings against each other.
   */
  public static final class Builder {
    private Mode mode = Mode.TURN;
    private double speechThreshold = DEFAULT_SPEECH_THRESHOLD;
    private double silenceThreshold = DEFAULT_SILENCE_THRESHOLD;
    private Duration minSpeech = DEFAULT_MIN_SPEECH;
    private Duration stopSilence = DEFAULT_STOP_SILENCE;
    private Duration endOfTurnSilence = DEFAULT_END_OF_TURN_SILENCE;
    private double endOfTurnThreshold = DEFAULT_END_OF_TURN_THRESHOLD;
    private Duration fallbackSilence = DEFAULT_FALLBACK_SILENCE;

    private Builder() {}

    /** {@link Mode#VAD} or {@link Mode#TURN} (default). */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * A frame whose Silero speech probability is at least this is speech: it starts speech and
     * continues it after a pause. Default 0.5; accepted (0, 1). Higher ignores more noise and
     * misses more quiet speech.
     */
    public Builder speechThreshold(double threshold) {
      this.speechThreshold = probability("speechThreshold", threshold, DEFAULT_SPEECH_THRESHOLD);
      return this;
    }

    /**
     * While speaking, a frame below this starts the silence that can end speech (between the two
     * thresholds a frame neither ends speech nor resumes it: hysteresis). Default 0.35; accepted
     * (0, 1) and at most {@link #speechThreshold}.
     */
    public Builder silenceThreshold(double threshold) {
      this.silenceThreshold = probability("silenceThreshold", threshold, DEFAULT_SILENCE_THRESHOLD);
      return this;
    }

    /**
     * How long the probability must stay at or above {@link #speechThreshold} before speech is
     * reported (clicks and coughs shorter than this are ignored); the reported start is where that
     * run began. Default 200 ms; accepted 0 to 2 s (0 means one frame).
     */
    public Builder minSpeech(Duration duration) {
      this.minSpeech = duration("minSpeech", duration, Duration.ZERO, Duration.ofSeconds(2));
      return this;
    }

    /**
     * Silence after speech that ends it ({@code speechEnded}), and in TURN mode the moment the
     * end-of-turn model is asked. Default 200 ms; accepted 32 ms to 5 s.
     */
    public Builder stopSilence(Duration duration) {
      this.stopSilence =
          duration("stopSilence", duration, Duration.ofMillis(FRAME_MS), Duration.ofSeconds(5));
      return this;
    }

    /**
     * VAD mode: silence after speech that ends the turn (probability NaN). Default 800 ms; accepted
     * from {@link #stopSilence} to 30 s.
     */
    public Builder endOfTurnSilence(Duration duration) {
      this.endOfTurnSilence =
          duration(
              "endOfTurnSilence", duration, Duration.ofMillis(FRAME_MS), Duration.ofSeconds(30));
      return this;
    }

    /**
     * TURN mode: the end-of-turn model's probability at which a speech end ends the turn. Default
     * 0.5; accepted (0, 1). Lower ends turns sooner and cuts more speakers off mid-thought.
     */
    public Builder endOfTurnThreshold(double threshold) {
      this.endOfTurnThreshold =
          probability("endOfTurnThreshold", threshold, DEFAULT_END_OF_TURN_THRESHOLD);
      return this;
    }

    /**
     * TURN mode: silence after which the turn ends whatever the model said (probability NaN).
     * Default 3 s; accepted from {@link #stopSilence} to 30 s.
     */
    public Builder fallbackSilence(Duration duration) {
      this.fallbackSilence =
          duration(
              "fallbackSilence", duration, Duration.ofMillis(FRAME_MS), Duration.ofSeconds(30));
      return this;
    }

    /**
     * Loads the models (Silero; in TURN mode also Smart Turn) and builds the detector. Takes a
     * fraction of a second; share the detector.
     *
     * @throws IllegalArgumentException if the settings contradict each other (silenceThreshold
     *     above speechThreshold, endOfTurnSilence or fallbackSilence shorter than stopSilence)
     * @throws AudioPipelineException if ONNX Runtime cannot load a model
     */
    public NeuralTurnDetector build() {
      if (silenceThreshold > speechThreshold) {
        throw new IllegalArgumentException(
            "silenceThreshold "
                + silenceThreshold
                + " is above speechThreshold "
                + speechThreshold
                + ": it must be in (0, speechThreshold]");
      }
      requireAtLeastStop("endOfTurnSilence", endOfTurnSilence);
      requireAtLeastStop("fallbackSilence", fallbackSilence);
      SileroVad vad = SileroVad.load();
      try {
        return new NeuralTurnDetector(this, vad, mode == Mode.TURN ? SmartTurn.load() : null);
      } catch (RuntimeException e) {
        vad.close();
        throw e;
      }
    }

    private void requireAtLeastStop(String name, Duration d) {
      if (d.compareTo(stopSilence) < 0) {
        throw new IllegalArgumentException(
            name
                + " "
                + d.toMillis()
                + " ms is shorter than stopSilence "
                + stopSilence.toMillis()
                + " ms: it must be from stopSilence to 30 s");
      }
    }

    private static final int FRAME_MS = FRAME / SAMPLES_PER_MS;

    private static double probability(String name, double value, double defaultValue) {
      if (!(value > 0 && value < 1)) {
        throw new IllegalArgumentException(
            name
                + " must be a probability in (0, 1), exclusive (default "
                + defaultValue
                + "), was "
                + value);
      }
      return value;
    }

    private static Duration duration(String name, Duration d, Duration min, Duration max) {
      Objects.requireNonNull(d, name);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name
                + " must be from "
                + min.toMillis()
                + " ms to "
                + max.toMillis()
                + " ms, was "
                + d.toMillis()
                + " ms");
      }
      return d;
    }
  }
}
