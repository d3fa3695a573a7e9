package dev.audiopipeline.sphinx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import edu.cmu.sphinx.frontend.BaseDataProcessor;
import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.frontend.DataEndSignal;
import edu.cmu.sphinx.frontend.DataStartSignal;
import edu.cmu.sphinx.frontend.DoubleData;
import edu.cmu.sphinx.frontend.endpoint.SpeechEndSignal;
import edu.cmu.sphinx.frontend.endpoint.SpeechStartSignal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The front-end stage alone, on made-up two-dimensional cepstra. */
class StreamCmnTest {
  static final double[] PRIOR = {40, -5};

  /** The stage before: hands out prepared data, then nulls. */
  static final class Frames extends BaseDataProcessor {
    final Deque<Data> queue = new ArrayDeque<>();

    @Override
    public Data getData() {
      return queue.poll();
    }
  }

  /** A frame, or {@code null} for an utterance break (speech end, then speech start). */
  static double[] f(double c0, double c1) {
    return new double[] {c0, c1};
  }

  /** One stream through {@code cmn}; returns the normalised frames in order. */
  static List<double[]> stream(StreamCmn cmn, Frames in, double[]... frames) {
    in.queue.add(new DataStartSignal(16_000));
    in.queue.add(new SpeechStartSignal());
    for (double[] f : frames) {
      if (f == null) {
        in.queue.add(new SpeechEndSignal());
        in.queue.add(new SpeechStartSignal());
      } else {
        in.queue.add(new DoubleData(f.clone(), 16_000, 0));
      }
    }
    in.queue.add(new SpeechEndSignal());
    in.queue.add(new DataEndSignal(0));
    int signals =
        in.queue.size()
            - (int) java.util.Arrays.stream(frames).filter(java.util.Objects::nonNull).count();
    List<double[]> out = new ArrayList<>();
    int seenSignals = 0;
    Data d;
    while ((d = cmn.getData()) != null) {
      if (d instanceof DoubleData dd) {
        out.add(dd.getValues());
      } else {
        seenSignals++;
      }
    }
    assertThat(seenSignals).as("every signal passes, in order").isEqualTo(signals);
    return out;
  }

  static StreamCmn cmn(Frames in, int priorFrames) {
    StreamCmn cmn = new StreamCmn(PRIOR, priorFrames, 200, 300);
    cmn.setPredecessor(in);
    return cmn;
  }

  @Test
  void aStreamsFirstFramesAreNormalisedWithTheirOwnMean() {
    Frames in = new Frames();
    List<double[]> out = stream(cmn(in, 0), in, f(50, 0), f(52, 2), f(54, 4));
    assertThat(out).containsExactly(f(-2, -2), f(0, 0), f(2, 2));
  }

  @Test
  void theModelsInitialMeanCountsAsPriorFrames() {
    Frames in = new Frames();
    List<double[]> out = stream(cmn(in, 3), in, f(50, 0), f(50, 0), f(50, 0));
    // (3 x 50 + 3 x 40) / 6 = 45; (0 + 3 x -5) / 6 = -2.5
    assertThat(out.get(0)).containsExactly(5, 2.5);
  }

  @Test
  void theLookAheadEndsWithTheFirstUtteranceAndTheMeanRunsOn() {
    Frames in = new Frames();
    List<double[]> out = stream(cmn(in, 0), in, f(50, 0), null, f(70, 0));
    // the first utterance alone gives the initial mean; the second frame meets the running mean
    assertThat(out).containsExactly(f(0, 0), f(20, 0));
  }

  @Test
  void theMeanFollowsTheStreamsSpeech() {
    Frames in = new Frames();
    double[][] frames = new double[2_200][];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = i < 200 ? f(60, 3) : f(70, 5);
    }
    List<double[]> out = stream(cmn(in, 0), in, frames);
    assertThat(out.get(200)).containsExactly(10, 2);
    assertThat(out.get(2_199)[0]).isCloseTo(0, within(0.05));
    assertThat(out.get(2_199)[1]).isCloseTo(0, within(0.05));
  }

  @Test
  void everyStreamStartsFromTheSameStateWhateverCameBefore() {
    Frames in = new Frames();
    StreamCmn cmn = cmn(in, 0);
    double[][] speech = {f(45, -2), f(38, -7), null, f(41, -4)};
    List<double[]> first = stream(cmn, in, speech);
    double[][] otherChannel = new double[500][];
    for (int i = 0; i < otherChannel.length; i++) {
      otherChannel[i] = f(80, 20);
    }
    stream(cmn, in, otherChannel);
    stream(cmn, in); // and a stream without speech
    List<double[]> again = stream(cmn, in, speech);
    assertThat(again).hasSize(3);
    for (int i = 0; i < again.size(); i++) {
      assertThat(again.get(i)).containsExactly(first.get(i));
    }
  }

  @Test
  void withoutAUsablePriorTheLookAheadAloneGivesTheMean() {
    Frames in = new Frames();
    StreamCmn cmn = new StreamCmn(new double[] {1, 2, 3}, 100, 200, 300); // wrong length
    cmn.setPredecessor(in);
    assertThat(stream(cmn, in, f(50, 7), f(52, 9))).containsExactly(f(-1, -1), f(1, 1));
  }

  @Test
  void cmninitIsParsedOrIgnoredWhenMalformed() {
    assertThat(StreamCmn.parse("41.00,-5.29, -0.12")).containsExactly(41.0, -5.29, -0.12);
    assertThat(StreamCmn.parse(null)).isNull();
    assertThat(StreamCmn.parse(" ")).isNull();
    assertThat(StreamCmn.parse("41,x")).isNull();
    assertThatThrownBy(() -> new StreamCmn(PRIOR, -1, 200, 300))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("priorFrames -1");
    assertThatThrownBy(() -> new StreamCmn(PRIOR, 0, 200, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window 0");
  }
}
