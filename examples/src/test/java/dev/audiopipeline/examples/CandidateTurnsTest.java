package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rule that says when the candidate's answer is over (InterviewBot). */
@Timeout(30)
class CandidateTurnsTest {
  private final Object lock = new Object();
  private final AtomicBoolean over = new AtomicBoolean();
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final CandidateTurns turns =
      new CandidateTurns(
          lock,
          over::get,
          new PrintStream(printed, true, StandardCharsets.UTF_8),
          500,
          Duration.ofMillis(100));

  private void speech(long fromMs, long toMs) {
    synchronized (lock) {
      turns.speechStarted(fromMs);
      turns.speechEnded(toMs);
    }
  }

  private void endOfTurn(long atMs) {
    synchronized (lock) {
      turns.endOfTurn(atMs);
    }
  }

  private boolean await(long afterMs, Duration timeout) throws InterruptedException {
    synchronized (lock) {
      return turns.awaitAnswer(afterMs, timeout);
    }
  }

  private int[] counts() {
    synchronized (lock) {
      return new int[] {turns.answered(), turns.timedOut(), turns.resumed()};
    }
  }

  @Test
  void anEndOfTurnAfterEnoughSpeechAndQuietEndsTheAnswer() throws Exception {
    speech(1_000, 2_500);
    endOfTurn(2_700);
    assertThat(await(500, Duration.ofSeconds(20))).isTrue();
    assertThat(counts()).containsExactly(1, 0, 0);
  }

  @Test
  void speechThatResumesAfterTheEndOfTurnContinuesTheAnswer() throws Exception {
    speech(1_000, 2_500);
    endOfTurn(2_700); // a pause between sentences taken for the end
    synchronized (lock) {
      turns.speechStarted(3_000); // the candidate goes on
    }
    CompletableFuture<Boolean> answer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return await(500, Duration.ofSeconds(20));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!printed.toString(StandardCharsets.UTF_8).contains("went on after a pause")
        && System.nanoTime() < deadline) {
      synchronized (lock) {
        lock.wait(20);
      }
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("went on after a pause");
    assertThat(answer).as("still listening for the next end of turn").isNotDone();
    synchronized (lock) {
      turns.speechEnded(4_000);
      turns.endOfTurn(4_200);
    }
    assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(counts()).containsExactly(1, 0, 1);
  }

  @Test
  void tooLittleSpeechIsNoAnswerAndTheWaitTimesOut() throws Exception {
    speech(1_000, 1_300); // a cough
    endOfTurn(1_500);
    assertThat(await(500, Duration.ofMillis(300))).isTrue();
    assertThat(counts()).containsExactly(0, 1, 0);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("no end of turn within");
  }

  @Test
  void onlySpeechAfterTheGivenMomentCounts() throws Exception {
    speech(0, 2_000); // the end of the previous answer, mostly before the question ended
    endOfTurn(2_200);
    assertThat(await(1_900, Duration.ofMillis(300))).isTrue();
    assertThat(counts()).containsExactly(0, 1, 0);
    // counted from the onset of the speech that interrupted the question, it is an answer
    assertThat(await(1_000, Duration.ofSeconds(20))).isTrue();
    assertThat(counts()).containsExactly(1, 1, 0);
  }

  @Test
  void anInterviewThatIsOverStopsTheWait() throws Exception {
    over.set(true);
    assertThat(await(0, Duration.ofSeconds(20))).isFalse();
    assertThat(counts()).containsExactly(0, 0, 0);
  }
}
