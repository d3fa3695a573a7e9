package dev.audiopipeline.sphinx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import edu.cmu.sphinx.frontend.BaseDataProcessor;
import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.frontend.DataEndSignal;
import edu.cmu.sphinx.frontend.DataStartSignal;
import edu.cmu.sphinx.frontend.DoubleData;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamCmnTest {
  static final double[] PRIOR = {40, -5};

  /** A front end stage that hands out prepared data, then nulls. */
  static final class Frames extends BaseDataProcessor {
    final Deque<Data> queue = new ArrayDeque<>();

    @Override
    public Data getData() {
      return queue.poll();
    }
  }

  /** One stream of {@code frames} two-dimensional cepstra, normalised. */
  static List<double[]> stream(StreamCmn cmn, Frames in, double[][] frames) {
    in.queue.add(new DataStartSignal(16_000));
    for (double[] f : frames) {
      in.queue.add(new DoubleData(f.clone(), 16_000, 0));
    }
    in.queue.add(new DataEndSignal(0));
    List<double[]> out = new ArrayList<>();
    Data d;
    while ((d = cmn.getData()) != null) {
      if (d instanceof DoubleData dd) {
        out.add(dd.getValues());
      }
    }
    return out;
  }

  static StreamCmn cmn(Frames in) {
    StreamCmn cmn = new StreamCmn(PRIOR, 100, 300);
    cmn.setPredecessor(in);
    return cmn;
  }

  @Test
  void theFirstFrameIsNormalisedWithTheModelsInitialMean() {
    Frames in = new Frames();
    List<double[]> out = stream(cmn(in), in, new double[][] {{50, 0}});
    assertThat(out.get(0)).containsExactly(10, 5);
  }

  @Test
  void theMeanFollowsTheStreamsSpeech() {
    Frames in = new Frames();
    double[][] frames = new double[2_000][];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = new double[] {60, 3};
    }
    List<double[]> out = stream(cmn(in), in, frames);
    // far into the stream the mean is the stream's own: its frames normalise to about zero
    assertThat(out.get(1_999)[0]).isCloseTo(0, within(0.5));
    assertThat(out.get(1_999)[1]).isCloseTo(0, within(0.5));
    assertThat(out.get(0)[0]).isEqualTo(20);
  }

  @Test
  void everyStreamStartsFromTheSameStateWhateverCameBefore() {
    Frames in = new Frames();
    StreamCmn cmn = cmn(in);
    double[][] speech = {{45, -2}, {38, -7}, {41, -4}};
    List<double[]> first = stream(cmn, in, speech);
    double[][] otherChannel = new double[500][];
    for (int i = 0; i < otherChannel.length; i++) {
      otherChannel[i] = new double[] {80, 20};
    }
    stream(cmn, in, otherChannel);
    List<double[]> again = stream(cmn, in, speech);
    for (int i = 0; i < speech.length; i++) {
      assertThat(again.get(i)).containsExactly(first.get(i));
    }
  }

  @Test
  void withoutAUsablePriorAStreamStartsFromItsFirstFrame() {
    Frames in = new Frames();
    StreamCmn cmn = new StreamCmn(new double[] {1, 2, 3}, 100, 300); // wrong length
    cmn.setPredecessor(in);
    List<double[]> out = stream(cmn, in, new double[][] {{50, 7}, {52, 9}});
    assertThat(out.get(0)).containsExactly(0, 0);
    assertThat(out.get(1)).containsExactly(2, 2);
  }

  @Test
  void cmninitIsParsedOrIgnoredWhenMalformed() {
    assertThat(StreamCmn.parse("41.00,-5.29, -0.12")).containsExactly(41.0, -5.29, -0.12);
    assertThat(StreamCmn.parse(null)).isNull();
    assertThat(StreamCmn.parse(" ")).isNull();
    assertThat(StreamCmn.parse("41,x")).isNull();
    assertThatThrownBy(() -> new StreamCmn(PRIOR, -1, 300))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("priorFrames -1");
  }
}
