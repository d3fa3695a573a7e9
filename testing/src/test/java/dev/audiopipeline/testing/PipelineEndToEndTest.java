package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real audio through the whole pipeline: WAV files → ring buffer → converter → one recogniser
 * session per speaker → one merged publisher, with the deterministic segment recogniser.
 */
class PipelineEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  // recruiter speaks at 0.5-2.0 s and 5.0-6.0 s; candidate at 2.5-4.5 s and 6.5-8.0 s
  private static final long[][] RECRUITER = {{500, 2000}, {5000, 6000}};
  private static final long[][] CANDIDATE = {{2500, 4500}, {6500, 8000}};

  @TempDir Path dir;

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  private WavFileSource.Builder interview(boolean realTime, long totalMs) throws Exception {
    // different formats on purpose: 48 kHz stereo (down-mixed, resampled) and 16 kHz mono
    Path rec = dir.resolve("recruiter.wav");
    Path cand = dir.resolve("candidate.wav");
    WavFile.write(
        rec, AudioFormat.STEREO_48K, Signals.bursts(AudioFormat.STEREO_48K, totalMs, RECRUITER));
    WavFile.write(
        cand, AudioFormat.MONO_16K, Signals.bursts(AudioFormat.MONO_16K, totalMs, CANDIDATE));
    return WavFileSource.builder().speaker("rec-1", rec).speaker("cand-2", cand).realTime(realTime);
  }

  private static SpeechSegmentRecognizer recognizer() {
    // the text names the stream the audio came from, so attribution can be checked
    return SpeechSegmentRecognizer.builder().text((id, n, s, e) -> id + " #" + n).build();
  }

  private static final SpeakerMap LABELS =
      SpeakerMap.builder().put("rec-1", "recruiter").put("cand-2", "candidate").build();

  @Test
  void twoSpeakersFromFilesAreTranscribedWithRightLabelsAndTimes() throws Exception {
    List<String> firstResults = new java.util.concurrent.CopyOnWriteArrayList<>();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .source(interview(false, 9000).build())
            .stt(recognizer())
            .speakerMap(LABELS)
            .listener(
                new dev.audiopipeline.PipelineListener() {
                  @Override
                  public void firstTranscript(String streamId, Duration latency) {
                    assertThat(latency.isNegative()).isFalse();
                    firstResults.add(streamId);
                  }
                })
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription()) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    List<Transcript> finals =
        sub.items().stream()
            .filter(Transcript::isFinal)
            .sorted(Comparator.comparingLong(Transcript::startMs))
            .toList();
    assertThat(finals)
        .extracting(Transcript::speaker)
        .containsExactly("recruiter", "candidate", "recruiter", "candidate");
    long[][] expected = {RECRUITER[0], CANDIDATE[0], RECRUITER[1], CANDIDATE[1]};
    for (int i = 0; i < finals.size(); i++) {
      Transcript t = finals.get(i);
      assertThat(t.text()).startsWith(t.participantIdentity() + "@");
      assertThat(t.startMs()).as("start of %s", t).isCloseTo(expected[i][0], within(30L));
      assertThat(t.endMs()).as("end of %s", t).isCloseTo(expected[i][1], within(30L));
      assertThat(t.provider()).isEqualTo("segments");
    }
    assertThat(sub.items()).anyMatch(t -> !t.isFinal()); // partials came first
    assertThat(firstResults)
        .containsExactlyInAnyOrder("rec-1@recruiter.wav", "cand-2@candidate.wav");
    assertThat(sub.terminalSignals()).isEqualTo(1);
  }

  @Test
  void realTimePacingGivesTheSameTimeline() throws Exception {
    long[][] bursts = {{300, 1100}};
    Path wav = dir.resolve("short.wav");
    WavFile.write(wav, AudioFormat.MONO_48K, Signals.bursts(AudioFormat.MONO_48K, 1600, bursts));
    AudioPipeline pipeline = AudioPipeline.builder().stt(recognizer()).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session =
        pipeline.startTranscription(
            WavFileSource.builder().speaker("solo", wav).realTime(true).build())) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    List<Transcript> finals = sub.items().stream().filter(Transcript::isFinal).toList();
    assertThat(finals).hasSize(1);
    assertThat(finals.get(0).speaker()).isEqualTo("solo");
    assertThat(finals.get(0).startMs()).isCloseTo(300L, within(30L));
    assertThat(finals.get(0).endMs()).isCloseTo(1100L, within(30L));
  }

  @Test
  void stereoFileSplitByChannelGivesTwoSpeakers() throws Exception {
    long total = 4000;
    short[] left = Signals.bursts(AudioFormat.MONO_16K, total, new long[][] {{200, 1200}});
    short[] right = Signals.bursts(AudioFormat.MONO_16K, total, new long[][] {{2000, 3200}});
    short[] stereo = new short[left.length * 2];
    for (int i = 0; i < left.length; i++) {
      stereo[2 * i] = left[i];
      stereo[2 * i + 1] = right[i];
    }
    Path wav = dir.resolve("stereo.wav");
    WavFile.write(wav, new AudioFormat(16_000, 2), stereo);
    AudioPipeline pipeline = AudioPipeline.builder().stt(recognizer()).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session =
        pipeline.startTranscription(
            WavFileSource.builder().stereo(wav, "left", "right").realTime(false).build())) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    List<Transcript> finals =
        sub.items().stream()
            .filter(Transcript::isFinal)
            .sorted(Comparator.comparingLong(Transcript::startMs))
            .toList();
    assertThat(finals).extracting(Transcript::speaker).containsExactly("left", "right");
    assertThat(finals.get(1).startMs()).isCloseTo(2000L, within(30L));
  }

  @Test
  void eventsShowSpeakersJoiningAndLeavingAroundTheirTranscripts() throws Exception {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .source(interview(false, 9000).build())
            .stt(recognizer())
            .speakerMap(LABELS)
            .build();
    RecordingSubscriber<PipelineEvent> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription()) {
      session.events().subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    List<PipelineEvent> events = sub.items();
    assertThat(events).filteredOn(e -> e instanceof PipelineEvent.SpeakerJoined).hasSize(2);
    assertThat(events).filteredOn(e -> e instanceof PipelineEvent.SpeakerLeft).hasSize(2);
    assertThat(events.get(0)).isInstanceOf(PipelineEvent.SpeakerJoined.class);
    // a speaker leaves only after all of that speaker's transcripts
    for (String speaker : List.of("recruiter", "candidate")) {
      int left = -1;
      int lastTranscript = -1;
      for (int i = 0; i < events.size(); i++) {
        PipelineEvent e = events.get(i);
        if (e instanceof PipelineEvent.SpeakerLeft l && l.speaker().equals(speaker)) {
          left = i;
        }
        if (e instanceof PipelineEvent.TranscriptReceived tr
            && tr.transcript().speaker().equals(speaker)) {
          lastTranscript = i;
        }
      }
      assertThat(lastTranscript).as(speaker).isPositive();
      assertThat(left).as(speaker).isGreaterThan(lastTranscript);
    }
  }

  @Test
  void fatalProviderErrorReachesTheSubscriberExactlyOnceAndEndsTheSession() throws Exception {
    SpeechSegmentRecognizer failing =
        SpeechSegmentRecognizer.builder()
            .failAfter(
                Duration.ofMillis(1500),
                new AuthenticationException(
                    "segments", "invalid API key", 401, -1, "auth_error", null))
            .build();
    AudioPipeline pipeline =
        AudioPipeline.builder().source(interview(false, 9000).build()).stt(failing).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session = pipeline.startTranscription();
    session.subscribe(sub);
    Throwable error = sub.awaitError(WAIT);
    assertThat(error).isInstanceOf(AuthenticationException.class).hasMessageContaining("401");
    assertThat(((AudioPipelineException) error)).isInstanceOf(AudioPipelineException.class);
    session.close();
    assertThat(sub.terminalSignals()).isEqualTo(1);
    assertThat(session.completion().toCompletableFuture().isCompletedExceptionally()).isTrue();
  }

  @Test
  void ignoredIdentitiesAreNotTranscribed() throws Exception {
    SpeakerMap onlyRecruiter =
        SpeakerMap.builder()
            .put("rec-1", "recruiter")
            .unknown(SpeakerMap.UnknownPolicy.IGNORE)
            .build();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .source(interview(false, 9000).build())
            .stt(recognizer())
            .speakerMap(onlyRecruiter)
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription()) {
      session.subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    assertThat(sub.items()).isNotEmpty().allMatch(t -> t.speaker().equals("recruiter"));
  }

  @Test
  void slowSubscriberStillGetsEveryFinal() throws Exception {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .source(interview(false, 9000).build())
            .stt(recognizer())
            .speakerMap(LABELS)
            .subscriberBufferSize(16)
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.manual();
    try (TranscriptionSession session = pipeline.startTranscription()) {
      session.subscribe(sub);
      int finals = 0;
      while (finals < 4) {
        sub.request(1);
        if (sub.awaitNext(WAIT).isFinal()) {
          finals++;
        }
      }
      sub.request(Long.MAX_VALUE);
      sub.awaitComplete(WAIT);
    }
    assertThat(sub.items().stream().filter(Transcript::isFinal)).hasSize(4);
  }

  @Test
  void closeBeforeTheEndDeliversFinalsForAcceptedAudioAndCompletes() throws Exception {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .source(interview(true, 9000).build())
            .stt(recognizer())
            .speakerMap(LABELS)
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session = pipeline.startTranscription();
    session.subscribe(sub);
    // the candidate speaks from 2.5 s to 4.5 s: close while they are mid-utterance
    Transcript t;
    do {
      t = sub.awaitNext(WAIT);
    } while (!t.speaker().equals("candidate"));
    assertThat(t.isFinal()).isFalse();
    session.close();
    sub.awaitComplete(WAIT);
    assertThat(sub.terminalSignals()).isEqualTo(1);
    // the audio accepted before close() is transcribed to a final, cut where close() came
    List<Transcript> candidate =
        sub.items().stream().filter(x -> x.isFinal() && x.speaker().equals("candidate")).toList();
    assertThat(candidate).hasSize(1);
    assertThat(candidate.get(0).startMs()).isCloseTo(2500L, within(30L));
    assertThat(candidate.get(0).endMs()).isLessThan(4500L);
  }
}
