package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.testing.LibraryThreads;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end against a real {@code livekit-server} and a real third-party client
 * (@livekit/rtc-node) publishing the bundled two-speaker interview, inside the private network
 * namespace that {@code scripts/livekit-netns.sh} creates:
 *
 * <pre>
 * livekit-adapter/scripts/livekit-netns.sh ./mvnw -o -B -pl livekit-adapter -Plivekit-e2e test
 * </pre>
 *
 * Outside that script (no {@code LIVEKIT_URL}) the test is skipped with a reason, except under
 * {@code CI=true}, where a missing server is a failure.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LiveKitRoomE2ETest {
  private static final Path INTERVIEW = Path.of("../examples/src/main/resources/interview");
  private static final String RECRUITER = "recruiter";
  private static final String CANDIDATE = "candidate";

  private static String url = "";
  private static String apiKey = "";
  private static String apiSecret = "";

  /** A turn of the reference script, on the publisher's timeline. */
  record Turn(String speaker, long startMs, long endMs, String text) {}

  /** A transcript with the wall-clock instant it reached the subscriber. */
  record Received(Transcript transcript, long epochMs) {}

  @BeforeAll
  static void server() {
    Map<String, String> env = System.getenv();
    url = env.getOrDefault("LIVEKIT_URL", "");
    apiKey = env.getOrDefault("LIVEKIT_API_KEY", "");
    apiSecret = env.getOrDefault("LIVEKIT_API_SECRET", "");
    boolean ci = "true".equalsIgnoreCase(env.get("CI"));
    if (url.isBlank() || apiKey.isBlank() || apiSecret.isBlank()) {
      String why =
          "no LiveKit server: LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET are unset. Run"
              + " livekit-adapter/scripts/livekit-netns.sh ./mvnw -o -B -pl livekit-adapter"
              + " -Plivekit-e2e test";
      if (ci) {
        fail("CI=true but " + why);
      }
      Assumptions.abort(why);
    }
  }

  static List<Turn> script() throws IOException {
    List<Turn> turns = new ArrayList<>();
    for (String line :
        Files.readAllLines(INTERVIEW.resolve("script.tsv"), StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", 4);
      if (f.length < 4 || f[0].equals("speaker")) {
        continue;
      }
      turns.add(new Turn(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]));
    }
    return turns;
  }

  @Test
  void botTranscribesEverySpeakerOfARealRoomWithTheRightLabels() throws Exception {
    List<Turn> turns = script();
    long recruiterLastEnd =
        turns.stream()
            .filter(t -> t.speaker().equals(RECRUITER))
            .mapToLong(Turn::endMs)
            .max()
            .orElseThrow();
    long candidateFirstStart =
        turns.stream()
            .filter(t -> t.speaker().equals(CANDIDATE))
            .mapToLong(Turn::startMs)
            .min()
            .orElseThrow();
    long candidateJoinMs = candidateFirstStart - 600; // late join: just before the first answer
    long recruiterLeaveMs = recruiterLastEnd + 500; // early leave: before the candidate's last turn
    // republish mid-interview: the candidate's track is replaced (new SID) while the recruiter
    // speaks
    Turn quiet =
        turns.stream()
            .filter(t -> t.speaker().equals(RECRUITER) && t.startMs() > 30_000)
            .findFirst()
            .orElseThrow();
    long candidateRepublishMs = quiet.startMs() + 1_000;

    String room = "interview-" + UUID.randomUUID().toString().substring(0, 8);
    String botIdentity = "transcriber-bot";
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(url)
            .apiKey(apiKey)
            .apiSecret(apiSecret)
            .room(room)
            .identity(botIdentity)
            .build();
    SpeakerMap speakers =
        SpeakerMap.builder().put(RECRUITER, "Recruiter").put(CANDIDATE, "Candidate").build();
    SpeechSegmentRecognizer recogniser = SpeechSegmentRecognizer.create();

    List<Received> finals = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    long cpuBefore;
    long wallBefore;
    NodePublisher publisher = null;
    TranscriptionSession session = LiveKitTranscriber.transcribe(source, recogniser, speakers);
    try {
      session.subscribe(recorder(finals, done));
      source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
      joinedEpoch = System.currentTimeMillis();
      long sessionStartEpoch = System.currentTimeMillis() - session.nowMs();

      publisher =
          NodePublisher.start(
              url,
              apiKey,
              apiSecret,
              List.of(
                  "--room",
                  room,
                  "--participant",
                  RECRUITER
                      + "="
                      + INTERVIEW.resolve("recruiter.wav").toAbsolutePath()
                      + ",leave="
                      + recruiterLeaveMs,
                  "--participant",
                  CANDIDATE
                      + "="
                      + INTERVIEW.resolve("candidate.wav").toAbsolutePath()
                      + ",join="
                      + candidateJoinMs
                      + ",republish="
                      + candidateRepublishMs,
                  "--wait-subscribed",
                  "20000",
                  "--lead-in",
                  "1500",
                  "--linger",
                  "60000"));
      NodePublisher.Event start = publisher.await("start", Duration.ofSeconds(40));
      long t0 = start.num("t0EpochMs");
      cpuBefore = processCpuNanos();
      wallBefore = System.nanoTime();

      NodePublisher.Event republished =
          publisher.await("republished", Duration.ofSeconds(candidateRepublishMs / 1000 + 30));
      // the recruiter leaves early: the bot ends that stream while the candidate goes on
      publisher.await(
          e -> e.name().equals("left") && e.str("identity").equals(RECRUITER),
          Duration.ofSeconds(recruiterLeaveMs / 1000 + 30),
          "recruiter leaving");
      NodePublisher.Event done1 = publisher.await("playback_done", Duration.ofSeconds(120));
      long cpuUsed = processCpuNanos() - cpuBefore;
      long wallUsed = System.nanoTime() - wallBefore;

      List<TrackStats> stats = source.trackStats();
      System.out.printf(
          Locale.ROOT, "[livekit-e2e] playback done at %d; track stats:%n", done1.epochMs());
      stats.forEach(
          s -> System.out.println("[livekit-e2e]   " + s + " expected=" + s.framesExpected()));
      printInboundStats(source);
      assertThat(stats)
          .extracting(TrackStats::identity)
          .containsExactlyInAnyOrder(RECRUITER, CANDIDATE, CANDIDATE);
      TrackStats rec =
          stats.stream().filter(s -> s.identity().equals(RECRUITER)).findFirst().orElseThrow();
      TrackStats candOld =
          stats.stream()
              .filter(s -> s.trackSid().equals(republished.str("oldTrackSid")))
              .findFirst()
              .orElseThrow();
      TrackStats cand =
          stats.stream()
              .filter(s -> s.trackSid().equals(republished.str("trackSid")))
              .findFirst()
              .orElseThrow();
      assertThat(rec.ended()).as("recruiter left early: stream ended").isTrue();
      assertThat(candOld.ended()).as("candidate's unpublished track: stream ended").isTrue();
      assertThat(cand.ended()).as("candidate's republished track still open").isFalse();
      for (TrackStats s : stats) {
        assertThat(s.framesReceived()).as("frames of " + s.identity()).isGreaterThan(0);
        assertThat((double) s.framesReceived())
            .as("frames vs 100/s over the track's span, " + s.identity())
            .isBetween(0.95 * s.framesExpected(), 1.05 * s.framesExpected() + 5);
        assertThat(s.framesDropped()).as("dropped frames of " + s.identity()).isZero();
      }
      // what the publisher played vs what the bot got
      for (NodePublisher.Event f : publisher.events()) {
        if (f.name().equals("finished")) {
          long got =
              f.str("identity").equals(RECRUITER)
                  ? rec.framesReceived()
                  : cand.framesReceived() + candOld.framesReceived();
          System.out.printf(
              Locale.ROOT,
              "[livekit-e2e] %s published %d frames, bot received %d (%.1f%%)%n",
              f.str("identity"),
              f.num("frames"),
              got,
              100.0 * got / f.num("frames"));
        }
      }
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] join-to-first-frame: recruiter %d ms, candidate %d ms (candidate joined %d ms late)%n",
          rec.joinToFirstFrameMicros() / 1000,
          candOld.joinToFirstFrameMicros() / 1000,
          candidateJoinMs);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] subscribe-to-first-frame: recruiter %d ms, candidate %d ms, candidate republished %d ms%n",
          rec.subscribeToFirstFrameMicros() / 1000,
          candOld.subscribeToFirstFrameMicros() / 1000,
          cand.subscribeToFirstFrameMicros() / 1000);
      for (NodePublisher.Event e : publisher.events()) {
        if (e.name().equals("published") || e.name().equals("republished")) {
          TrackStats s =
              e.str("trackSid").equals(rec.trackSid())
                  ? rec
                  : e.str("trackSid").equals(cand.trackSid()) ? cand : candOld;
          long firstFrameEpoch = joinEpochMs(source) + s.joinToFirstFrameMicros() / 1000;
          System.out.printf(
              Locale.ROOT,
              "[livekit-e2e] %s track %s: publish-to-first-frame %d ms%n",
              e.str("identity"),
              s.trackSid(),
              firstFrameEpoch - e.epochMs());
        }
      }
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] process CPU during playback: %.1f%% of one core with 2 subscribed tracks (%.1f%% per track, incl. pipeline and recogniser)%n",
          100.0 * cpuUsed / wallUsed,
          100.0 * cpuUsed / wallUsed / 2);

      // close: the bot leaves, the candidate (still lingering) sees it go
      session.close();
      NodePublisher.Event botLeft =
          publisher.await(
              e ->
                  e.name().equals("participant_disconnected")
                      && e.str("identity").equals(botIdentity),
              Duration.ofSeconds(15),
              "the bot leaving (seen by the candidate)");
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] server reported the bot gone to the candidate at %d%n",
          botLeft.epochMs());
      done.get(30, TimeUnit.SECONDS);

      // every final carries the right label: it lies within one of that speaker's turns
      List<Received> got = new ArrayList<>(finals);
      assertThat(got).isNotEmpty();
      long offset = t0 - sessionStartEpoch; // publisher timeline -> session timeline
      List<Long> latencies = new ArrayList<>();
      for (Received r : got) {
        Transcript t = r.transcript();
        assertThat(t.speaker()).isIn("Recruiter", "Candidate");
        String identity = t.speaker().equals("Recruiter") ? RECRUITER : CANDIDATE;
        assertThat(t.participantIdentity()).isEqualTo(identity);
        long mid = (t.startMs() + t.endMs()) / 2 - offset;
        Turn turn = bestTurn(turns, t.startMs() - offset, t.endMs() - offset);
        assertThat(turn)
            .as("final %s at publisher time %d ms lies in a script turn", t, mid)
            .isNotNull();
        assertThat(turn.speaker())
            .as("speaker of the turn around %d ms (%s)", mid, t.text())
            .isEqualTo(identity);
      }
      // every turn was heard (the late joiner's first answer and the early leaver's last question
      // too)
      for (Turn turn : turns) {
        boolean heard =
            got.stream()
                .anyMatch(
                    r -> {
                      long mid = (r.transcript().startMs() + r.transcript().endMs()) / 2 - offset;
                      return mid >= turn.startMs() - 700 && mid <= turn.endMs() + 700;
                    });
        assertThat(heard).as("a final for turn %s", turn).isTrue();
        // latency: from the turn's last word in the publisher's audio to the final that ends it
        got.stream()
            .filter(r -> r.transcript().participantIdentity().equals(turn.speaker()))
            .filter(
                r -> {
                  long end = r.transcript().endMs() - offset;
                  return end >= turn.startMs() && end <= turn.endMs() + 1_000;
                })
            .max(java.util.Comparator.comparingLong(r -> r.transcript().endMs()))
            .ifPresent(r -> latencies.add(r.epochMs() - (t0 + turn.endMs())));
      }
      latencies.sort(null);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] %d finals; turn-end-to-final latency (segment recogniser, 400 ms hangover) median %d ms, max %d ms%n",
          got.size(),
          latencies.get(latencies.size() / 2),
          latencies.get(latencies.size() - 1));
    } finally {
      session.close();
      source.close();
      if (publisher != null) {
        publisher.finish(Duration.ofSeconds(20));
      }
    }
    List<String> leaked =
        LibraryThreads.aliveAfter(Duration.ofSeconds(5)).stream()
            .filter(n -> n.contains("livekit"))
            .collect(Collectors.toList());
    assertThat(leaked).as("livekit threads after close()").isEmpty();
  }

  /**
   * Prints WebRTC's receive-side audio statistics per track (jitter buffer, concealment,
   * time-stretch).
   */
  static void printInboundStats(LiveKitRoomSource source) throws Exception {
    Map<String, Map<String, Object>> stats =
        source.inboundAudioStats().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<String> keys =
        List.of(
            "packetsReceived",
            "packetsLost",
            "jitter",
            "jitterBufferDelay",
            "jitterBufferEmittedCount",
            "totalSamplesReceived",
            "concealedSamples",
            "silentConcealedSamples",
            "concealmentEvents",
            "insertedSamplesForDeceleration",
            "removedSamplesForAcceleration");
    stats.forEach(
        (track, attrs) ->
            System.out.println(
                "[livekit-e2e] inbound "
                    + track
                    + " "
                    + keys.stream()
                        .filter(attrs::containsKey)
                        .map(k -> k + "=" + attrs.get(k))
                        .collect(Collectors.joining(" "))));
  }

  /**
   * The script turn a transcript spanning {@code [start, end]} (publisher timeline) belongs to: the
   * one it overlaps most, allowing {@code 700 ms} of slack on each side of a turn; null if none.
   */
  static Turn bestTurn(List<Turn> turns, long start, long end) {
    Turn best = null;
    long bestOverlap = 0;
    for (Turn x : turns) {
      long overlap = Math.min(end, x.endMs() + 700) - Math.max(start, x.startMs() - 700);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        best = x;
      }
    }
    return best;
  }

  private static Flow.Subscriber<Transcript> recorder(
      List<Received> finals, CompletableFuture<Void> done) {
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

  private static long joinedEpoch;

  /** Wall-clock time of the join, within the few ms the joined() callback takes. */
  private static long joinEpochMs(LiveKitRoomSource source) {
    return joinedEpoch;
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return 0;
  }
}
