package dev.audiopipeline.turn;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.audiopipeline.AudioPipelineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Silero VAD v5 (bundled in this jar) on ONNX Runtime: the probability that a 32 ms frame of 16 kHz
 * mono audio is speech.
 *
 * <p>One {@code SileroVad} holds the model's {@link OrtSession}, shared by every speaker; each
 * speaker gets its own {@link Stream} ({@link #newStream()}), which holds what the model carries
 * from one frame to the next: its recurrent state (a {@code [2, 1, 128]} tensor) and the last 64
 * samples of the previous frame, which the model reads in front of each new 512-sample frame.
 *
 * <p><b>Threads.</b> {@code SileroVad} is thread-safe; a {@code Stream} is not (one speaker, one
 * thread at a time). Different streams may run at the same time on different threads: ONNX
 * Runtime's {@code Session::Run} is thread-safe for concurrent calls on one session (each call gets
 * its own execution frame; the CPU provider keeps no per-call state in the session), and the Java
 * binding's {@code OrtSession.run} only reads the session's fields before calling it. What is
 * <em>not</em> safe in the Java binding is {@code OrtSession.close()} while a {@code run} is under
 * way on another thread (it frees the native session under it, and its {@code closed} flag is a
 * plain field): {@link #close()} therefore waits for the runs in progress to return and makes later
 * ones fail with {@link IllegalStateException}. The session runs single-threaded per call (one
 * intra-op and one inter-op thread: the calling thread does the work, ONNX Runtime starts no
 * threads of its own); parallelism comes from the speakers' own threads.
 */
public final class SileroVad implements AutoCloseable {
  /** Samples in one frame: 512 at 16 kHz, i.e. 32 ms. */
  public static final int FRAME_SAMPLES = 512;

  /** The sample rate the model is run at. */
  public static final int SAMPLE_RATE = 16_000;

  /** Samples of the previous frame the model reads before each frame (16 kHz). */
  static final int CONTEXT_SAMPLES = 64;

  private static final int STATE_SIZE = 2 * 128;
  private static final long[] INPUT_SHAPE = {1, CONTEXT_SAMPLES + FRAME_SAMPLES};
  private static final long[] STATE_SHAPE = {2, 1, 128};
  private static final long[] OUTPUT_SHAPE = {1, 1};

  private final OrtEnvironment env;
  private final OrtSession session;
  private final RunGuard guard = new RunGuard();

  private SileroVad(OrtEnvironment env, OrtSession session) {
    this.env = env;
    this.session = session;
  }

  /**
   * Loads the bundled model into a new ONNX Runtime session (about 2.3 MB; takes tens of
   * milliseconds). Load it once and share it.
   *
   * @throws AudioPipelineException if ONNX Runtime cannot load it (for instance no native library
   *     for this platform)
   */
  public static SileroVad load() {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = singleThreadedOptions()) {
      return new SileroVad(
          env, env.createSession(BundledModels.read(BundledModels.SILERO_VAD), options));
    } catch (OrtException e) {
      throw new AudioPipelineException("ONNX Runtime cannot load the Silero VAD model", e);
    }
  }

  /**
   * Session options for a model shared by many speaker threads: the caller's thread does it all.
   */
  static OrtSession.SessionOptions singleThreadedOptions() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    return options;
  }

  /**
   * A new speaker stream: zero recurrent state and context. Its native buffers live until {@link
   * Stream#close()}.
   *
   * @throws IllegalStateException if this VAD is closed
   */
  public Stream newStream() {
    guard.checkOpen();
    try {
      return new Stream();
    } catch (OrtException e) {
      throw new AudioPipelineException("ONNX Runtime cannot create the VAD's tensors", e);
    }
  }

  /**
   * Releases the session. Waits for frames being scored on other threads to finish; later calls on
   * its streams throw {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    if (guard.closeAndAwaitRuns()) {
      try {
        session.close();
      } catch (OrtException e) {
        throw new AudioPipelineException("ONNX Runtime failed to close the Silero VAD session", e);
      }
    }
  }

  @Override
  public String toString() {
    return "SileroVad[v5, 16 kHz, " + (guard.isClosed() ? "closed" : "open") + "]";
  }

  /**
   * One speaker's state. Not thread-safe: use it from one thread at a time. Scoring a frame
   * allocates nothing of its own: the frame, the state and the output live in direct buffers that
   * ONNX Runtime reads and writes in place (the state ping-pongs between two buffers); what remains
   * is what the ONNX Runtime Java binding allocates inside {@code OrtSession.run} (its argument
   * arrays and result object, a few hundred bytes).
   */
  public final class Stream implements AutoCloseable {
    private final FloatBuffer input; // context (64) + frame (512)
    private final FloatBuffer stateA;
    private final FloatBuffer stateB;
    private final FloatBuffer output;
    private final OnnxTensor inputTensor;
    private final OnnxTensor stateTensorA;
    private final OnnxTensor stateTensorB;
    private final OnnxTensor outputTensor;
    private final OnnxTensor srTensor;
    // frame n reads state A and writes state B; frame n + 1 the other way round
    private final Map<String, OnnxTensor> inputsA;
    private final Map<String, OnnxTensor> inputsB;
    private final Map<String, OnnxValue> outputsA;
    private final Map<String, OnnxValue> outputsB;
    private boolean stateInA = true;
    private boolean closed;

    private Stream() throws OrtException {
      input = directFloats(CONTEXT_SAMPLES + FRAME_SAMPLES);
      stateA = directFloats(STATE_SIZE);
      stateB = directFloats(STATE_SIZE);
      output = directFloats(1);
      LongBuffer sr =
          ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
      sr.put(0, SAMPLE_RATE);
      inputTensor = OnnxTensor.createTensor(env, input, INPUT_SHAPE);
      stateTensorA = OnnxTensor.createTensor(env, stateA, STATE_SHAPE);
      stateTensorB = OnnxTensor.createTensor(env, stateB, STATE_SHAPE);
      outputTensor = OnnxTensor.createTensor(env, output, OUTPUT_SHAPE);
      srTensor = OnnxTensor.createTensor(env, sr, new long[0]);
      inputsA = Map.of("input", inputTensor, "state", stateTensorA, "sr", srTensor);
      inputsB = Map.of("input", inputTensor, "state", stateTensorB, "sr", srTensor);
      outputsA = Map.of("output", outputTensor, "stateN", stateTensorB);
      outputsB = Map.of("output", outputTensor, "stateN", stateTensorA);
    }

    /**
     * The probability that the next frame is speech.
     *
     * @param samples 16 kHz mono 16-bit samples
     * @param offset where the frame of {@link #FRAME_SAMPLES} samples starts in {@code samples}
     * @return the model's speech probability in [0, 1]
     * @throws IndexOutOfBoundsException if {@code samples} has fewer than {@link #FRAME_SAMPLES}
     *     samples from {@code offset}
     * @throws IllegalStateException if this stream or its VAD is closed
     */
    public float speechProbability(short[] samples, int offset) {
      Objects.checkFromIndexSize(offset, FRAME_SAMPLES, samples.length);
      checkOpen();
      shiftContext();
      for (int i = 0; i < FRAME_SAMPLES; i++) {
        input.put(CONTEXT_SAMPLES + i, samples[offset + i] * (1f / 32768f));
      }
      return run();
    }

    /**
     * The probability that the next frame is speech.
     *
     * @param samples 16 kHz mono samples in [-1, 1]
     * @param offset where the frame of {@link #FRAME_SAMPLES} samples starts in {@code samples}
     * @return the model's speech probability in [0, 1]
     * @throws IndexOutOfBoundsException if {@code samples} has fewer than {@link #FRAME_SAMPLES}
     *     samples from {@code offset}
     * @throws IllegalStateException if this stream or its VAD is closed
     */
    public float speechProbability(float[] samples, int offset) {
      Objects.checkFromIndexSize(offset, FRAME_SAMPLES, samples.length);
      checkOpen();
      shiftContext();
      for (int i = 0; i < FRAME_SAMPLES; i++) {
        input.put(CONTEXT_SAMPLES + i, samples[offset + i]);
      }
      return run();
    }

    /** Forgets the past: zero recurrent state and context, as a new stream. */
    public void reset() {
      checkOpen();
      for (int i = 0; i < STATE_SIZE; i++) {
        stateA.put(i, 0f);
        stateB.put(i, 0f);
      }
      for (int i = 0; i < CONTEXT_SAMPLES + FRAME_SAMPLES; i++) {
        input.put(i, 0f);
      }
      stateInA = true;
    }

    /** Releases this stream's native buffers. Idempotent. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      inputTensor.close();
      stateTensorA.close();
      stateTensorB.close();
      outputTensor.close();
      srTensor.close();
    }

    private void checkOpen() {
      if (closed) {
        throw new IllegalStateException("this VAD stream is closed");
      }
    }

    /** The last 64 samples of the previous frame become the context of this one. */
    private void shiftContext() {
      for (int i = 0; i < CONTEXT_SAMPLES; i++) {
        input.put(i, input.get(FRAME_SAMPLES + i));
      }
    }

    private float run() {
      guard.enter();
      try (OrtSession.Result ignored =
          session.run(stateInA ? inputsA : inputsB, stateInA ? outputsA : outputsB)) {
        stateInA = !stateInA;
        return output.get(0);
      } catch (OrtException e) {
        throw new AudioPipelineException("ONNX Runtime failed to run the Silero VAD model", e);
      } finally {
        guard.exit();
      }
    }
  }

  static FloatBuffer directFloats(int n) {
    return ByteBuffer.allocateDirect(n * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /**
   * Lets {@code OrtSession.run} calls proceed in parallel and {@code close()} wait for them: a
   * count of runs in progress, negative once closed. No allocation, no lock on the run path.
   */
  static final class RunGuard {
    private static final int CLOSED = Integer.MIN_VALUE / 2;
    private final AtomicInteger state = new AtomicInteger();

    /**
     * Registers a run.
     *
     * @throws IllegalStateException if closed
     */
    void enter() {
      if (state.incrementAndGet() < 0) {
        state.decrementAndGet();
        throw new IllegalStateException("the Silero VAD is closed");
      }
    }

    void exit() {
      state.decrementAndGet();
    }

    void checkOpen() {
      if (state.get() < 0) {
        throw new IllegalStateException("the Silero VAD is closed");
      }
    }

    boolean isClosed() {
      return state.get() < 0;
    }

    /** Closes; true for the first call, after the runs in progress returned. */
    boolean closeAndAwaitRuns() {
      int s;
      do {
        s = state.get();
        if (s < 0) {
          return false;
        }
      } while (!state.compareAndSet(s, s + CLOSED));
      while (state.get() != CLOSED) {
        LockSupport.parkNanos(100_000);
      }
      return true;
    }
  }
}
