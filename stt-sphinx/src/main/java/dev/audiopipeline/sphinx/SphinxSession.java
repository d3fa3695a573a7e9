package dev.audiopipeline.sphinx;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.Word;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.internal.runtime.TimeMap;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.result.WordResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One speaker's stream into one pooled Sphinx4 recogniser. The pipeline's drain thread writes
 * samples into a bounded {@link PcmPipe}; the session's own thread ({@code
 * audio-pipeline-sphinx-<stream>}) borrows a recogniser (loading one if none is idle), decodes
 * utterance after utterance (Sphinx4's own speech end-pointing splits them) and reports partials
 * and finals with times on the audio sent to this session: the recogniser counts only the audio it
 * decoded, so audio dropped from a full buffer is a jump of the session's {@link TimeMap} (decoded
 * audio to sent audio), and every result time goes through it.
 */
final class SphinxSession implements SttSession {
  private static final Logger log = LoggerFactory.getLogger(SphinxSession.class);

  private final SphinxSttProvider provider;
  private final SttSessionOptions options;
  private final Listener listener;
  private final PcmPipe pipe;
  private final long maxSendWaitNanos;
  private final Thread worker;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean finishing = new AtomicBoolean();
  private final AtomicBoolean terminal = new AtomicBoolean();
  private int segment; // worker thread only
  private @Nullable String lastPartial; // worker thread only
  private long droppedReported; // drain thread only

  /** Decoded audio (what Sphinx counts) to the audio sent to this session, 16 kHz frames. */
  private final TimeMap time = new TimeMap(16_000);

  SphinxSession(SphinxSttProvider provider, SttSessionOptions options, Listener listener) {
    this.provider = provider;
    this.options = options;
    this.listener = listener;
    SphinxSttProvider.Settings s = provider.settings();
    this.pipe = new PcmPipe((int) (s.bufferDuration().toMillis() * 16));
    this.maxSendWaitNanos = s.maxSendWait().toNanos();
    this.worker = NamedThreadFactory.thread("sphinx-" + options.streamId(), this::run);
  }

  void start() {
    worker.start();
  }

