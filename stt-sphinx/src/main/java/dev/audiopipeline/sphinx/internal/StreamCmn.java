package dev.audiopipeline.sphinx.internal;

import edu.cmu.sphinx.frontend.BaseDataProcessor;
import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.frontend.DataProcessingException;
import edu.cmu.sphinx.frontend.DataStartSignal;
import edu.cmu.sphinx.frontend.DoubleData;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.Loader;
import edu.cmu.sphinx.util.props.PropertyException;
import edu.cmu.sphinx.util.props.PropertySheet;
import edu.cmu.sphinx.util.props.S4Component;
import edu.cmu.sphinx.util.props.S4Integer;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Live cepstral mean normalisation that starts every stream from the same state: the acoustic
 * model's own initial mean ({@code -cmninit} in its {@code feat.params}), weighted as {@code
 * priorFrames} frames of speech, then a running mean over the stream's speech frames (an
 * exponential window of {@code window} frames) that carries across the stream's utterances.
 *
 * <p>Replaces Sphinx4's {@code LiveCMN}, whose state depends on the recogniser's history: its first
 * stream estimates the mean from a look-ahead over the first utterance only, and every later stream
 * starts from the mean the previous stream (another speaker, another channel) left behind. With a
 * pooled recogniser the same audio then decodes differently depending on which recogniser a
 * session borrowed and what it decoded before; the first utterances of a stream pay for it.
 */
public final class StreamCmn extends BaseDataProcessor {
  /** The acoustic model loader whose {@code feat.params} gives {@code -cmninit}. */
  @S4Component(type = Loader.class)
  public static final String PROP_LOADER = "loader";

  /** How many frames of speech the model's initial mean counts for at a stream's start. */
  @S4Integer(defaultValue = 100)
  public static final String PROP_PRIOR_FRAMES = "priorFrames";

  /** Frames of the running mean's exponential window. */
  @S4Integer(defaultValue = 300)
  public static final String PROP_WINDOW = "window";

  private double @Nullable [] prior;
  private int priorFrames;
  private int window;
  private double @Nullable [] mean;
  private double @Nullable [] sum;
  private double count;

  /** For Sphinx4's configuration manager, which then calls {@link #newProperties}. */
  public StreamCmn() {}

  /**
   * A configured instance outside a Sphinx4 configuration.
   *
   * @param prior the initial mean, or {@code null} to start each stream from its first frame
   * @throws IllegalArgumentException if {@code priorFrames < 0} or {@code window < 1}
   */
  public StreamCmn(double @Nullable [] prior, int priorFrames, int window) {
    if (priorFrames < 0 || window < 1) {
      throw new IllegalArgumentException(
          "priorFrames " + priorFrames + " must be >= 0 and window " + window + " >= 1");
    }
    this.prior = prior == null ? null : prior.clone();
    this.priorFrames = priorFrames;
    this.window = window;
    initialize();
  }

  @Override
  public void newProperties(PropertySheet ps) throws PropertyException {
    super.newProperties(ps);
    priorFrames = ps.getInt(PROP_PRIOR_FRAMES);
    window = ps.getInt(PROP_WINDOW);
    if (priorFrames < 0 || window < 1) {
      throw new PropertyException(getClass().getName(), PROP_WINDOW,
          "priorFrames " + priorFrames + " must be >= 0 and window " + window + " >= 1");
    }
    Loader loader = (Loader) ps.getComponent(PROP_LOADER);
    prior = parse(loader.getProperties().getProperty("-cmninit"));
  }

  /** The comma-separated means of {@code -cmninit}, or {@code null} if absent or malformed. */
  static double @Nullable [] parse(@Nullable String cmninit) {
    if (cmninit == null || cmninit.isBlank()) {
      return null;
    }
    String[] parts = cmninit.trim().split("\\s*,\\s*");
    double[] v = new double[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        v[i] = Double.parseDouble(parts[i]);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return v;
  }

  @Override
  public void initialize() {
    super.initialize();
    reset();
  }

  /** Back to the model's initial mean (a new stream). */
  private void reset() {
    mean = null;
    sum = null;
    count = 0;
  }

  @Override
  public Data getData() throws DataProcessingException {
    Data data = getPredecessor().getData();
    if (data instanceof DataStartSignal) {
      reset();
    } else if (data instanceof DoubleData d) {
      normalise(d.getValues());
    }
    return data;
  }

  private void normalise(double[] c) {
    if (mean == null || mean.length != c.length) {
      start(c);
    }
    double[] m = mean;
    double[] s = sum;
    for (int i = 0; i < c.length; i++) {
      s[i] += c[i];
      c[i] -= m[i];
    }
    count++;
    if (count > window) {
      double keep = window / count;
      for (int i = 0; i < s.length; i++) {
        s[i] *= keep;
      }
      count = window;
    }
    for (int i = 0; i < m.length; i++) {
      m[i] = s[i] / count;
    }
  }

  /** First frame of a stream: the prior, or (without one of the right length) this frame. */
  private void start(double[] first) {
    double[] p = prior;
    if (p != null && p.length == first.length && priorFrames > 0) {
      mean = p.clone();
      sum = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        sum[i] = p[i] * priorFrames;
      }
      count = priorFrames;
    } else {
      mean = first.clone();
      sum = new double[first.length];
      count = 0;
    }
  }

  @Override
  public String toString() {
    return "StreamCmn{priorFrames=" + priorFrames + ", window=" + window + ", prior="
        + Arrays.toString(prior) + "}";
  }
}
