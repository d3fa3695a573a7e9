package dev.audiopipeline.livekit;

import java.util.HashMap;
import java.util.Map;

/**
 * The decisions of a {@link BargeInPolicy}, as a deterministic state machine: every input carries
 * the session time it happens at ({@code now}) and, for speech, the detector's position ({@code
 * atMs}); every call returns what the bot's audio must do. Nothing here reads a clock or starts a
 * thread: the caller calls {@link #tick} at {@link #nextDeadline()}. Not thread-safe: one caller at
 * a time ({@link BargeIn} serialises on one thread).
 */
final class BargeInMachine {
  /** What the bot's current utterance must do now. */
  enum Action {
    /** Nothing changes. */
    NONE,
    /** Fall silent, keeping the rest of the utterance. */
    PAUSE,
    /** Play on from where it paused. */
    RESUME,
    /** Stop the utterance for good (cancel its handle). */
    STOP
  }

  enum State {
    /** The bot is not speaking. */
    IDLE,
    /** The bot's audio plays. */
    SPEAKING,
    /** The bot's audio is paused by a participant's speech. */
    PAUSED,
    /** The utterance was stopped; nothing more until the next one starts. */
    STOPPED
  }

  /** No deadline. */
  static final long NO_DEADLINE = Long.MAX_VALUE;

  private final BargeInPolicy policy;
  private final long minSpeechMs;
  private final long falseTimeoutMs;
  private final long holdMs;

  /** Eligible speakers speaking now: key to the onset of their current speech. */
  private final Map<String, Long> speaking = new HashMap<>();

  private State state = State.IDLE;
  private long onsetMs = -1; // the candidate interruption's onset, -1 for none
  private boolean qualified; // the candidate has lasted the minimum
  private boolean words; // a word of the candidate arrived
  private long falseDeadline = -1; // resume at this time unless words or speech come first
  private long holdDeadline = -1; // a short sound ended: resume at this time unless speech goes on

  private int interruptions;
  private int falseInterruptions;
  private int noises;
  private long lastStopOnsetMs = -1;
  private long lastOnsetMs = -1;

  BargeInMachine(BargeInPolicy policy) {
    this.policy = policy;
    this.minSpeechMs = policy.minSpeech().toMillis();
    this.falseTimeoutMs = policy.falseInterruptionTimeout().toMillis();
    this.holdMs = policy.shortSoundHold().toMillis();
  }

  /** The bot starts an utterance at {@code now}; speech already under way counts from now. */
  Action botStarted(long now) {
    clearCandidate();
    state = State.SPEAKING;
    if (!policy.enabled() || speaking.isEmpty()) {
      return Action.NONE;
    }
    return onset(now, now);
  }

  /** The utterance ended (played out, or stopped). */
  Action botStopped(long now) {
    clearCandidate();
    state = State.IDLE;
    return Action.NONE;
  }

  /** Speaker {@code key} ({@code identity}) started speaking at {@code atMs}. */
  Action speechStarted(String key, String identity, long atMs, long now) {
    if (!policy.mayInterrupt(identity)) {
      return Action.NONE;
    }
    speaking.put(key, atMs);
    switch (state) {
      case SPEAKING:
        return onsetMs < 0 ? onset(atMs, now) : tick(now);
      case PAUSED:
        falseDeadline = -1; // more speech: the false-interruption wait starts again at its end
        holdDeadline = -1; // speech goes on after a short pause: still the same interruption
        return tick(now);
      default:
        return Action.NONE;
    }
  }

  /** Speaker {@code key} stopped speaking at {@code atMs} (where its speech ended). */
  Action speechEnded(String key, long atMs, long now) {
    if (speaking.remove(key) == null || !speaking.isEmpty() || onsetMs < 0) {
      return Action.NONE; // not eligible, someone still speaks, or nothing pending
    }
    if (state != State.SPEAKING && state != State.PAUSED) {
      return Action.NONE;
    }
    if (atMs - onsetMs < minSpeechMs) { // a short sound so far
      if (state == State.PAUSED && holdMs > 0) {
        holdDeadline = now + holdMs; // resume unless more speech follows: a word, not a cough
        return Action.NONE;
      }
      noises++;
      boolean wasPaused = state == State.PAUSED;
      clearCandidate();
      state = State.SPEAKING;
      return wasPaused ? Action.RESUME : Action.NONE;
    }
    Action a = Action.NONE;
    if (state == State.SPEAKING) { // MIN_DURATION, its deadline not ticked yet
      state = State.PAUSED;
      a = Action.PAUSE;
    }
    if (qualify() == Action.STOP) {
      return Action.STOP;
    }
    falseDeadline = now + falseTimeoutMs;
    return a;
  }

