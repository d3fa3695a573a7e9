package dev.audiopipeline.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SileroVadTest {
  private static SileroVad vad;

  @BeforeAll
  static void load() {
    vad = SileroVad.load();
  }

  @AfterAll
  static void close() {
    vad.close();
  }

  /** Every frame's probability, with a fresh stream. */
  private static float[] probabilities(short[] audio) {
    try (SileroVad.Stream stream = vad.newStream()) {
      float[] p = new float[audio.length / SileroVad.FRAME_SAMPLES];
      for (int i = 0; i < p.length; i++) {
        p[i] = stream.speechProbability(audio, i * SileroVad.FRAME_SAMPLES);
      }
      return p;
    }
  }

  @Test
  void matchesThePythonReferenceFrameByFrame() throws IOException {
    // scripts/silero-reference.py: Python onnxruntime, context + state fed as Silero/pipecat do
    List<Float> reference = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(getClass().getResourceAsStream("silero-recruiter.tsv")),
                StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith("#")) {
          reference.add(Float.parseFloat(line.split("\t")[1]));
        }
      }
    }
    float[] ours = probabilities(Interview.track("recruiter"));

    assertThat(ours).hasSize(reference.size());
    double maxDiff = 0;
    for (int i = 0; i < ours.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference.get(i)));
    }
    // the reference is printed with 7 decimals and made by another ONNX Runtime version (1.32)
    assertThat(maxDiff).isLessThan(1e-4);
  }

  @Test
  void fourThreadsOnTheSharedSessionGiveTheSequentialProbabilities() throws Exception {
    short[] recruiter = Interview.track("recruiter");
    short[] candidate = Interview.track("candidate");
    short[][] inputs = {recruiter, candidate, shifted(recruiter, 7_000), shifted(candidate, 300)};
    float[][] sequential = new float[inputs.length][];
    for (int i = 0; i < inputs.length; i++) {
      sequential[i] = probabilities(inputs[i]);
    }

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CyclicBarrier start = new CyclicBarrier(4);
      List<Future<float[]>> results = new ArrayList<>();
      for (short[] input : inputs) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return probabilities(input);
                }));
      }
      for (int i = 0; i < inputs.length; i++) {
        assertThat(results.get(i).get(120, TimeUnit.SECONDS))
            .as("thread %d", i)
            .containsExactly(sequential[i]);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static short[] shifted(short[] audio, int by) {
    short[] out = new short[audio.length];
    System.arraycopy(audio, 0, out, by, audio.length - by);
    return out;
  }

  @Test
  void aShortFrameIsRefusedWithTheSizeItNeeds() {
    try (SileroVad.Stream stream = vad.newStream()) {
      assertThatThrownBy(() -> stream.speechProbability(new short[511], 0))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> stream.speechProbability(new float[600], 100))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void aClosedStreamOrVadRefusesToScore() {
    SileroVad.Stream stream = vad.newStream();
    stream.close();
    stream.close(); // idempotent
    assertThatThrownBy(() -> stream.speechProbability(new short[512], 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");

    SileroVad other = SileroVad.load();
    SileroVad.Stream orphan = other.newStream();
    other.close();
    other.close(); // idempotent
    assertThatThrownBy(() -> orphan.speechProbability(new short[512], 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(other::newStream).isInstanceOf(IllegalStateException.class);
    orphan.close();
  }

  @Test
  void resetForgetsThePast() {
    short[] audio = Interview.track("candidate");
    try (SileroVad.Stream fresh = vad.newStream();
        SileroVad.Stream used = vad.newStream()) {
      for (int i = 0; i < 400; i++) { // into the candidate's first turn
        used.speechProbability(audio, i * 512);
      }
      used.reset();
      for (int i = 0; i < 100; i++) {
        assertThat(used.speechProbability(audio, i * 512))
            .isEqualTo(fresh.speechProbability(audio, i * 512));
      }
    }
  }
}
