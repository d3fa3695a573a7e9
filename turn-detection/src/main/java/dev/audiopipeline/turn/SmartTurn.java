package dev.audiopipeline.turn;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.audiopipeline.AudioPipelineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Smart Turn v3.2 end-of-turn model (pipecat, BSD-2): given the last up to 8 s of one speaker's
 * audio, the probability that the speaker has finished the turn. The model reads prosody and
 * phrasing, not words; it is trained on audio that ends at a pause.
 *
 * <p>Model (checked at {@link #load()}): input {@code input_features}, float {@code [batch, 80,
 * 800]} ({@link WhisperFeatures}); output {@code logits}, float {@code [batch, 1]}, which despite
 * its name is already the sigmoid's probability (the graph ends in a {@code Sigmoid} node).
 *
 * <p>Thread-safe: one ONNX Runtime session serves every caller at once. ONNX Runtime documents
 * {@code InferenceSession::Run} as safe to call concurrently on one session (microsoft/onnxruntime
 * #114, #5558; "Run is stateless and can be called concurrently", #21946), and the Java {@code
 * OrtSession.run} is a thin wrapper over it; {@code SmartTurnTest} runs it from several threads and
 * gets the single-threaded results. The session runs each inference on the caller's thread (one
 * intra-op thread, sequential execution), so it starts no threads of its own and speakers run in
 * parallel on their own drain threads. Per call, the features are computed in a workspace taken
 * from a pool (one per concurrent caller, at most {@value #MAX_IDLE_WORKSPACES} kept idle; more
 * concurrent callers get a fresh one that is dropped afterwards). {@link #close()} waits for
 * running inferences and then frees the session; later calls throw {@link IllegalStateException}.
 */
final class SmartTurn implements AutoCloseable {
  /** The model's input window: 8 s at 16 kHz. */
  static final int MAX_SAMPLES = WhisperFeatures.MAX_SAMPLES;

  static final String INPUT = "input_features";
  static final String OUTPUT = "logits";

  private static final Logger LOG = LoggerFactory.getLogger(SmartTurn.class);
  private static final int MAX_IDLE_WORKSPACES = 16;
  private static final long[] SHAPE = {1, WhisperFeatures.MELS, WhisperFeatures.FRAMES};

  private final OrtEnvironment env;
  private final OrtSession session;

  /**
   * Read: an inference in progress; write: {@link #close()}. Keeps close from freeing a session
   * that a native call still uses.
   */
  private final ReadWriteLock lock = new ReentrantReadWriteLock();

  private boolean closed; // guarded by lock

  private final ConcurrentLinkedQueue<Workspace> idle = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  private SmartTurn(OrtEnvironment env, OrtSession session) {
    this.env = env;
    this.session = session;
  }

  /**
   * Loads the bundled model into a new ONNX Runtime session on the process-wide environment. Takes
   * about a second; share the instance.
   *
   * @throws AudioPipelineException if ONNX Runtime cannot load the model, or the model does not
   *     have the expected input and output
   */
  static SmartTurn load() {
    byte[] model = BundledModels.read(BundledModels.SMART_TURN);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    @Nullable OrtSession session = null;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(model, options);
      checkSignature(session);
      return new SmartTurn(env, session);
    } catch (OrtException e) {
      closeQuietly(session);
      throw new AudioPipelineException(
          "ONNX Runtime cannot load the Smart Turn model " + BundledModels.SMART_TURN, e);
    } catch (RuntimeException e) {
      closeQuietly(session);
      throw e;
    }
  }

  private static void checkSignature(OrtSession session) throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    NodeInfo in = inputs.get(INPUT);
    NodeInfo out = outputs.get(OUTPUT);
    if (inputs.size() != 1
        || outputs.size() != 1
        || in == null
        || out == null
        || !(in.getInfo() instanceof TensorInfo inInfo)
        || !(out.getInfo() instanceof TensorInfo outInfo)
        || !Arrays.equals(
            Arrays.copyOfRange(inInfo.getShape(), 1, inInfo.getShape().length),
            new long[] {WhisperFeatures.MELS, WhisperFeatures.FRAMES})
        || outInfo.getShape().length != 2
        || outInfo.getShape()[1] != 1) {
      throw new AudioPipelineException(
          "the bundled Smart Turn model has inputs "
              + inputs.values()
              + " and outputs "
              + outputs.values()
              + "; expected "
              + INPUT
              + " float [batch, 80, 800] and "
              + OUTPUT
              + " float [batch, 1]");
    }
  }

  /**
   * The probability in [0, 1] that the speaker has finished the turn at the end of {@code
   * samples16k[offset, offset + length)}: the last up to 8 s of the speaker's 16 kHz mono audio in
   * [-1, 1] (shorter audio is padded with silence at the front, as pipecat does). Costs the
   * features (about 3 ms of CPU) and one model inference (about 45 ms of CPU on the project's
   * 2-core build machine; Smart Turn's authors quote 10 to 65 ms by CPU); runs on the calling
   * thread.
   *
   * @throws IllegalArgumentException if the range is empty, longer than {@value #MAX_SAMPLES}
   *     samples (8 s), outside the array, or holds a NaN or infinite sample
   * @throws IllegalStateException after {@link #close()}
   * @throws AudioPipelineException if ONNX Runtime fails
   */
  double endOfTurnProbability(float[] samples16k, int offset, int length) {
    WhisperFeatures.checkRange(samples16k, offset, length);
    Workspace w = borrow();
    try {
      w.features.compute(samples16k, offset, length, w.values);
      return run(w, w.values);
    } finally {
      giveBack(w);
    }
  }

  private Workspace borrow() {
    Workspace w = idle.poll();
    if (w == null) {
      return new Workspace();
    }
    idleCount.decrementAndGet();
    return w;
  }

  private void giveBack(Workspace w) {
    if (idleCount.incrementAndGet() <= MAX_IDLE_WORKSPACES) {
      idle.offer(w);
    } else {
      idleCount.decrementAndGet();
    }
  }

  /**
   * The model's probability for features made elsewhere ({@link WhisperFeatures#SIZE} values,
   * {@code [mel][frame]}): lets a test tell the runtime's share of a difference from the features'.
   */
  double probabilityOfFeatures(float[] features) {
    if (features.length != WhisperFeatures.SIZE) {
      throw new IllegalArgumentException(
          "features hold " + features.length + " values, the model takes " + WhisperFeatures.SIZE);
    }
    Workspace w = borrow();
    try {
      return run(w, features);
    } finally {
      giveBack(w);
    }
  }

  private double run(Workspace w, float[] features) {
    FloatBuffer input = w.input;
    input.clear();
    input.put(features);
    input.flip();
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("Smart Turn is closed");
      }
      try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, SHAPE);
          OrtSession.Result result = session.run(Map.of(INPUT, tensor))) {
        OnnxValue value = result.get(0);
        float p = ((OnnxTensor) value).getFloatBuffer().get(0);
        if (!(p >= 0 && p <= 1)) {
          throw new AudioPipelineException(
              "the Smart Turn model returned " + p + ", not a probability in [0, 1]");
        }
        return p;
      } catch (OrtException e) {
        throw new AudioPipelineException("Smart Turn inference failed in ONNX Runtime", e);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Frees the session after any inference in progress ends. Idempotent. The process-wide {@link
   * OrtEnvironment} stays (ONNX Runtime keeps one per process).
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(session);
    } finally {
      lock.writeLock().unlock();
    }
    idle.clear();
  }

  @Override
  public String toString() {
    return "SmartTurn[" + BundledModels.SMART_TURN + "]";
  }

  private static void closeQuietly(@Nullable OrtSession session) {
    if (session == null) {
      return;
    }
    try {
      session.close();
    } catch (OrtException e) {
      // Nothing to do for the caller: the session is unusable either way; its native memory is
      // what ONNX Runtime could not free.
      LOG.warn("closing the Smart Turn session failed", e);
    }
  }

  /** Scratch for one inference: features and the direct buffer ONNX Runtime reads in place. */
  private static final class Workspace {
    final WhisperFeatures features = new WhisperFeatures();
    final float[] values = new float[WhisperFeatures.SIZE];
    final FloatBuffer input =
        ByteBuffer.allocateDirect(WhisperFeatures.SIZE * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
  }
}
