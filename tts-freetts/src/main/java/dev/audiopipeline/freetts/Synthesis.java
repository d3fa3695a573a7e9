package dev.audiopipeline.freetts;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.OverflowException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.BoundedPublisher;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;

/**
 * One subscription to {@link FreeTtsProvider#synthesize}: starts the synthesis at the first request
 * and hands chunks to the subscriber through core's TCK-tested {@link BoundedPublisher}
 * (single-subscriber mode) as demand allows. FreeTTS pushes a whole utterance without waiting, so
 * chunks not yet requested wait in its buffer, bounded by the text's length ({@link
 * FreeTtsProvider#maxBufferedChunks}); a subscriber further behind fails with an {@link
 * OverflowException} and the synthesis stops.
 */
final class Synthesis implements Runnable, PcmSink.Target {
  private final FreeTtsProvider provider;
  private final TtsRequest request;
  private final BoundedPublisher<TtsChunk> out;
  private final int capacity;
  private volatile boolean cancelled;

  Synthesis(FreeTtsProvider provider, TtsRequest request) {
    this.provider = provider;
    this.request = request;
    this.capacity = FreeTtsProvider.maxBufferedChunks(request.text());
    this.out =
        BoundedPublisher.unicast(
            provider.delivery(), capacity, "freetts", this::begin, () -> cancelled = true);
  }

  void start(Flow.Subscriber<? super TtsChunk> subscriber) {
    out.subscribe(subscriber);
  }

  /** First request: queue the synthesis on the provider's thread. */
  private void begin() {
    try {
      provider.submit(this);
    } catch (RejectedExecutionException e) {
      failClosed();
    }
  }

  /** The provider closed before this synthesis ran. */
  void failClosed() {
    out.fail(FreeTtsProvider.closedError());
  }

  @Override
  public void run() {
    try {
      if (cancelled) {
        return;
      }
      String voice = request.voice();
      if (voice != null && !voice.equals(FreeTtsProvider.VOICE)) {
        throw new AudioPipelineException(
            "freetts: voice '"
                + voice
                + "' is not available: accepted "
                + FreeTtsProvider.VOICE
                + " (or no voice)");
      }
      provider.speak(request.text(), new PcmSink(this));
      out.complete();
    } catch (AudioPipelineException e) {
      out.fail(e);
    } catch (RuntimeException | LinkageError e) {
      out.fail(new AudioPipelineException("freetts: synthesis failed: " + e, e));
    }
  }

  @Override
  public boolean pcm(byte[] littleEndian) {
    if (cancelled || Thread.currentThread().isInterrupted()) {
      return false;
    }
    if (!out.submit(new TtsChunk(AudioFormat.MONO_16K, littleEndian, List.of()))) {
      cancelled = true;
      out.failNow(
          new OverflowException(
              "freetts: the subscriber fell behind by more than "
                  + capacity
                  + " chunks; the synthesis was stopped",
              capacity));
      return false;
    }
    return true;
  }
}