  @Override
  public void send(short[] samples, int offset, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException("empty range: length " + length + " (need at least 1)");
    }
    if (offset < 0 || offset + length > samples.length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + " + length " + length + " outside an array of " + samples.length);
    }
    if (finishing.get() || closed.get()) {
      throw new IllegalStateException(
          "sphinx session "
              + options.streamId()
              + " is "
              + (closed.get() ? "closed" : "finishing")
              + ": send() is accepted only before finish() and close()");
    }
    try {
      int accepted = pipe.write(samples, offset, length, maxSendWaitNanos);
      time.advance(accepted);
      if (accepted < length) {
        // the recogniser never hears the rest: what it decodes next was sent after it
        time.jumpTo(time.outputFrames() + (length - accepted));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    long dropped = pipe.droppedSamples();
    if (dropped > droppedReported) {
      long ms = (dropped - droppedReported) / 16;
      droppedReported = dropped;
      log.warn(
          "sphinx {}: recogniser more than {} behind, dropped {} ms of audio",
          options.streamId(),
          provider.settings().bufferDuration(),
          ms);
      emit(
          new TranscriptEvent.AudioDropped(
              ms,
              "recogniser too slow: buffer of "
                  + provider.settings().bufferDuration().toMillis()
                  + " ms full"));
    }
  }

  /**
   * Ends the current utterance after the audio sent so far, so that its final comes as soon as the
   * recogniser has decoded that audio, without waiting for Sphinx4's end-pointer (200 ms of
   * silence, often more on a noisy track). Audio sent afterwards starts a new utterance. Without a
   * call, Sphinx4's end-pointer alone splits utterances.
   */
  @Override
  public void flush() {
    if (!finishing.get() && !closed.get()) {
      cutAt.set(pipe.writtenSamples());
    }
  }

  /** Where the last flush cut the stream (samples into the pipe), or -1. */
  private final AtomicLong cutAt = new AtomicLong(-1);

  @Override
  public CompletionStage<Void> finish(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout " + timeout + " is negative");
    }
    if (finishing.compareAndSet(false, true)) {
      long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
      pipe.finish(deadline);
    }
    return done.minimalCompletionStage();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    finishing.set(true);
    pipe.close();
    if (Thread.currentThread() != worker) {
      try {
        // the worker leaves at the next audio block; a model still loading finishes its load
        worker.join(TimeUnit.SECONDS.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    done.complete(null);
  }

  private void run() {
    SphinxRecognizer recognizer = null;
    boolean reusable = false;
    try {
      String language = options.language();
      if (!SphinxSttProvider.supportsLanguage(language)) {
        fail(
            new AudioPipelineException(
                "sphinx: language '"
                    + language
                    + "' is not supported:"
                    + " the bundled model is US English; accepted: en, en-US (or no language)"));
        return;
      }
      recognizer = provider.borrow();
      if (closed.get()) {
        reusable = true;
        return;
      }
      recognizer.start(pipe, this::partial, cutAt::get);
      Result result;
      while ((result = recognizer.next()) != null) {
        if (closed.get()) {
          // the rest of the abandoned stream still sits in the recogniser's front end (the
          // end-pointer's and the normalisation's queues): decode it away unseen, so that none
          // of it reaches the next session. Bounded: the pipe is closed, the stream ends there.
          while (recognizer.next() != null) {
            // discarded
          }
          break;
        }
        result(result, true);
      }
      // read to its end, the recogniser keeps nothing of this stream (StreamCmn starts each
      // stream afresh), so it goes back to the pool, also after a stream without speech (with
      // Sphinx4's LiveCMN, whose first stream fixed the mean, such a recogniser never found
      // speech again)
      reusable = true;
      long dropped = pipe.droppedSamples();
      if (!closed.get() && dropped > droppedReported) {
        emit(
            new TranscriptEvent.AudioDropped(
                (dropped - droppedReported) / 16,
                "finish timeout ran out before the recogniser caught up"));
      }
    } catch (RuntimeException | LinkageError e) {
      if (!closed.get()) {
        fail(
            new AudioPipelineException(
                "sphinx: recogniser failed on stream " + options.streamId() + ": " + e, e));
      }
    } finally {
      if (recognizer != null) {
        recognizer.stop();
        provider.release(recognizer, reusable);
      }
      pipe.close();
      provider.sessionEnded(this);
      done.complete(null);
    }
  }

  private void partial(Result result) {
    if (closed.get()) {
      return;
    }
    try {
      result(result, false);
    } catch (RuntimeException e) {
      log.debug("sphinx {}: no partial for this block", options.streamId(), e);
    }
  }

  private void result(Result result, boolean isFinal) {
    String text = clean(result.getBestResultNoFiller());
    String id = "u" + (segment + 1);
    if (!isFinal) {
      if (text.isEmpty() || text.equals(lastPartial)) {
        return;
      }
      lastPartial = text;
    } else {
      boolean hadPartial = lastPartial != null;
      lastPartial = null;
      if (text.isEmpty() && !hadPartial) {
        return; // noise the end-pointer took for speech, with nothing recognised
      }
      segment++;
    }
    List<Word> words = words(result);
    long start;
    long end;
    if (!words.isEmpty()) {
      start = words.get(0).startMs();
      end = words.get(words.size() - 1).endMs();
    } else {
      end = Math.max(0, result.getCollectTime());
      start = end;
    }
    List<Word> placed = new ArrayList<>(words.size());
    for (Word w : words) {
      long ws = time.toOutputMs(w.startMs());
      placed.add(new Word(w.text(), ws, Math.max(ws, time.toOutputMs(w.endMs())), w.confidence()));
    }
    long s = time.toOutputMs(start);
    emit(
        new TranscriptEvent.Result(
            isFinal, text, s, Math.max(s, time.toOutputMs(end)), "en", null, placed, id));
  }

  /** Longest span a single word may have; longer alignments are noise absorbed into the word. */
  static final long MAX_WORD_MS = 1_200;

  private static List<Word> words(Result result) {
    List<WordResult> timed = result.getTimedBestResult(false);
    List<Word> words = new ArrayList<>(timed.size());
    for (WordResult w : timed) {
      String spelling = clean(w.getWord().getSpelling());
      if (spelling.isEmpty() || w.isFiller()) {
        continue;
      }
      long e = Math.max(0, w.getTimeFrame().getEnd());
      // Sphinx can align a word over the noise before it (seen on WebRTC audio: a first word
      // spanning 11 s of a silent track); no word lasts that long, so cap its span.
      long s = Math.max(Math.max(0, w.getTimeFrame().getStart()), e - MAX_WORD_MS);
      words.add(new Word(spelling, s, e, null));
    }
    return words;
  }

  /** Sphinx marks alternative pronunciations as {@code word(2)}; drop that and fillers. */
  private static String clean(@Nullable String text) {
    if (text == null) {
      return "";
    }
    return text.replaceAll("\\(\\d+\\)", "")
        .replaceAll("<[^>]*>|\\[[^]]*]", "")
        .trim()
        .replaceAll("\\s+", " ");
  }

  private void fail(AudioPipelineException error) {
    emit(new TranscriptEvent.Failed(error));
  }

  private void emit(TranscriptEvent event) {
    if (terminal.get()) {
      return;
    }
    if (event instanceof TranscriptEvent.Failed) {
      terminal.set(true);
    }
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      log.debug("sphinx {}: listener threw on {}", options.streamId(), event, e);
    }
  }

  @Override
  public String toString() {
    return "SphinxSession{" + options.streamId() + "}";
  }
}
