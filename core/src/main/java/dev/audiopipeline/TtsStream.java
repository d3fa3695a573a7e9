package dev.audiopipeline;

import java.util.concurrent.Flow;

/**
 * One utterance whose text arrives in pieces (for example tokens from a language model), spoken as
 * one continuous stream of audio. Obtained from {@link StreamingTtsProvider#openStream}.
 *
 * <p>The text methods may be called from any thread but not concurrently; they never block on the
 * network. {@link #audio()} has a single subscriber. Closing the stream is how a caller interrupts
 * the bot: the network work for this utterance stops and the subscriber gets {@code onComplete}
 * after the chunks already delivered.
 */
public interface TtsStream extends AutoCloseable {
  /**
   * Adds text. Providers may hold it back until enough has arrived to speak naturally (a word, a
   * phrase); pieces may split words anywhere.
   *
   * @throws IllegalStateException after {@link #finish()} or {@link #close()}
   */
  void append(CharSequence text);

  /**
   * Asks for everything appended so far to be spoken now, without waiting for more text (the end of
   * a sentence or a turn). The utterance goes on: later text continues the same audio stream.
   */
  void flush();

  /** No more text: the rest is spoken and then the audio publisher completes. Idempotent. */
  void finish();

  /**
   * The utterance's audio, in the provider's {@link TtsProvider#outputFormat()}. One subscriber; a
   * second one gets {@code onError(IllegalStateException)}. Errors arrive once, as an {@link
   * AudioPipelineException}.
   */
  Flow.Publisher<TtsChunk> audio();

  /** Stops the utterance and releases what it holds. Idempotent; never throws. */
  @Override
  void close();
}