  /**
   * A transcript of {@code identity} with words, ending at {@code endMs}: words for the pending
   * interruption if it ends after that speech began.
   */
  Action words(String identity, long endMs, long now) {
    if (!policy.mayInterrupt(identity) || onsetMs < 0 || endMs < onsetMs) {
      return Action.NONE;
    }
    words = true;
    if (state == State.PAUSED && qualified) {
      return stop();
    }
    return tick(now);
  }

  /** Time passed: acts on a deadline that has come ({@link #nextDeadline()}). */
  Action tick(long now) {
    if (onsetMs < 0) {
      return Action.NONE;
    }
    if (!speaking.isEmpty() && !qualified && now >= onsetMs + minSpeechMs) {
      if (state == State.SPEAKING) { // MIN_DURATION: the speech has lasted the minimum
        state = State.PAUSED;
        return qualify() == Action.STOP ? Action.STOP : Action.PAUSE;
      }
      if (state == State.PAUSED) {
        return qualify();
      }
    }
    if (state == State.PAUSED && holdDeadline >= 0 && speaking.isEmpty() && now >= holdDeadline) {
      noises++; // only a short sound, and nothing after it
      clearCandidate();
      state = State.SPEAKING;
      return Action.RESUME;
    }
    if (state == State.PAUSED
        && falseDeadline >= 0
        && speaking.isEmpty()
        && now >= falseDeadline
        && !words) {
      falseInterruptions++;
      clearCandidate();
      state = State.SPEAKING;
      return Action.RESUME;
    }
    return Action.NONE;
  }

  /** The session time at which {@link #tick} has something to decide, or {@link #NO_DEADLINE}. */
  long nextDeadline() {
    if (onsetMs < 0 || (state != State.SPEAKING && state != State.PAUSED)) {
      return NO_DEADLINE;
    }
    if (!speaking.isEmpty() && !qualified) {
      return onsetMs + minSpeechMs;
    }
    if (state == State.PAUSED && holdDeadline >= 0) {
      return holdDeadline;
    }
    if (state == State.PAUSED && falseDeadline >= 0) {
      return falseDeadline;
    }
    return NO_DEADLINE;
  }

  State state() {
    return state;
  }

  /** Utterances stopped by an interruption. */
  int interruptions() {
    return interruptions;
  }

  /** Interruptions without words that resumed the utterance. */
  int falseInterruptions() {
    return falseInterruptions;
  }

  /** Sounds shorter than the minimum that paused (or would have paused) the bot. */
  int noises() {
    return noises;
  }

  /** The onset (session ms) of the speech that last stopped an utterance, or -1. */
  long lastStopOnsetMs() {
    return lastStopOnsetMs;
  }

  /** The onset (session ms) of the latest speech that paused, or would pause, the bot, or -1. */
  long lastOnsetMs() {
    return lastOnsetMs;
  }

  private Action onset(long atMs, long now) {
    onsetMs = atMs;
    lastOnsetMs = atMs;
    qualified = false;
    words = false;
    falseDeadline = -1;
    holdDeadline = -1;
    if (policy.trigger() == BargeInPolicy.Trigger.SPEECH_START) {
      state = State.PAUSED;
      Action a = tick(now); // a late event may already have lasted the minimum
      return a == Action.STOP ? Action.STOP : Action.PAUSE;
    }
    return tick(now);
  }

  /** The candidate has lasted the minimum: stop now if words came or false ones never resume. */
  private Action qualify() {
    qualified = true;
    if (words || !policy.resumeFalseInterruptions()) {
      return stop();
    }
    return Action.NONE;
  }

  private Action stop() {
    interruptions++;
    lastStopOnsetMs = onsetMs;
    clearCandidate();
    state = State.STOPPED;
    return Action.STOP;
  }

  private void clearCandidate() {
    onsetMs = -1;
    qualified = false;
    words = false;
    falseDeadline = -1;
    holdDeadline = -1;
  }
}
