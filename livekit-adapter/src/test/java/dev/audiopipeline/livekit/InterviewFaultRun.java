package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The first {@value #PLAY_MS} ms of the bundled two-speaker interview played into a real room by
 * rtc-node and transcribed by the bot, with a fault made for real mid-interview (by the test that
 * uses this). Collects the transcripts and the session's events, and checks what every fault test
 * checks: both speakers go on being transcribed with the right labels on the same timeline, each
 * speaker is one stream (no second speaker), and how much audio the fault cost.
 */
final class InterviewFaultRun {
  static final long PLAY_MS = 51_000;
  static final String RECRUITER = "recruiter";
  static final String CANDIDATE = "candidate";

  /** Silence every track sends before the timeline starts ({@code --lead-in}). */
  static final long LEAD_IN_MS = 1_500;

  private static final Path INTERVIEW = Path.of("../examples/src/main/resources/interview");

  /** A transcript and the wall-clock instant it arrived. */
  record Received(Transcript transcript, long epochMs) {}

  final LiveKitRoomSource source;
  final TranscriptionSession session;
  final List<Received> finals = new CopyOnWriteArrayList<>();
  final List<PipelineEvent> events = new CopyOnWriteArrayList<>();
  final List<Long> eventEpochs = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> done = new CompletableFuture<>();
  final String room;
  long sessionStartEpoch;
  long t0;
  NodePublisher publisher;

  InterviewFaultRun(LiveKitRoomSource source, String room) {
    this.source = source;
    this.room = room;
    SpeakerMap speakers =
        SpeakerMap.builder().put(RECRUITER, "Recruiter").put(CANDIDATE, "Candidate").build();
    this.session =
        LiveKitTranscriber.transcribe(source, SpeechSegmentRecognizer.create(), speakers);
  }

  /** Joins, starts the publisher and returns once its timeline has started. */
  void start(String publisherUrl, String key, String secret) throws Exception {
    session.events().subscribe(all(events, eventEpochs));
    session.subscribe(recorder());
    source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
    sessionStartEpoch = System.currentTimeMillis() - session.nowMs();
    publisher =
        NodePublisher.start(
            publisherUrl,
            key,
            secret,
            List.of(
                "--room",
                room,
                "--participant",
                RECRUITER
                    + "="
                    + INTERVIEW.resolve("recruiter.wav").toAbsolutePath()
                    + ",until="
                    + PLAY_MS,
                "--participant",
                CANDIDATE
                    + "="
                    + INTERVIEW.resolve("candidate.wav").toAbsolutePath()
                    + ",until="
                    + PLAY_MS,
                "--wait-subscribed",
                "20000",
                "--lead-in",
                "1500",
                "--linger",
                "60000"));
    t0 = publisher.await("start", Duration.ofSeconds(40)).num("t0EpochMs");
  }

  /** Waits until the publisher's timeline reaches {@code ms}. */
  void sleepUntilTimeline(long ms) throws InterruptedException {
    long wait = t0 + ms - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  /**
   * The wall-clock instant of the first source-connection event in {@code state} after {@code
   * after}.
   */
  long connectionEventEpoch(PipelineEvent.SourceConnection.State state, long after) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof PipelineEvent.SourceConnection c
          && c.state() == state
          && sessionStartEpoch + c.atMs() >= after - 50) {
        return sessionStartEpoch + c.atMs();
      }
    }
    return -1;
  }

  /**
   * The bot says a 1 s tone (the speak API, a generated 16 kHz tone converted to 48 kHz) and
   * returns once it finished: its track is published and its publisher connection carries audio.
   */
  Utterance speakTone() throws Exception {
    Utterance u = source.speak(new LiveKitSpeakE2ETest.TonePublisher(16_000, 1_000, 100), "tone");
    u.completion().toCompletableFuture().get(40, TimeUnit.SECONDS);
    System.out.printf(
        Locale.ROOT,
        "[livekit-e2e] the bot spoke: %s, played %d ms%n",
        u.state(),
        u.played().toMillis());
    assertThat(u.state()).as("the bot's utterance").isEqualTo(Utterance.State.FINISHED);
    assertThat(u.played().toMillis()).as("played").isGreaterThanOrEqualTo(900);
    return u;
  }

  /** Waits until both participants have finished playing. */
  void awaitPlayback() throws InterruptedException {
    publisher.await("playback_done", Duration.ofSeconds(PLAY_MS / 1000 + 90));
  }

  /**
   * Playout frames of {@code identity} the bot did not get: frames the publisher played minus
   * frames the bot's streams took, in ms. WebRTC's jitter buffer conceals missing packets with
   * silence while a track stays attached, so this counts only the time a stream had no track at all
   * (during a rejoin); the speech lost is what {@link #closeAndCheck} measures against the script.
   */
  long lostMs(String identity) {
    long published = LEAD_IN_MS / 10; // the lead-in's frames are received too
    for (NodePublisher.Event e : publisher.events()) {
      if (e.name().equals("finished") && e.str("identity").equals(identity)) {
        published += e.num("frames");
      }
    }
    long received = 0;
    for (TrackStats s : source.trackStats()) {
      if (s.identity().equals(identity)) {
        received += s.framesReceived();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "[livekit-e2e] %s: published %d frames, the bot received %d (%.1f%%)%n",
        identity,
        published,
        received,
        100.0 * received / Math.max(1, published));
    return Math.max(0, published - received) * 10;
  }

  /**
   * Closes the session and checks the transcript: every final is labelled with the speaker whose
   * script turn it lies in, on the session's one timeline; every turn outside {@code [outageFromMs,
   * outageToMs]} (publisher timeline) was heard; each identity had exactly one stream. Returns the
   * script's speech time inside the outage that got no final, in ms.
   */
  long closeAndCheck(long outageFromMs, long outageToMs) throws Exception {
    session.close();
    done.get(30, TimeUnit.SECONDS);
    List<LiveKitRoomE2ETest.Turn> turns = new ArrayList<>();
    for (LiveKitRoomE2ETest.Turn t : LiveKitRoomE2ETest.script()) {
      if (t.startMs() < PLAY_MS - 500) {
        turns.add(t);
      }
    }
    long offset = t0 - sessionStartEpoch; // publisher timeline -> session timeline
    List<Received> got = new ArrayList<>();
    for (Received r : finals) {
      String who = r.transcript().participantIdentity();
      if (who.equals(RECRUITER) || who.equals(CANDIDATE)) {
        got.add(r); // the bot's own lines (its tones) are checked by the test
      }
    }
    assertThat(got).isNotEmpty();
    for (Received r : got) {
      Transcript t = r.transcript();
      String identity = t.speaker().equals("Recruiter") ? RECRUITER : CANDIDATE;
      assertThat(t.participantIdentity()).isEqualTo(identity);
      LiveKitRoomE2ETest.Turn turn =
          LiveKitRoomE2ETest.bestTurn(turns, t.startMs() - offset, t.endMs() - offset);
      assertThat(turn)
          .as(
              "final %s (publisher time %d..%d) lies in a script turn",
              t, t.startMs() - offset, t.endMs() - offset)
          .isNotNull();
      assertThat(turn.speaker())
          .as(
              "the label of %s (publisher time %d..%d)",
              t, t.startMs() - offset, t.endMs() - offset)
          .isEqualTo(identity);
    }
    long unheardInOutage = 0;
    long unheardElsewhere = 0;
    for (LiveKitRoomE2ETest.Turn turn : turns) {
      boolean heard =
          got.stream()
              .anyMatch(
                  r -> {
                    long s = r.transcript().startMs() - offset;
                    long e = r.transcript().endMs() - offset;
                    return r.transcript().participantIdentity().equals(turn.speaker())
                        && e >= turn.startMs() - 700
                        && s <= turn.endMs() + 700;
                  });
      boolean inOutage = turn.endMs() > outageFromMs && turn.startMs() < outageToMs;
      if (!inOutage) {
        assertThat(heard).as("a final for turn %s (outside the outage)", turn).isTrue();
      }
      long endMs = Math.min(turn.endMs(), PLAY_MS);
      long uncovered = uncovered(got, offset, turn.speaker(), turn.startMs(), endMs);
      long from = Math.max(turn.startMs(), outageFromMs);
      long to = Math.min(endMs, outageToMs);
      long inWindow = to > from ? uncovered(got, offset, turn.speaker(), from, to) : 0;
      unheardInOutage += inWindow;
      unheardElsewhere += uncovered - inWindow;
    }
    System.out.printf(
        Locale.ROOT,
        "[livekit-e2e] script speech without a final: %d ms inside the outage window %d..%d ms,"
            + " %d ms elsewhere (the recogniser's own trimming of turn edges)%n",
        unheardInOutage,
        outageFromMs,
        outageToMs,
        unheardElsewhere);
    long speakersJoined =
        events.stream().filter(e -> e instanceof PipelineEvent.SpeakerJoined).count();
    assertThat(speakersJoined)
        .as("one stream per speaker across the fault (no second speaker): %s", joinedEvents())
        .isEqualTo(2);
    System.out.printf(Locale.ROOT, "[livekit-e2e] %d finals, all labelled right%n", got.size());
    return unheardInOutage;
  }

  /** How much of {@code [from, to)} (publisher timeline) no final of {@code identity} covers. */
  private static long uncovered(
      List<Received> got, long offset, String identity, long from, long to) {
    boolean[] covered = new boolean[(int) Math.max(0, (to - from + 9) / 10)];
    for (Received r : got) {
      if (!r.transcript().participantIdentity().equals(identity)) {
        continue;
      }
      long s = Math.max(from, r.transcript().startMs() - offset);
      long e = Math.min(to, r.transcript().endMs() - offset);
      for (long t = s; t < e; t += 10) {
        covered[(int) ((t - from) / 10)] = true;
      }
    }
    long n = 0;
    for (boolean c : covered) {
      if (!c) {
        n += 10;
      }
    }
    return n;
  }

  private List<PipelineEvent> joinedEvents() {
    return events.stream().filter(e -> e instanceof PipelineEvent.SpeakerJoined).toList();
  }

  void finish() throws InterruptedException {
    session.close();
    source.close();
    if (publisher != null) {
      publisher.finish(Duration.ofSeconds(20));
    }
  }

  private Flow.Subscriber<Transcript> recorder() {
    return new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(Transcript t) {
        if (t.isFinal()) {
          finals.add(new Received(t, System.currentTimeMillis()));
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        done.complete(null);
      }
    };
  }

  private static Flow.Subscriber<PipelineEvent> all(List<PipelineEvent> out, List<Long> epochs) {
    return new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(PipelineEvent e) {
        out.add(e);
        epochs.add(System.currentTimeMillis());
        if (e instanceof PipelineEvent.SourceConnection
            || e instanceof PipelineEvent.SpeakerJoined
            || e instanceof PipelineEvent.SpeakerLeft) {
          System.out.println("[livekit-e2e] event " + e);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onComplete() {}
    };
  }
}
