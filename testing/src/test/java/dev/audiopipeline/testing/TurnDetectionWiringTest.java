package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.audio.AudioFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline runs a {@link TurnDetector} per speaker on its drain thread: events on the session
 * timeline, a flush at each end of turn, a reset at gaps and at the end, a failing detector
 * contained. Deterministic: {@link EnergyTurnDetector} and {@link SpeechSegmentRecognizer}.
 */
class TurnDetectionWiringTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  /** Its own end-pointer waits 1.5 s: the two bursts 0.8 s apart are one utterance to it. */
  private static SttProvider slowEndpointer() {
    return SpeechSegmentRecognizer.builder()
        .hangover(Duration.ofMillis(1500))
        .text((id, n, s, e) -> id + "#" + n)
        .build();
  }

  private static final short[] TWO_BURSTS =
      Signals.bursts(AudioFormat.MONO_48K, 4000, new long[][] {{0, 1000}, {1800, 2800}});

  private record Run(List<Transcript> finals, List<PipelineEvent> events) {
    <T extends PipelineEvent> List<T> of(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  private static Run run(AudioPipeline pipeline, ScriptedSourceTest.Scripted source, Script script)
      throws Exception {
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    RecordingSubscriber<PipelineEvent> events = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.subscribe(sub);
      session.events().subscribe(events);
      script.play();
      source.listener.sourceEnded();
      sub.awaitComplete(WAIT);
      events.awaitComplete(WAIT);
    }
    List<Transcript> finals =
        sub.items().stream()
            .filter(Transcript::isFinal)
            .sorted(Comparator.comparingLong(Transcript::startMs))
            .toList();
    return new Run(finals, new ArrayList<>(events.items()));
  }

  @FunctionalInterface
  private interface Script {
    void play() throws Exception;
  }

  @Test
  void eventsLandOnTheTimelineAndEachEndOfTurnAsksForTheFinals() throws Exception {
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(slowEndpointer())
            .turnDetector(EnergyTurnDetector.create())
            .bufferDuration(Duration.ofSeconds(10))
            .build();
    Run r =
        run(
            pipeline,
            source,
            () -> {
              ScriptedSourceTest.Track a = source.join("TR_a", "alice");
              a.play(TWO_BURSTS, 2000); // the track's audio starts 2 s into the session
              source.listener.speakerLeft(a);
            });

    assertThat(r.of(PipelineEvent.SpeechStarted.class))
        .allSatisfy(e -> assertThat(e.streamId()).isEqualTo("TR_a"))
        .allSatisfy(e -> assertThat(e.speaker()).isEqualTo("alice"))
        .extracting(PipelineEvent.SpeechStarted::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(2000L, within(20L)),
            t -> assertThat(t).isCloseTo(3800L, within(20L)));
    assertThat(r.of(PipelineEvent.SpeechEnded.class))
        .extracting(PipelineEvent.SpeechEnded::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(3000L, within(20L)),
            t -> assertThat(t).isCloseTo(4800L, within(20L)));
    List<PipelineEvent.EndOfTurn> eot = r.of(PipelineEvent.EndOfTurn.class);
    assertThat(eot)
        .extracting(PipelineEvent.EndOfTurn::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(3300L, within(20L)),
            t -> assertThat(t).isCloseTo(5100L, within(20L)));
    assertThat(eot).allSatisfy(e -> assertThat(e.probability()).isNaN());
    // the flush at the first end of turn cut the recogniser's utterance: two finals, not one
    assertThat(r.finals()).extracting(Transcript::text).containsExactly("TR_a#1", "TR_a#2");
    assertThat(r.finals().get(0).endMs()).isCloseTo(3000L, within(20L));
    // each event comes before the speaker's SpeakerLeft, the first end of turn before the final
    // it asked for
    List<PipelineEvent> ev = r.events();
    int firstEot = ev.indexOf(eot.get(0));
    int firstFinal = -1;
    for (int i = 0; i < ev.size(); i++) {
      if (ev.get(i) instanceof PipelineEvent.TranscriptReceived t && t.transcript().isFinal()) {
        firstFinal = i;
        break;
      }
    }
    assertThat(firstEot).isLessThan(firstFinal);
    assertThat(ev.get(ev.size() - 1)).isInstanceOf(PipelineEvent.SpeakerLeft.class);
  }

  @Test
  void withoutFinalizeAtEndOfTurnTheEventsComeButTheRecogniserDecides() throws Exception {
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(slowEndpointer())
            .turnDetector(EnergyTurnDetector.create())
            .finalizeAtEndOfTurn(false)
            .bufferDuration(Duration.ofSeconds(10))
            .build();
    Run r =
        run(
            pipeline,
            source,
            () -> {
              ScriptedSourceTest.Track a = source.join("TR_a", "alice");
              a.play(TWO_BURSTS, 0);
              source.listener.speakerLeft(a);
            });
    assertThat(r.of(PipelineEvent.EndOfTurn.class)).hasSize(2);
    assertThat(r.finals()).extracting(Transcript::text).containsExactly("TR_a#1");
    assertThat(r.finals().get(0).endMs()).isCloseTo(2800L, within(20L));
  }

  @Test
  void aGapResetsTheAnalysisAndItsEventsStayBeforeTheGap() throws Exception {
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(slowEndpointer())
            .turnDetector(EnergyTurnDetector.create())
            .bufferDuration(Duration.ofSeconds(10))
            .build();
    short[] speaking = Signals.bursts(AudioFormat.MONO_48K, 1000, new long[][] {{0, 1000}});
    short[] then = Signals.bursts(AudioFormat.MONO_48K, 1500, new long[][] {{0, 1000}});
    Run r =
        run(
            pipeline,
            source,
            () -> {
              ScriptedSourceTest.Track a = source.join("TR_a", "alice");
              a.play(speaking, 0); // cut off mid-speech at 1 s (muted)...
              a.play(then, 5000); // ...and back at 5 s, speaking
              source.listener.speakerLeft(a);
            });
    assertThat(r.of(PipelineEvent.SpeechStarted.class))
        .extracting(PipelineEvent.SpeechStarted::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(0L, within(20L)),
            t -> assertThat(t).isCloseTo(5000L, within(20L)));
    // the reset at the gap ends the speech and the turn where the audio stopped, not after it
    assertThat(r.of(PipelineEvent.SpeechEnded.class))
        .extracting(PipelineEvent.SpeechEnded::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(1000L, within(20L)),
            t -> assertThat(t).isCloseTo(6000L, within(20L)));
    assertThat(r.of(PipelineEvent.EndOfTurn.class))
        .extracting(PipelineEvent.EndOfTurn::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(1000L, within(20L)),
            t -> assertThat(t).isCloseTo(6300L, within(20L)));
  }

  @Test
  void aDetectorThatThrowsIsSwitchedOffForTheSpeakerAndTranscriptionGoesOn() throws Exception {
    AtomicInteger closes = new AtomicInteger();
    TurnDetector failing =
        new TurnDetector() {
          @Override
          public String name() {
            return "broken";
          }

          @Override
          public Analysis open(String streamId) {
            Analysis inner = EnergyTurnDetector.create().open(streamId);
            return new Analysis() {
              long seen;

              @Override
              public void accept(short[] s, int off, int len, Events events) {
                inner.accept(s, off, len, events);
                seen += len;
                if (seen > 16_000 * 3 / 2) {
                  throw new IllegalStateException("model blew up");
                }
              }

              @Override
              public void reset(Events events) {
                inner.reset(events);
              }

              @Override
              public void close() {
                closes.incrementAndGet();
              }
            };
          }

          @Override
          public void close() {}
        };
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(slowEndpointer())
            .turnDetector(failing)
            .bufferDuration(Duration.ofSeconds(10))
            .build();
    Run r =
        run(
            pipeline,
            source,
            () -> {
              ScriptedSourceTest.Track a = source.join("TR_a", "alice");
              a.play(TWO_BURSTS, 0);
              source.listener.speakerLeft(a);
            });
    assertThat(r.of(PipelineEvent.TurnDetectorFailed.class))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.speaker()).isEqualTo("alice");
              assertThat(f.detector()).isEqualTo("broken");
              assertThat(f.error()).contains("accept()").contains("model blew up");
            });
    // before the failure: the first turn's events and flush; after it: none, and the recogniser
    // still transcribes everything (its own end-pointer ends the second utterance)
    assertThat(r.of(PipelineEvent.EndOfTurn.class)).hasSize(1);
    assertThat(r.finals()).extracting(Transcript::text).containsExactly("TR_a#1", "TR_a#2");
    assertThat(closes).hasValue(1);
  }

  /** A recogniser that takes 24 kHz and only counts: the detector then gets its own copy. */
  private static final class Counting24k implements SttProvider {
    final List<Long> flushedAtSample = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "counting-24k";
    }

    @Override
    public AudioFormat inputFormat() {
      return AudioFormat.mono(24_000);
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      return new SttSession() {
        long samples;

        @Override
        public void send(short[] s, int offset, int length) {
          samples += length;
        }

        @Override
        public void flush() {
          flushedAtSample.add(samples);
        }

        @Override
        public CompletionStage<Void> finish(Duration timeout) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {}
  }

  @Test
  void aRecogniserAtAnotherRateStillGetsTheDetectorOn16kHzAndItsFlushes() throws Exception {
    Counting24k stt = new Counting24k();
    ScriptedSourceTest.Scripted source = new ScriptedSourceTest.Scripted();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(stt)
            .turnDetector(EnergyTurnDetector.create())
            .bufferDuration(Duration.ofSeconds(10))
            .build();
    Run r =
        run(
            pipeline,
            source,
            () -> {
              ScriptedSourceTest.Track a = source.join("TR_a", "alice");
              a.play(TWO_BURSTS, 0);
              source.listener.speakerLeft(a);
            });
    assertThat(r.of(PipelineEvent.EndOfTurn.class))
        .extracting(PipelineEvent.EndOfTurn::atMs)
        .satisfiesExactly(
            t -> assertThat(t).isCloseTo(1300L, within(20L)),
            t -> assertThat(t).isCloseTo(3100L, within(20L)));
    // each flush came right after the audio up to the end of turn was sent (24 kHz samples)
    assertThat(stt.flushedAtSample)
        .satisfiesExactly(
            n -> assertThat(n).isCloseTo(1300L * 24, within(24L * 25)),
            n -> assertThat(n).isCloseTo(3100L * 24, within(24L * 25)));
  }
}
