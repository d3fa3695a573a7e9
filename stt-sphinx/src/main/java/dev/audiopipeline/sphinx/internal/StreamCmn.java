package dev.audiopipeline.sphinx.internal;

import edu.cmu.sphinx.frontend.BaseDataProcessor;
import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.frontend.DataEndSignal;
import edu.cmu.sphinx.frontend.DataProcessingException;
import edu.cmu.sphinx.frontend.DataStartSignal;
import edu.cmu.sphinx.frontend.DoubleData;
import edu.cmu.sphinx.frontend.endpoint.SpeechEndSignal;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.Loader;
import edu.cmu.sphinx.util.props.PropertyException;
import edu.cmu.sphinx.util.props.PropertySheet;
import edu.cmu.sphinx.util.props.S4Component;
import edu.cmu.sphinx.util.props.S4Integer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Live cepstral mean normalisation that starts every stream from the same state.
 *
 * <p>At a stream's first speech it reads ahead up to {@code lookahead} frames (or to the end of
 * that first utterance) and normalises them with their own mean, combined with the acoustic model's
 * initial mean ({@code -cmninit} in its {@code feat.params}) weighted as {@code priorFrames}
 * frames. From then on the mean is a running mean over the stream's speech frames (an exponential
 * window of {@code window} frames) that carries across the stream's utterances. A {@code
 * DataStartSignal} (a new stream) forgets everything.
 *
 * <p>Replaces Sphinx4's {@code LiveCMN}, whose state depends on the recogniser's history: it reads
 * ahead only on the recogniser's first stream, and every later stream starts from the mean the
 * previous stream (another speaker, another channel) left behind. With a pooled recogniser the same
 * audio then decoded differently depending on which recogniser a session borrowed and what it
 * decoded before, mostly in the first utterances; and a recogniser whose first stream had no speech
 * never found any again.
 *
 * <p>Cost: the first partial result of a stream waits for the look-ahead (at most {@code lookahead}
 * frames of speech, 2 s by default), as with {@code LiveCMN} on a new recogniser.
 */
public final class StreamCmn extends BaseDataProcessor {
  /** The acoustic model loader whose {@code feat.params} gives {@code -cmninit}. */
  @S4Component(type = Loader.class)
  public static final String PROP_LOADER = "loader";

  /** How many frames of speech the model's initial mean counts for at a stream's start. */
  @S4Integer(defaultValue = 0)
  public static final String PROP_PRIOR_FRAMES = "priorFrames";

  /** Frames of a stream's first speech read ahead for its initial mean (0: the prior alone). */
  @S4Integer(defaultValue = 200)
  public static final String PROP_LOOKAHEAD = "lookahead";

  /** Frames of the running mean's exponential window. */
  @S4Integer(defaultValue = 300)
  public static final String PROP_WINDOW = "window";

  private double @Nullable [] prior;
  private int priorFrames;
  private int lookahead;
  private int window;

  // per stream
  private double @Nullable [] mean;
  private double @Nullable [] sum;
  private double count;
  private final ArrayDeque<Data> pending = new ArrayDeque<>(); // read ahead, not yet processed
  private final ArrayDeque<Data> ready = new ArrayDeque<>(); // processed, not yet returned

  /** For Sphinx4's configuration manager, which then calls {@link #newProperties}. */
  public StreamCmn() {}

  /**
   * A configured instance outside a Sphinx4 configuration.
   *
   * @param prior the model's initial mean, or {@code null} for none
   * @throws IllegalArgumentException if a count is negative or {@code window < 1}
   */
  public StreamCmn(double @Nullable [] prior, int priorFrames, int lookahead, int window) {
    check(priorFrames, lookahead, window);
    this.prior = prior == null ? null : prior.clone();
    this.priorFrames = priorFrames;
    this.lookahead = lookahead;
    this.window = window;
    initialize();
  }

