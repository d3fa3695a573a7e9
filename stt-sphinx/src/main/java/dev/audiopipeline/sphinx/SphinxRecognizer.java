package dev.audiopipeline.sphinx;

import dev.audiopipeline.sphinx.internal.UtteranceCut;
import edu.cmu.sphinx.decoder.ResultListener;
import edu.cmu.sphinx.frontend.util.StreamDataSource;
import edu.cmu.sphinx.recognizer.Recognizer;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.util.props.ConfigurationManager;
import edu.cmu.sphinx.util.props.ConfigurationManagerUtils;
import edu.cmu.sphinx.util.props.PropertySheet;
import java.io.InputStream;
import java.net.URL;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One loaded Sphinx4 recogniser (its own acoustic model, dictionary, language model and search):
 * the unit a session borrows from the provider's pool. Not thread-safe: one stream at a time.
 */
final class SphinxRecognizer {
  private static final String MODELS = "resource:/edu/cmu/sphinx/models/en-us/";

  /**
   * Sphinx4 logs every model unit and cache flush through java.util.logging at INFO. Unless the
   * application chose a level for {@code edu.cmu.sphinx}, only its warnings are shown. Held here so
   * that the configured logger is not garbage-collected (JUL keeps loggers weakly).
   */
  private static final java.util.logging.Logger[] SPHINX_LOGS = {
    quiet("edu.cmu.sphinx"),
    // components log as "<config file name>.<class>": the config file's name is ours
    quiet("audiopipeline-sphinx4")
  };

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
    if (l.getLevel() == null) {
      l.setLevel(java.util.logging.Level.WARNING);
    }
    return l;
  }

  private final Recognizer recognizer;
  private final StreamDataSource dataSource;
  private final UtteranceCut cut;
  private volatile @Nullable Consumer<Result> partialSink;

  private SphinxRecognizer(Recognizer recognizer, StreamDataSource dataSource, UtteranceCut cut) {
    this.recognizer = recognizer;
    this.dataSource = dataSource;
    this.cut = cut;
    recognizer.addResultListener(
        new ResultListener() {
          @Override
          public void newResult(Result result) {
            Consumer<Result> sink = partialSink;
            if (sink != null && !result.isFinal()) {
              sink.accept(result);
            }
          }

          @Override
          public void newProperties(PropertySheet ps) {}
        });
  }

  /** Loads the model (seconds: it reads ~50 MB of model data) and allocates the search. */
  static SphinxRecognizer load(SphinxSttProvider.Settings settings) {
    Objects.requireNonNull(SPHINX_LOGS);
    URL config =
        Objects.requireNonNull(
            SphinxRecognizer.class.getResource("audiopipeline-sphinx4.xml"),
            "audiopipeline-sphinx4.xml missing");
    ConfigurationManager cm = new ConfigurationManager(config);
    // global properties first: nothing is instantiated yet, so nothing is configured twice
    cm.setGlobalProperty("absoluteBeamWidth", Integer.toString(settings.absoluteBeamWidth()));
    cm.setGlobalProperty(
        "absoluteWordBeamWidth", Integer.toString(settings.absoluteWordBeamWidth()));
    cm.setGlobalProperty("relativeBeamWidth", Double.toString(settings.relativeBeamWidth()));
    cm.setGlobalProperty("fireNonFinalResults", Boolean.toString(settings.partials()));
    cm.setGlobalProperty("featureBlockSize", Integer.toString(settings.partialIntervalFrames()));
    ConfigurationManagerUtils.setProperty(cm, "acousticModelLoader->location", MODELS + "en-us");
    ConfigurationManagerUtils.setProperty(
        cm, "dictionary->dictionaryPath", MODELS + "cmudict-en-us.dict");
    ConfigurationManagerUtils.setProperty(cm, "dictionary->fillerPath", MODELS + "en-us/noisedict");
    ConfigurationManagerUtils.setProperty(cm, "trieNgramModel->location", MODELS + "en-us.lm.bin");
    Recognizer recognizer = (Recognizer) cm.lookup("recognizer");
    StreamDataSource source = (StreamDataSource) cm.lookup("dataSource");
    UtteranceCut cut = (UtteranceCut) cm.lookup("utteranceCut");
    recognizer.allocate();
    return new SphinxRecognizer(recognizer, source, cut);
  }

  /**
   * Starts reading a new stream; times of the results restart at 0. {@code cutAt} gives where to
   * end the current utterance (a sample index of this stream, negative for none), read as the audio
   * passes.
   */
  void start(InputStream in, Consumer<Result> partials, LongSupplier cutAt) {
    partialSink = partials;
    cut.cutPosition(cutAt);
    dataSource.setInputStream(in);
  }

  /** The next utterance's final result, or {@code null} at the end of the stream. Blocks. */
  @Nullable Result next() {
    return recognizer.recognize();
  }

  /** Detaches the partial sink after a stream ended. */
  void stop() {
    partialSink = null;
    cut.cutPosition(null);
  }

  void deallocate() {
    try {
      recognizer.deallocate();
    } catch (RuntimeException e) {
      // already deallocated or broken: nothing left to release
    }
  }
}
