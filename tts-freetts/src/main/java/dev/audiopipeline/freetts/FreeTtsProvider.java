package dev.audiopipeline.freetts;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsProvider;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The embedded, offline voice: FreeTTS with its 16 kHz US English {@code kevin16} diphone voice,
 * in-process. No key, no network.
 *
 * <pre>{@code
 * try (FreeTtsProvider tts = FreeTtsProvider.create()) {
 *   tts.synthesize(TtsRequest.of("Hello there.")).subscribe(mySubscriber); // 16 kHz mono PCM
 * }
 * }</pre>
 *
 * <p>Output: signed 16-bit little-endian PCM, 16 kHz mono ({@link #outputFormat()}), in chunks as
 * FreeTTS produces them (about one per phrase). FreeTTS voices are not thread-safe, so requests are
 * synthesised one at a time, in order of subscription, on the provider's own thread ({@code
 * audio-pipeline-freetts-N-1}); each subscription is a separate synthesis. Chunks reach the
 * subscriber through core's TCK-tested publisher, on {@code audio-pipeline-freetts-N-deliver-M}
 * threads, as its demand allows; FreeTTS cannot be paused, so chunks not yet requested wait, at
 * most {@code 256 + 16} per character of text (several times what an utterance produces), and a
 * subscriber further behind fails with an {@code OverflowException}. Cancelling stops the synthesis
 * at the next chunk. Only the default voice is available: a request naming another voice fails with
 * an {@link AudioPipelineException} naming the accepted one. No character alignment is reported.
 *
 * <p>The voice is loaded on the first request (about a second). {@link #close()} stops the thread
 * and releases the voice; requests still queued then fail.
 */
public final class FreeTtsProvider implements TtsProvider {
  /** The only voice this provider offers. */
  public static final String VOICE = "kevin16";

  /**
   * Chunks of one synthesis that may wait for a slow subscriber: FreeTTS cannot be paused, so the
   * whole utterance may wait; the bound follows the text's length ({@code 256 + 16} per character,
   * several times what {@value #VOICE} produces even at 60 words per minute: about 2 chunks of 32
   * ms per character at 150). A subscriber further behind fails with an {@code OverflowException}
   * and the synthesis stops.
   */
  static int maxBufferedChunks(String text) {
    return (int) Math.min(1_000_000L, 256L + 16L * text.length());
  }

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final float wordsPerMinute;
  private final ExecutorService executor;
  private final ExecutorService delivery;
  private final Object voiceLock = new Object();
  private @Nullable Voice voice; // guarded by voiceLock

  private FreeTtsProvider(Builder b) {
    this.wordsPerMinute = b.wordsPerMinute;
    String name = "freetts-" + INSTANCES.incrementAndGet();
    this.executor = Executors.newSingleThreadExecutor(new NamedThreadFactory(name));
    this.delivery = Executors.newCachedThreadPool(new NamedThreadFactory(name + "-deliver"));
  }

  /** A provider with the default settings ({@value #VOICE}, 150 words per minute). */
  public static FreeTtsProvider create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "freetts";
  }

  /** 16 kHz mono: {@value #VOICE}'s rate. */
  @Override
  public AudioFormat outputFormat() {
    return AudioFormat.MONO_16K;
  }

  @Override
  public Flow.Publisher<TtsChunk> synthesize(TtsRequest request) {
    Objects.requireNonNull(request, "request == null");
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber == null");
      new Synthesis(this, request).start(subscriber);
    };
  }

  /** Queues a synthesis on the provider's thread; refused after {@link #close()}. */
  void submit(Synthesis job) {
    executor.execute(job);
  }

  /** Runs the publishers' delivery loops. */
  ExecutorService delivery() {
    return delivery;
  }

  /** Speaks {@code text} into {@code sink}; on the provider's thread. */
  void speak(String text, PcmSink sink) {
    synchronized (voiceLock) {
      Voice v = voice;
      if (v == null) {
        v = load();
        voice = v;
      }
      v.setAudioPlayer(sink);
      v.speak(text);
    }
  }

  private Voice load() {
    Voice found = null;
    List<String> names = new ArrayList<>();
    for (Voice v : new KevinVoiceDirectory().getVoices()) {
      names.add(v.getName());
      if (v.getName().equals(VOICE)) {
        found = v;
      }
    }
    if (found == null) {
      throw new AudioPipelineException(
          "freetts: voice " + VOICE + " not found in the FreeTTS jar; found " + names);
    }
    found.setRate(wordsPerMinute);
    found.allocate();
    return found;
  }

  /** Stops the synthesis thread and releases the voice. Idempotent. */
  @Override
  public void close() {
    for (Runnable queued : executor.shutdownNow()) {
      if (queued instanceof Synthesis s) {
        s.failClosed(); // never ran: its subscriber learns why
      }
    }
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
      delivery.shutdown(); // after the last synthesis: its final signals still go out
      if (!delivery.awaitTermination(5, TimeUnit.SECONDS)) {
        delivery.shutdownNow();
      }
    } catch (InterruptedException e) {
      delivery.shutdownNow();
      Thread.currentThread().interrupt();
    }
    synchronized (voiceLock) {
      if (voice != null) {
        voice.deallocate();
        voice = null;
      }
    }
  }

  boolean isClosed() {
    return executor.isShutdown();
  }

  @Override
  public String toString() {
    return "FreeTtsProvider{voice=" + VOICE + ", wpm=" + wordsPerMinute + "}";
  }

  static AudioPipelineException closedError() {
    return new AudioPipelineException("freetts: provider is closed");
  }

  /** Configures a {@link FreeTtsProvider}. Validated in {@link #build()}. */
  public static final class Builder {
    float wordsPerMinute = 150;

    private Builder() {}

    /** Speaking rate (default 150, accepted 60 to 400 words per minute). */
    public Builder wordsPerMinute(float wpm) {
      this.wordsPerMinute = wpm;
      return this;
    }

    /**
     * Validates and builds. Loads nothing yet.
     *
     * @throws IllegalArgumentException naming the option, the value and the accepted range
     */
    public FreeTtsProvider build() {
      if (!(wordsPerMinute >= 60 && wordsPerMinute <= 400)) {
        throw new IllegalArgumentException(
            "wordsPerMinute "
                + wordsPerMinute
                + " is out of range: accepted 60 to 400 (default 150)");
      }
      return new FreeTtsProvider(this);
    }
  }
}
