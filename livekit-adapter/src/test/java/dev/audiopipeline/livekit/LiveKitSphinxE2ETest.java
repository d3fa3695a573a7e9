package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.livekit.LiveKitRoomE2ETest.Turn;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.WordErrorRate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded recogniser (CMU Sphinx4, no keys) on the interview as heard through a real LiveKit
 * room, against the same recogniser on the original files: labels right, WER within 2 points, and
 * the latency from the end of each turn in the publisher's audio to its final transcript.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LiveKitSphinxE2ETest {
  private static final Path INTERVIEW = Path.of("../examples/src/main/resources/interview");

  record Received(Transcript transcript, long epochMs) {}

  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  @Test
  void embeddedRecogniserTranscribesTheRoomAsWellAsTheOriginalFiles() throws Exception {
    List<Turn> turns = LiveKitRoomE2ETest.script();
    Map<String, String> reference = new TreeMap<>();
    for (String speaker : List.of("recruiter", "candidate")) {
      reference.put(
          speaker,
          turns.stream()
              .filter(t -> t.speaker().equals(speaker))
              .map(Turn::text)
              .collect(Collectors.joining(" ")));
    }
    try (SphinxSttProvider sphinx = SphinxSttProvider.builder().partials(false).build()) {
      sphinx.preload(2);

      // 1. the same recogniser on the original files
      List<Received> fileFinals = new CopyOnWriteArrayList<>();
      WavFileSource files =
          WavFileSource.builder()
              .speaker("recruiter", INTERVIEW.resolve("recruiter.wav"))
              .speaker("candidate", INTERVIEW.resolve("candidate.wav"))
              .build();
      try (TranscriptionSession s =
          AudioPipeline.builder().stt(sphinx).build().startTranscription(files)) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        s.subscribe(recorder(fileFinals, done));
        done.get(5, TimeUnit.MINUTES);
      }
      Map<String, Double> werFiles = wer(reference, fileFinals);
      System.out.println(
          "[livekit-e2e] files transcript: "
              + fileFinals.stream()
                  .map(
                      r ->
                          r.transcript().speaker()
                              + "@"
                              + r.transcript().startMs()
                              + "-"
                              + r.transcript().endMs()
                              + ": "
                              + r.transcript().text())
                  .collect(Collectors.joining(" | ")));

      // 2. through the room
      String room = "sphinx-" + UUID.randomUUID().toString().substring(0, 8);
      String url = System.getenv("LIVEKIT_URL");
      String key = System.getenv("LIVEKIT_API_KEY");
      String secret = System.getenv("LIVEKIT_API_SECRET");
      long candidateJoin =
          turns.stream()
                  .filter(t -> t.speaker().equals("candidate"))
                  .mapToLong(Turn::startMs)
                  .min()
                  .orElseThrow()
              - 600;
      long recruiterLeave =
          turns.stream()
                  .filter(t -> t.speaker().equals("recruiter"))
                  .mapToLong(Turn::endMs)
                  .max()
                  .orElseThrow()
              + 1_500;
      LiveKitRoomSource source =
          LiveKitRoomSource.builder()
              .url(url)
              .apiKey(key)
              .apiSecret(secret)
              .room(room)
              .identity("sphinx-bot")
              .build();
      List<Received> roomFinals = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      NodePublisher publisher = null;
      long t0;
      long sessionStartEpoch;
      TranscriptionSession session =
          LiveKitTranscriber.transcribe(source, sphinx, SpeakerMap.identity());
      try {
        session.subscribe(recorder(roomFinals, done));
        source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
        sessionStartEpoch = System.currentTimeMillis() - session.nowMs();
        publisher =
            NodePublisher.start(
                url,
                key,
                secret,
                List.of(
                    "--room", room,
                    "--participant",
                        "recruiter="
                            + INTERVIEW.resolve("recruiter.wav").toAbsolutePath()
                            + ",leave="
                            + recruiterLeave,
                    "--participant",
                        "candidate="
                            + INTERVIEW.resolve("candidate.wav").toAbsolutePath()
                            + ",join="
                            + candidateJoin,
                    "--wait-subscribed", "20000",
                    "--lead-in", "1500",
                    "--mark", "76000",
                    "--linger", "60000"));
        t0 = publisher.await("start", Duration.ofSeconds(40)).num("t0EpochMs");
        publisher.await(e -> e.name().equals("mark"), Duration.ofSeconds(120), "mark at 76 s");
        LiveKitRoomE2ETest.printInboundStats(source);
        publisher.await("playback_done", Duration.ofSeconds(150));
        session.close(); // the pipeline waits for the last finals, then the bot leaves
        done.get(60, TimeUnit.SECONDS);
      } finally {
        session.close();
        source.close();
        if (publisher != null) {
          publisher.finish(Duration.ofSeconds(20));
        }
      }
      Map<String, Double> werRoom = wer(reference, roomFinals);

      // publisher timeline -> session timeline
      long offset = t0 - sessionStartEpoch;
      // latency: end of each turn in the publisher's audio -> the final that ends it
      List<Long> latencies = new ArrayList<>();
      for (Turn turn : turns) {
        roomFinals.stream()
            .filter(r -> r.transcript().speaker().equals(turn.speaker()))
            .filter(
                r -> {
                  long end = r.transcript().endMs() - offset;
                  return end >= turn.startMs() && end <= turn.endMs() + 1_500;
                })
            .max(Comparator.comparingLong(r -> r.transcript().endMs()))
            .ifPresent(r -> latencies.add(r.epochMs() - (t0 + turn.endMs())));
      }
      latencies.sort(null);
      double overallFiles = overall(reference, fileFinals);
      double overallRoom = overall(reference, roomFinals);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] sphinx WER files %s overall %.3f; room %s overall %.3f%n",
          fmt(werFiles),
          overallFiles,
          fmt(werRoom),
          overallRoom);
      if (!latencies.isEmpty()) {
        System.out.printf(
            Locale.ROOT,
            "[livekit-e2e] sphinx turn-end-to-final latency over %d turns: median %d ms, max %d ms, all %s%n",
            latencies.size(),
            latencies.get(latencies.size() / 2),
            latencies.get(latencies.size() - 1),
            latencies);
      }
      System.out.println(
          "[livekit-e2e] room transcript: "
              + roomFinals.stream()
                  .map(
                      r ->
                          r.transcript().speaker()
                              + "@"
                              + (r.transcript().startMs() - offset)
                              + "-"
                              + (r.transcript().endMs() - offset)
                              + ": "
                              + r.transcript().text())
                  .collect(Collectors.joining(" | ")));
      // labels: each final lies in one of its speaker's turns
      for (Received r : roomFinals) {
        Transcript t = r.transcript();
        long startPub = t.startMs() - offset;
        long endPub = t.endMs() - offset;
        long mid = (startPub + endPub) / 2;
        Turn turn = LiveKitRoomE2ETest.bestTurn(turns, startPub, endPub);
        assertThat(turn).as("final '%s' at %d ms lies in a turn", t.text(), mid).isNotNull();
        assertThat(turn.speaker()).as("speaker of '%s'", t.text()).isEqualTo(t.speaker());
      }

      assertThat(latencies)
          .as("a final for most turns")
          .hasSizeGreaterThanOrEqualTo(turns.size() - 1);
      // Opus coding and the receiver's jitter buffer (it time-stretches: ~0.3 s of samples
      // removed per track for acceleration) cost the recogniser words at turn starts. Room minus
      // files over 8 quiet runs before issue #9: -1.3 to +1.8 points; after it (each stream now
      // starts its normalisation afresh instead of inheriting the files' decode): +0.4 to +3.1.
      // This guards against gross loss (dropped or cut audio: far more than 11 words); the
      // word-level comparison of the pipeline is SphinxPipelineVsDirect's and the examples' tests.
      assertThat(overallRoom)
          .as("room WER within 5 points of the files' WER")
          .isLessThanOrEqualTo(overallFiles + 0.05);
    }
  }

  private static Map<String, Double> wer(Map<String, String> reference, List<Received> finals) {
    Map<String, Double> out = new TreeMap<>();
    reference.forEach(
        (speaker, ref) -> out.put(speaker, WordErrorRate.of(ref, hypothesis(speaker, finals))));
    return out;
  }

  private static double overall(Map<String, String> reference, List<Received> finals) {
    int edits = 0;
    int words = 0;
    for (Map.Entry<String, String> e : reference.entrySet()) {
      edits += WordErrorRate.edits(e.getValue(), hypothesis(e.getKey(), finals));
      words += WordErrorRate.words(e.getValue()).length;
    }
    return (double) edits / words;
  }

  private static String hypothesis(String speaker, List<Received> finals) {
    return finals.stream()
        .map(Received::transcript)
        .filter(t -> t.speaker().equals(speaker))
        .sorted(Comparator.comparingLong(Transcript::startMs))
        .map(Transcript::text)
        .collect(Collectors.joining(" "));
  }

  private static String fmt(Map<String, Double> wer) {
    return wer.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s=%.3f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", ", "{", "}"));
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
        if (t.isFinal() && !t.text().isBlank()) {
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
}
