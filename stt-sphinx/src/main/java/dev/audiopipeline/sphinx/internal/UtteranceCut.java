package dev.audiopipeline.sphinx.internal;

import edu.cmu.sphinx.frontend.BaseDataProcessor;
import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.frontend.DataProcessingException;
import edu.cmu.sphinx.frontend.DataStartSignal;
import edu.cmu.sphinx.frontend.DoubleData;
import edu.cmu.sphinx.frontend.endpoint.SpeechEndSignal;
import edu.cmu.sphinx.frontend.endpoint.SpeechStartSignal;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Ends the current utterance where the stream's owner asked (a flush: the speaker finished a turn),
 * instead of waiting for the speech end-pointer's own silence. Sits right after Sphinx4's {@code
 * SpeechMarker}: the audio block that reaches the cut position (a sample index of the stream) is
 * followed by a {@code SpeechEndSignal}, so the decoder delivers that utterance's final at once. If
 * the end-pointer still hears speech after the cut, a {@code SpeechStartSignal} opens a new
 * utterance before the next block (nothing is dropped) and the end-pointer's own end signal later
 * closes it; if it does not, its end signal (now without an utterance) is dropped. A cut that falls
 * outside speech changes nothing. Only the latest cut counts.
 */
public final class UtteranceCut extends BaseDataProcessor {
  private static final LongSupplier NONE = () -> -1;

  private volatile LongSupplier cut = NONE;
  private final ArrayDeque<Data> out = new ArrayDeque<>();
  private boolean upstreamInSpeech;
  private boolean inSpeech;
  private long handled = -1;

  /** For Sphinx4's configuration manager. */
  public UtteranceCut() {}

  /**
   * Where to cut, read as the audio passes: a sample index counted from the stream's start, or a
   * negative value for none. Set before the stream starts.
   */
  public void cutPosition(@Nullable LongSupplier position) {
    this.cut = position == null ? NONE : position;
  }

  @Override
  public void initialize() {
    super.initialize();
    reset();
  }

  private void reset() {
    out.clear();
    upstreamInSpeech = false;
    inSpeech = false;
    handled = -1;
  }

  /** The next data, or {@code null} when the stream has none now (as every Sphinx4 stage). */
  @Override
  public @Nullable Data getData() throws DataProcessingException {
    while (out.isEmpty()) {
      Data d = getPredecessor().getData();
      if (d == null) {
        return null;
      }
      if (d instanceof DataStartSignal) {
        reset();
        out.add(d);
      } else if (d instanceof SpeechStartSignal) {
        upstreamInSpeech = true;
        inSpeech = true;
        out.add(d);
      } else if (d instanceof SpeechEndSignal) {
        upstreamInSpeech = false;
        if (inSpeech) {
          inSpeech = false;
          out.add(d);
        } // else: the utterance was cut already; drop the end-pointer's late end
      } else if (d instanceof DoubleData dd) {
        block(dd);
      } else {
        out.add(d);
      }
    }
    return out.poll();
  }

  private void block(DoubleData dd) {
    if (upstreamInSpeech && !inSpeech) {
      // speech goes on after a cut: a new utterance
      inSpeech = true;
      out.add(new SpeechStartSignal(dd.getCollectTime()));
    }
    out.add(dd);
    long at = cut.getAsLong();
    if (at <= handled) {
      return;
    }
    long start = dd.getFirstSampleNumber();
    long end = start + dd.getValues().length;
    if (end < at) {
      return;
    }
    handled = at;
    if (inSpeech && start < at) {
      inSpeech = false;
      out.add(new SpeechEndSignal(dd.getCollectTime()));
    }
  }
}
