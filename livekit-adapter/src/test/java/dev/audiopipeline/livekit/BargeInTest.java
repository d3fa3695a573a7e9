package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.Await;
import dev.audiopipeline.testing.EnergyTurnDetector;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BargeIn} on a real pipeline: a participant's recording played in real time, the
 * deterministic energy detector and segment recogniser of the {@code testing} module, and a real
 * {@link Utterance} the bot is "saying". Only the outcome is checked (what the utterance was told),
 * no timing.
 */
class BargeInTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private List<BargeIn.Decision> run(Path dir, short[] participant, Utterance u, String text)
      throws Exception {
    Path wav = dir.resolve("candidate.wav");
    WavFile.write(wav, AudioFormat.MONO_16K, participant);
    List<BargeIn.Decision> decisions = new CopyOnWriteArrayList<>();
    SpeechSegmentRecognizer stt =
        SpeechSegmentRecognizer.builder().text((id, n, s, e) -> text).build();
    try (EnergyTurnDetector turns = EnergyTurnDetector.create();
        TranscriptionSession session =
            AudioPipeline.builder()
                .stt(stt)
                .turnDetector(turns)
                .build()
                .startTranscription(
                    WavFileSource.builder().speaker("candidate", wav).realTime(true).build());
        BargeIn bargeIn = BargeIn.start(session, BargeInPolicy.defaults(), decisions::add)) {
      bargeIn.watch(u);
      assertThat(session.awaitCompletion(WAIT)).isTrue();
      // no events left and no timer pending (the false-interruption timeout of a pause): no
      // decision can come after this
      Await.until(WAIT, "the barge-in settled", bargeIn::settled);
    }
    return decisions;
  }

  @Test
  void speechWithWordsStopsTheUtterance(@TempDir Path dir) throws Exception {
    Utterance u = new Utterance(1, "What project are you most proud of?");
    short[] audio = new Audio().silence(500).tone(1000).silence(1500).samples();
    List<BargeIn.Decision> d = run(dir, audio, u, "well let me think");
    assertThat(d)
        .extracting(BargeIn.Decision::kind)
        .containsExactly(BargeIn.Kind.PAUSED, BargeIn.Kind.STOPPED);
    assertThat(u.cancelRequested()).isTrue();
    assertThat(d.get(0).speechOnsetMs()).isBetween(300L, 1_000L); // the tone starts at 0.5 s
  }

  @Test
  void speechWithoutWordsResumesTheUtterance(@TempDir Path dir) throws Exception {
    Utterance u = new Utterance(2, "What project are you most proud of?");
    short[] audio = new Audio().silence(500).tone(1000).silence(3000).samples();
    List<BargeIn.Decision> d = run(dir, audio, u, " "); // recognised, but no word
    assertThat(d)
        .extracting(BargeIn.Decision::kind)
        .containsExactly(BargeIn.Kind.PAUSED, BargeIn.Kind.RESUMED);
    assertThat(u.cancelRequested()).isFalse();
    assertThat(u.pauseRequested()).isFalse();
  }

  @Test
  void aShortSoundOnlyPausesTheUtteranceForAMoment(@TempDir Path dir) throws Exception {
    Utterance u = new Utterance(3, "What project are you most proud of?");
    short[] audio = new Audio().silence(500).tone(300).silence(1500).samples();
    List<BargeIn.Decision> d = run(dir, audio, u, "hm");
    assertThat(d)
        .extracting(BargeIn.Decision::kind)
        .containsExactly(BargeIn.Kind.PAUSED, BargeIn.Kind.RESUMED);
    assertThat(u.cancelRequested()).isFalse();
    assertThat(u.pauseRequested()).isFalse();
  }

  @Test
  void closingStopsItsTimerThread(@TempDir Path dir) throws Exception {
    Utterance u = new Utterance(4, "Hello");
    run(dir, new Audio().silence(300).samples(), u, "x");
    assertThat(
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("audio-pipeline-bargein-") && t.isAlive())
                .toList())
        .isEmpty();
    assertThat(u.pauseRequested()).isFalse();
  }
}