  private static void check(int priorFrames, int lookahead, int window) {
    if (priorFrames < 0 || lookahead < 0 || window < 1) {
      throw new IllegalArgumentException(
          "priorFrames "
              + priorFrames
              + " and lookahead "
              + lookahead
              + " must be >= 0, window "
              + window
              + " >= 1");
    }
  }

  @Override
  public void newProperties(PropertySheet ps) throws PropertyException {
    super.newProperties(ps);
    priorFrames = ps.getInt(PROP_PRIOR_FRAMES);
    lookahead = ps.getInt(PROP_LOOKAHEAD);
    window = ps.getInt(PROP_WINDOW);
    try {
      check(priorFrames, lookahead, window);
    } catch (IllegalArgumentException e) {
      throw new PropertyException(getClass().getName(), PROP_WINDOW, e.getMessage());
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
    pending.clear();
    ready.clear();
  }

  /** Forgets the stream's mean (a new stream). */
  private void reset() {
    mean = null;
    sum = null;
    count = 0;
  }

  private @Nullable Data next() throws DataProcessingException {
    Data d = pending.poll();
    return d != null ? d : getPredecessor().getData();
  }

  @Override
  public @Nullable Data getData() throws DataProcessingException {
    Data data = ready.poll();
    if (data != null) {
      return data;
    }
    data = next();
    if (data instanceof DataStartSignal) {
      reset();
    } else if (data instanceof DoubleData d) {
      if (mean == null || mean.length != d.getValues().length) {
        start(d);
        return ready.poll();
      }
      normalise(d.getValues());
    }
    return data;
  }

  /** A stream's first frame: reads ahead, normalises what it read with the initial mean. */
  private void start(DoubleData first) throws DataProcessingException {
    int dims = first.getValues().length;
    List<Data> read = new ArrayList<>();
    read.add(first);
    double[] s = first.getValues().clone();
    int frames = 1;
    while (frames < lookahead) {
      Data x = next();
      if (x == null) {
        break;
      }
      if (x instanceof DataStartSignal
          || (x instanceof DoubleData d && d.getValues().length != dims)) {
        pending.addFirst(x); // the next stream's: processed after this look-ahead
        break;
      }
      read.add(x);
      if (x instanceof DoubleData d) {
        double[] v = d.getValues();
        for (int i = 0; i < dims; i++) {
          s[i] += v[i];
        }
        frames++;
      }
      if (x instanceof SpeechEndSignal || x instanceof DataEndSignal) {
        break;
      }
    }
    double n = frames;
    double[] p = prior;
    if (p != null && p.length == dims && priorFrames > 0) {
      for (int i = 0; i < dims; i++) {
        s[i] += p[i] * priorFrames;
      }
      n += priorFrames;
    }
    double[] m = new double[dims];
    for (int i = 0; i < dims; i++) {
      m[i] = s[i] / n;
    }
    for (Data x : read) {
      if (x instanceof DoubleData d) {
        double[] v = d.getValues();
        for (int i = 0; i < dims; i++) {
          v[i] -= m[i];
        }
      }
      ready.add(x);
    }
    mean = m;
    sum = s;
    count = n;
    decay();
  }

  private void normalise(double[] c) {
    double[] m = mean;
    double[] s = sum;
    if (m == null || s == null) {
      throw new IllegalStateException("no mean yet");
    }
    for (int i = 0; i < c.length; i++) {
      s[i] += c[i];
      c[i] -= m[i];
    }
    count++;
    decay();
    for (int i = 0; i < m.length; i++) {
      m[i] = s[i] / count;
    }
  }

  /** Keeps the running sum to the window: older frames fade out exponentially. */
  private void decay() {
    double[] s = sum;
    if (s != null && count > window) {
      double keep = window / count;
      for (int i = 0; i < s.length; i++) {
        s[i] *= keep;
      }
      count = window;
    }
  }

  @Override
  public String toString() {
    return "StreamCmn{priorFrames="
        + priorFrames
        + ", lookahead="
        + lookahead
        + ", window="
        + window
        + ", prior="
        + Arrays.toString(prior)
        + "}";
  }
}
