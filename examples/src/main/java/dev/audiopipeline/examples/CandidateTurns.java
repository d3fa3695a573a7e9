package dev.audiopipeline.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The candidate's turns as the turn detector reports them (speech start and end, end of turn, on
 * the session timeline), and the rule that says when an answer is over: an end of turn after the
 * question that ends at least {@code minAnswerMs} of speech, followed by {@code replyDelay} of
 * quiet. Speech that starts within the reply delay continues the answer, and the next end of turn
 * is awaited instead.
 *
 * <p>Not thread-safe by itself: every method runs under the {@code lock} given to the constructor,
 * which the caller also holds when it feeds events, so the wait and the events never race. {@code
 * over} is evaluated under that lock.
 */
final class CandidateTurns {
  private final Object lock;
  private final BooleanSupplier over;
  private final PrintStream out;
  private final long minAnswerMs;
  private final Duration replyDelay;

  private long lastEndOfTurnMs = -1;
  private long lastOnsetMs = -1; // the latest speech onset
  private long speechSinceMs = -1; // the current speech's onset, -1 when quiet
  // recent speech, [start, end] on the session timeline; bounded (oldest dropped first): only the
  // current answer's speech matters
  private final ArrayDeque<long[]> speech = new ArrayDeque<>();
  private int answered;
  private int timedOut;
  private int resumed;

  static final int MAX_SPEECH_RUNS = 1_000;

  CandidateTurns(
      Object lock, BooleanSupplier over, PrintStream out, long minAnswerMs, Duration replyDelay) {
    this.lock = lock;
    this.over = over;
    this.out = out;
    this.minAnswerMs = minAnswerMs;
    this.replyDelay = replyDelay;
  }

  /** The candidate started speaking at {@code atMs}. Under the lock. */
  void speechStarted(long atMs) {
    speechSinceMs = atMs;
    lastOnsetMs = Math.max(lastOnsetMs, atMs);
    lock.notifyAll();
  }

  /** The candidate stopped speaking at {@code atMs}. Under the lock. */
  void speechEnded(long atMs) {
    if (speechSinceMs >= 0) {
      speech.addLast(new long[] {speechSinceMs, atMs});
      if (speech.size() > MAX_SPEECH_RUNS) {
        speech.removeFirst();
      }
    }
    speechSinceMs = -1;
    lock.notifyAll();
  }

  /** The detector ended the candidate's turn at {@code atMs}. Under the lock. */
  void endOfTurn(long atMs) {
    lastEndOfTurnMs = Math.max(lastEndOfTurnMs, atMs);
    lock.notifyAll();
  }

  /**
   * Waits for the end of the answer after {@code afterMs} (session time), at most {@code timeout}:
   * true when it came or timed out (counted, and said on {@code out}), false when {@code over}
   * became true. Under the lock.
   */
  boolean awaitAnswer(long afterMs, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long usedEndOfTurn = Long.MIN_VALUE; // an end of turn the candidate spoke on after
    while (true) {
      while (!over.getAsBoolean()
          && (lastEndOfTurnMs < afterMs
              || lastEndOfTurnMs <= usedEndOfTurn
              || spokenMs(afterMs, lastEndOfTurnMs) < minAnswerMs)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          timedOut++;
          out.println("  [no end of turn within " + timeout.toSeconds() + " s: moving on]");
          return true;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, 500_000_000L));
      }
      if (over.getAsBoolean()) {
        return false;
      }
      // the reply delay: speech that starts after the end of turn (before or within it) continues
      // the answer
      long endOfTurn = lastEndOfTurnMs;
      long quietUntil = System.nanoTime() + replyDelay.toNanos();
      while (!over.getAsBoolean() && lastOnsetMs < endOfTurn) {
        long left = quietUntil - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      if (over.getAsBoolean()) {
        return false;
      }
      if (lastOnsetMs < endOfTurn) {
        answered++;
        return true;
      }
      resumed++;
      out.println("  [the candidate went on after a pause: still listening]");
      usedEndOfTurn = endOfTurn;
    }
  }

  /** The candidate's speech between {@code fromMs} and {@code toMs}, in ms. Under the lock. */
  private long spokenMs(long fromMs, long toMs) {
    long total = 0;
    for (long[] s : speech) {
      total += Math.max(0, Math.min(s[1], toMs) - Math.max(s[0], fromMs));
    }
    return total;
  }

  /** Answers that ended with an end of turn. Under the lock. */
  int answered() {
    return answered;
  }

  /** Answers that ran out of time. Under the lock. */
  int timedOut() {
    return timedOut;
  }

  /** Ends of turn the candidate spoke on after (within the reply delay). Under the lock. */
  int resumed() {
    return resumed;
  }
}
