package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One thing the bot says into the room, from {@link LiveKitRoomSource#speak}: a handle to stop,
 * pause or resume it and to learn how much of it was actually played.
 *
 * <p>Utterances of one room play one at a time, in the order {@code speak} was called (a queue):
 * one is {@link State#QUEUED} until those before it have ended. {@link #cancel()} works in every
 * state. All methods are thread-safe and never block.
 *
 * <p>{@link #completion()} completes normally when the utterance has {@link State#FINISHED} or was
 * {@link State#CANCELLED} (cancelling is not an error), and exceptionally with an {@link
 * AudioPipelineException} when it {@link State#FAILED} (the TTS failed, the track could not be
 * published, the room failed or closed). In every case {@link #played()} and {@link #playedText()}
 * then tell what the room heard.
 */
public final class Utterance {
  /** Where an utterance stands. */
  public enum State {
    /** Waiting for the utterances before it (or for the track to be published). */
    QUEUED,
    /** Its audio is being sent. */
    SPEAKING,
    /** Held by {@link #pause()}: nothing is sent until {@link #resume()}. */
    PAUSED,
    /** Played to the end. */
    FINISHED,
    /** Stopped by {@link #cancel()} (or {@link LiveKitRoomSource#stopSpeaking()}). */
    CANCELLED,
    /** Ended by an error; see {@link #completion()}. */
    FAILED;

    /** Whether the utterance has ended. */
    public boolean isTerminal() {
      return this == FINISHED || this == CANCELLED || this == FAILED;
    }
  }

  private final long id;
  private final String text;
  private final CompletableFuture<Utterance> completion = new CompletableFuture<>();
  private volatile State state = State.QUEUED;
  private volatile boolean cancelRequested;
  private volatile boolean pauseRequested;
  private volatile long playedSamples;
  private volatile String playedText = "";
  private volatile @Nullable Thread pacer;
  private volatile @Nullable Runnable onCancel;

  Utterance(long id, String text) {
    this.id = id;
    this.text = text;
  }

  /** The full text this utterance was asked to say. */
  public String text() {
    return text;
  }

  public State state() {
    return state;
  }

  /**
   * Stops the utterance: if it is playing, no further 10 ms frame is sent (the audio stops within
   * one frame); if it is queued, it never plays. The TTS synthesis is cancelled. No effect once
   * ended.
   */
  public void cancel() {
    if (state.isTerminal()) {
      return;
    }
    cancelRequested = true;
    Runnable r = onCancel;
    if (r != null) {
      r.run();
    }
    wakePacer();
  }

  /**
   * Holds the utterance where it is: no audio is sent (and no CPU used) until {@link #resume()}.
   * The synthesis keeps filling the bounded buffer meanwhile. For a "false interruption": pause
   * when someone starts talking, resume if they stop without saying anything. No effect once ended.
   */
  public void pause() {
    if (!state.isTerminal()) {
      pauseRequested = true;
    }
  }

  /** Continues a paused utterance from where it stopped. */
  public void resume() {
    pauseRequested = false;
    wakePacer();
  }

  /** How much audio has been sent into the room so far (all of it once finished). */
  public Duration played() {
    return Duration.ofNanos(playedSamples * 1_000_000_000L / SpeechTrack.RATE);
  }

  /**
   * The part of {@link #text()} that was played: all of it when finished; when cancelled or failed,
   * the words begun before the audio stopped: from the provider's character timings when it gives
   * them, else in proportion to the audio played over the utterance's length (exact once the
   * synthesis had finished; before that estimated as the text at 15 characters a second, or the
   * audio received if longer). Final once the utterance has ended.
   */
  public String playedText() {
    return playedText;
  }

  /**
   * Completes with this utterance when it has finished or been cancelled, exceptionally with an
   * {@link AudioPipelineException} when it failed.
   */
  public CompletionStage<Utterance> completion() {
    return completion.minimalCompletionStage();
  }

  @Override
  public String toString() {
    return "Utterance{#" + id + ", " + state + ", played " + played().toMillis() + " ms}";
  }

  // ---------------------------------------------------------------- for the speech track

  long id() {
    return id;
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  boolean pauseRequested() {
    return pauseRequested;
  }

  void onCancel(@Nullable Runnable r) {
    onCancel = r;
  }

  void pacer(@Nullable Thread t) {
    pacer = t;
  }

  void state(State s) {
    state = s;
  }

  void addPlayed(int samples) {
    playedSamples += samples; // one writer: the pacing thread
  }

  long playedSamples() {
    return playedSamples;
  }

  void end(State s, String played, @Nullable AudioPipelineException error) {
    playedText = played;
    state = s;
    onCancel = null;
    if (error != null) {
      completion.completeExceptionally(error);
    } else {
      completion.complete(this);
    }
  }

  private void wakePacer() {
    Thread t = pacer;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }
}
