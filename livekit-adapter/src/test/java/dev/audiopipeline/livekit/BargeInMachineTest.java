package dev.audiopipeline.livekit;

import static dev.audiopipeline.livekit.BargeInMachine.Action.NONE;
import static dev.audiopipeline.livekit.BargeInMachine.Action.PAUSE;
import static dev.audiopipeline.livekit.BargeInMachine.Action.RESUME;
import static dev.audiopipeline.livekit.BargeInMachine.Action.STOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.livekit.BargeInMachine.State;
import dev.audiopipeline.livekit.BargeInPolicy.Trigger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The barge-in decisions, fed with events and the session times they arrive at. A detector reports
 * speech late (its start needs some speech, its end some silence): the events below arrive after
 * the positions they carry, as they do in a room.
 */
class BargeInMachineTest {
  private static final String CAND = "TR_cand";
  private static final String CAND_ID = "candidate";

  private static BargeInMachine speakingBot(BargeInPolicy policy) {
    BargeInMachine m = new BargeInMachine(policy);
    assertThat(m.botStarted(10_000)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.SPEAKING);
    return m;
  }

  @Test
  void speechWithWordsPausesAtOnceAndStopsAtTheFirstWord() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_150)).isEqualTo(PAUSE);
    assertThat(m.nextDeadline()).isEqualTo(11_500); // when it counts as an interruption
    assertThat(m.tick(11_500)).isEqualTo(NONE); // lasted 0.5 s: an interruption, no words yet
    assertThat(m.nextDeadline()).isEqualTo(BargeInMachine.NO_DEADLINE);
    assertThat(m.words(CAND_ID, 11_600, 11_700)).isEqualTo(STOP);
    assertThat(m.state()).isEqualTo(State.STOPPED);
    assertThat(m.interruptions()).isEqualTo(1);
    assertThat(m.lastStopOnsetMs()).isEqualTo(11_000);
    // nothing more for this utterance
    assertThat(m.speechEnded(CAND, 12_000, 12_600)).isEqualTo(NONE);
    assertThat(m.tick(20_000)).isEqualTo(NONE);
    assertThat(m.botStopped(11_710)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.IDLE);
  }

  @Test
  void speechStillGoingAtTheMinimumStopsAtAWordBeforeItsEnd() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_200)).isEqualTo(PAUSE);
    assertThat(m.tick(11_500)).isEqualTo(NONE);
    assertThat(m.words(CAND_ID, 11_250, 11_700)).isEqualTo(STOP);
  }

  @Test
  void aShortWordIsNoInterruption() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_200)).isEqualTo(PAUSE);
    assertThat(m.words(CAND_ID, 11_250, 11_260)).isEqualTo(NONE); // "no", 0.3 s
    assertThat(m.speechEnded(CAND, 11_300, 11_400)).isEqualTo(NONE);
    assertThat(m.tick(11_700)).isEqualTo(RESUME);
    assertThat(m.interruptions()).isZero();
  }

  @Test
  void aShortFirstWordAndMoreSpeechWithinTheHoldAreOneInterruption() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_200)).isEqualTo(PAUSE); // "Of course."
    assertThat(m.speechEnded(CAND, 11_250, 11_450)).isEqualTo(NONE);
    assertThat(m.speechStarted(CAND, CAND_ID, 11_500, 11_600)).isEqualTo(NONE); // "I have ..."
    assertThat(m.tick(11_750)).isEqualTo(NONE); // past the hold: still paused, speech goes on
    assertThat(m.state()).isEqualTo(State.PAUSED);
    assertThat(m.words(CAND_ID, 11_900, 12_000)).isEqualTo(STOP); // 0.5 s from the first onset
    assertThat(m.lastStopOnsetMs()).isEqualTo(11_000);
  }

  @Test
  void withoutAHoldAShortSoundResumesAtItsEnd() {
    BargeInPolicy p = BargeInPolicy.builder().shortSoundHold(Duration.ZERO).build();
    BargeInMachine m = speakingBot(p);
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_200)).isEqualTo(PAUSE);
    assertThat(m.speechEnded(CAND, 11_300, 11_500)).isEqualTo(RESUME);
    assertThat(m.noises()).isEqualTo(1);
  }

  @Test
  void aCoughPausesOnlyUntilItsEnd() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_200)).isEqualTo(PAUSE);
    assertThat(m.tick(11_500)).isEqualTo(NONE);
    assertThat(m.speechEnded(CAND, 11_300, 11_900)).isEqualTo(NONE); // 0.3 s < 0.5 s
    assertThat(m.nextDeadline()).isEqualTo(12_200); // held 300 ms for more speech
    assertThat(m.tick(12_199)).isEqualTo(NONE);
    assertThat(m.tick(12_200)).isEqualTo(RESUME);
    assertThat(m.state()).isEqualTo(State.SPEAKING);
    assertThat(m.noises()).isEqualTo(1);
    assertThat(m.interruptions()).isZero();
    assertThat(m.nextDeadline()).isEqualTo(BargeInMachine.NO_DEADLINE);
  }

  @Test
  void speechWithoutWordsIsAFalseInterruptionAndResumesAfterTheTimeout() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_100)).isEqualTo(PAUSE);
    assertThat(m.tick(11_500)).isEqualTo(NONE);
    assertThat(m.speechEnded(CAND, 12_000, 12_500)).isEqualTo(NONE);
    assertThat(m.nextDeadline()).isEqualTo(14_500); // 2.0 s after the end was reported
    assertThat(m.tick(14_499)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.PAUSED);
    assertThat(m.tick(14_500)).isEqualTo(RESUME);
    assertThat(m.state()).isEqualTo(State.SPEAKING);
    assertThat(m.falseInterruptions()).isEqualTo(1);
    assertThat(m.interruptions()).isZero();
  }

  @Test
  void aWordWithinTheTimeoutStops() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    m.speechStarted(CAND, CAND_ID, 11_000, 11_100);
    assertThat(m.speechEnded(CAND, 12_000, 12_500)).isEqualTo(NONE);
    assertThat(m.words(CAND_ID, 11_900, 14_000)).isEqualTo(STOP); // a late final
    assertThat(m.tick(14_500)).isEqualTo(NONE);
    assertThat(m.interruptions()).isEqualTo(1);
  }

  @Test
  void wordsOfEarlierSpeechDoNotCount() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    m.speechStarted(CAND, CAND_ID, 11_000, 11_100);
    m.speechEnded(CAND, 12_000, 12_500);
    assertThat(m.words(CAND_ID, 9_800, 12_600)).isEqualTo(NONE); // the previous turn's final
    assertThat(m.tick(14_500)).isEqualTo(RESUME);
  }

  @Test
  void speakingAgainDuringTheWaitRestartsIt() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    m.speechStarted(CAND, CAND_ID, 11_000, 11_100);
    m.speechEnded(CAND, 12_000, 12_500);
    assertThat(m.speechStarted(CAND, CAND_ID, 13_000, 13_100)).isEqualTo(NONE); // still paused
    assertThat(m.tick(14_500)).isEqualTo(NONE);
    assertThat(m.speechEnded(CAND, 13_200, 13_800)).isEqualTo(NONE);
    assertThat(m.nextDeadline()).isEqualTo(15_800);
    assertThat(m.tick(15_800)).isEqualTo(RESUME);
  }

  @Test
  void minDurationTriggerWaitsForTheMinimumBeforePausing() {
    BargeInPolicy p = BargeInPolicy.builder().trigger(Trigger.MIN_DURATION).build();
    BargeInMachine m = speakingBot(p);
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_150)).isEqualTo(NONE);
    assertThat(m.nextDeadline()).isEqualTo(11_500);
    assertThat(m.tick(11_499)).isEqualTo(NONE);
    assertThat(m.tick(11_500)).isEqualTo(PAUSE);
    assertThat(m.words(CAND_ID, 11_400, 11_800)).isEqualTo(STOP);
  }

  @Test
  void minDurationTriggerIgnoresACoughWhoseEndArrivesInTime() {
    BargeInPolicy p = BargeInPolicy.builder().trigger(Trigger.MIN_DURATION).build();
    BargeInMachine m = speakingBot(p);
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_150)).isEqualTo(NONE);
    assertThat(m.speechEnded(CAND, 11_300, 11_450)).isEqualTo(NONE);
    assertThat(m.tick(11_500)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.SPEAKING);
    assertThat(m.noises()).isEqualTo(1);
  }

  @Test
  void minDurationTriggerResumesACoughWhoseEndArrivedLate() {
    BargeInPolicy p = BargeInPolicy.builder().trigger(Trigger.MIN_DURATION).build();
    BargeInMachine m = speakingBot(p);
    m.speechStarted(CAND, CAND_ID, 11_000, 11_150);
    assertThat(m.tick(11_500)).isEqualTo(PAUSE); // the clock says 0.5 s, the end is not known yet
    assertThat(m.speechEnded(CAND, 11_300, 11_850)).isEqualTo(NONE);
    assertThat(m.tick(12_150)).isEqualTo(RESUME);
  }

  @Test
  void minDurationTriggerPausesWhenTheEndOfALongSpeechComesBeforeTheTick() {
    BargeInPolicy p = BargeInPolicy.builder().trigger(Trigger.MIN_DURATION).build();
    BargeInMachine m = speakingBot(p);
    m.speechStarted(CAND, CAND_ID, 11_000, 11_150);
    assertThat(m.speechEnded(CAND, 11_700, 11_400)).isEqualTo(PAUSE); // events bunched up
    assertThat(m.nextDeadline()).isEqualTo(13_400);
  }

  @Test
  void withoutResumingAnInterruptionStopsOnceItHasLastedTheMinimum() {
    BargeInPolicy p = BargeInPolicy.builder().resumeFalseInterruptions(false).build();
    BargeInMachine m = speakingBot(p);
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_150)).isEqualTo(PAUSE);
    assertThat(m.tick(11_500)).isEqualTo(STOP);
  }

  @Test
  void onlyTheNamedParticipantsInterrupt() {
    BargeInPolicy p = BargeInPolicy.builder().interruptibleBy(CAND_ID).build();
    BargeInMachine m = speakingBot(p);
    assertThat(m.speechStarted("TR_obs", "observer", 11_000, 11_100)).isEqualTo(NONE);
    assertThat(m.tick(12_000)).isEqualTo(NONE);
    assertThat(m.words("observer", 11_900, 12_100)).isEqualTo(NONE);
    assertThat(m.speechStarted(CAND, CAND_ID, 12_000, 12_100)).isEqualTo(PAUSE);
  }

  @Test
  void disabledNeverActs() {
    BargeInMachine m = speakingBot(BargeInPolicy.disabled());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_100)).isEqualTo(NONE);
    assertThat(m.tick(13_000)).isEqualTo(NONE);
    assertThat(m.words(CAND_ID, 11_900, 13_100)).isEqualTo(NONE);
    assertThat(m.speechEnded(CAND, 13_000, 13_200)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.SPEAKING);
  }

  @Test
  void speechWhileTheBotIsSilentDoesNothingButCountsFromTheNextUtterance() {
    BargeInMachine m = new BargeInMachine(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 1_000, 1_100)).isEqualTo(NONE);
    assertThat(m.tick(5_000)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.IDLE);
    // the bot starts talking over the participant: it pauses at once; the speech counts from now
    assertThat(m.botStarted(6_000)).isEqualTo(PAUSE);
    assertThat(m.nextDeadline()).isEqualTo(6_500);
    assertThat(m.speechEnded(CAND, 6_200, 6_700)).isEqualTo(NONE);
    assertThat(m.tick(7_000)).isEqualTo(RESUME);
  }

  @Test
  void overlappingSpeakersCountAsOneSpeechFromTheFirstOnsetToTheLastEnd() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    assertThat(m.speechStarted(CAND, CAND_ID, 11_000, 11_100)).isEqualTo(PAUSE);
    assertThat(m.speechStarted("TR_obs", "observer", 11_200, 11_300)).isEqualTo(NONE);
    assertThat(m.speechEnded(CAND, 11_300, 11_400)).isEqualTo(NONE); // observer still speaks
    assertThat(m.speechEnded("TR_obs", 11_600, 11_800)).isEqualTo(NONE); // 0.6 s in all
    assertThat(m.nextDeadline()).isEqualTo(13_800);
    assertThat(m.words("observer", 11_550, 12_000)).isEqualTo(STOP);
  }

  @Test
  void aNewUtteranceStartsClean() {
    BargeInMachine m = speakingBot(BargeInPolicy.defaults());
    m.speechStarted(CAND, CAND_ID, 11_000, 11_100);
    m.botStopped(11_200); // the caller cancelled it for its own reasons
    assertThat(m.nextDeadline()).isEqualTo(BargeInMachine.NO_DEADLINE);
    m.speechEnded(CAND, 11_300, 11_700);
    assertThat(m.botStarted(12_000)).isEqualTo(NONE);
    assertThat(m.tick(20_000)).isEqualTo(NONE);
    assertThat(m.state()).isEqualTo(State.SPEAKING);
  }

  @Test
  void policyRefusesBadValuesNamingThem() {
    assertThatThrownBy(() -> BargeInPolicy.builder().minSpeech(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minSpeech -1 ms is out of range: accepted 0 to 10000 ms");
    assertThatThrownBy(() -> BargeInPolicy.builder().falseInterruptionTimeout(Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("falseInterruptionTimeout 3600000 ms is out of range: accepted 0 to 60000 ms");
    assertThatThrownBy(() -> BargeInPolicy.builder().interruptibleBy("a", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("identity ' ' in [a,  ] is blank");
    assertThat(BargeInPolicy.defaults())
        .hasToString(
            "BargeInPolicy{speech_start, minSpeech=500 ms, falseInterruptionTimeout=2000 ms,"
                + " resume false interruptions, by anyone}");
    assertThat(BargeInPolicy.builder().interruptibleBy("b", "a").build().interruptibleBy())
        .containsExactlyInAnyOrder("a", "b");
  }
}
