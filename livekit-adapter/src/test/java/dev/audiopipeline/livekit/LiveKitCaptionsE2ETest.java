package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.testing.FakeTtsVoice;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Captions end to end: the bot transcribes two rtc-node participants of a real {@code
 * livekit-server} and publishes their transcripts as {@code lk.transcription} text streams; a third
 * rtc-node participant ({@code publisher.mjs --caption-listener}) receives them with {@code
 * registerTextStreamHandler}. Every final of each participant must arrive with that participant's
 * identity (the server keeps it only because the bot's token has the agent grant) and track SID,
 * interim updates of a segment before its final, every published stream must arrive (the server
 * drops a reliable packet whose sequence number does not increase, and logs it), and the latency
 * from the final at the bot to the caption at the client is printed (median, p95).
 *
 * <pre>
 * livekit-adapter/scripts/livekit-netns.sh -- ./mvnw -B -ntp -o -pl livekit-adapter verify \
 *     -Plivekit-e2e -Dtest=LiveKitCaptionsE2ETest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LiveKitCaptionsE2ETest {
  private static final Path INTERVIEW = Path.of("../examples/src/main/resources/interview");
  private static final String RECRUITER = "recruiter";
  private static final String CANDIDATE = "candidate";
  private static final String VIEWER = "caption-viewer";
  private static final String BOT = "caption-bot";

  /** The whole interview (12 turns, 6 per speaker). */
  private static final long PLAY_UNTIL_MS = 83_000;

  private static String url = "";
  private static String apiKey = "";
  private static String apiSecret = "";

  /** A transcript with the wall-clock instant it reached the bot's subscriber. */
  record AtBot(Transcript transcript, long epochMs) {}

  @BeforeAll
  static void server() {
    Map<String, String> env = System.getenv();
    url = env.getOrDefault("LIVEKIT_URL", "");
    apiKey = env.getOrDefault("LIVEKIT_API_KEY", "");
    apiSecret = env.getOrDefault("LIVEKIT_API_SECRET", "");
    if (url.isBlank() || apiKey.isBlank() || apiSecret.isBlank()) {
      String why =
          "no LiveKit server: LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET are unset. Run"
              + " livekit-adapter/scripts/livekit-netns.sh -- ./mvnw -o -B -pl livekit-adapter"
              + " -Plivekit-e2e verify";
      if ("true".equalsIgnoreCase(env.get("CI"))) {
        fail("CI=true but " + why);
      }
      Assumptions.abort(why);
    }
  }

  @Test
  void everyFinalOfEachParticipantArrivesAsACaptionWithItsIdentityAndTrack() throws Exception {
    String room = "captions-" + UUID.randomUUID().toString().substring(0, 8);
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(url)
            .apiKey(apiKey)
            .apiSecret(apiSecret)
            .room(room)
            .identity(BOT)
            .captions(true)
            .build();
    List<AtBot> atBot = new CopyOnWriteArrayList<>();
    NodePublisher node = null;
    try (SpeechSegmentRecognizer stt = SpeechSegmentRecognizer.create();
        TranscriptionSession session =
            LiveKitTranscriber.transcribe(source, stt, SpeakerMap.identity())) {
      session.subscribe(recorder(atBot));
      source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
      node =
          NodePublisher.start(
              url,
              apiKey,
              apiSecret,
              List.of(
                  "--room",
                  room,
                  "--caption-listener",
                  VIEWER,
                  "--participant",
                  RECRUITER
                      + "="
                      + INTERVIEW.resolve("recruiter.wav").toAbsolutePath()
                      + ",until="
                      + PLAY_UNTIL_MS,
                  "--participant",
                  CANDIDATE
                      + "="
                      + INTERVIEW.resolve("candidate.wav").toAbsolutePath()
                      + ",until="
                      + PLAY_UNTIL_MS,
                  "--wait-subscribed",
                  "20000",
                  "--lead-in",
                  "1000",
                  "--linger",
                  "60000"));
      Map<String, String> trackOf = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        NodePublisher.Event p = node.await("published", Duration.ofSeconds(30));
        trackOf.put(p.str("identity"), p.str("trackSid"));
      }
      node.await("playback_done", Duration.ofSeconds(PLAY_UNTIL_MS / 1000 + 60));

      // the last finals come after the recogniser's hangover; their captions shortly after
      CaptionPublisher captions = source.captionPublisher();
      assertThat(captions).isNotNull();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        long finalsAtBot = atBot.stream().filter(a -> a.transcript().isFinal()).count();
        long finalCaptions =
            captions(node).stream().filter(c -> c.str("final").equals("true")).count();
        if (finalsAtBot >= 12
            && finalCaptions >= finalsAtBot
            && captions(node).size() >= captions.published()
            && captions.queued() == 0) {
          break;
        }
        if (System.nanoTime() > deadline) {
          fail(
              "captions incomplete: "
                  + finalsAtBot
                  + " finals at the bot, "
                  + finalCaptions
                  + " final captions, "
                  + captions(node).size()
                  + " captions of "
                  + captions.published()
                  + " published; events: "
                  + node.events());
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
      List<NodePublisher.Event> received = captions(node);
      long published = captions.published();

      // every stream the bot published arrived (none dropped for its sequence number), in order
      assertThat(received).as("captions received vs published").hasSize((int) published);
      for (int i = 0; i < received.size(); i++) {
        assertThat(received.get(i).num("n")).isEqualTo(i + 1);
      }
      assertThat(received)
          .allSatisfy(c -> assertThat(c.str("topic")).isEqualTo("lk.transcription"));
      assertThat(received).allSatisfy(c -> assertThat(c.str("mimeType")).isEqualTo("text/plain"));

      // each caption carries its speaker's identity and that speaker's track SID
      for (NodePublisher.Event c : received) {
        assertThat(c.str("identity")).as("caption sender").isIn(RECRUITER, CANDIDATE);
        assertThat(c.str("trackId"))
            .as("lk.transcribed_track_id of " + c.str("identity"))
            .isEqualTo(trackOf.get(c.str("identity")));
      }
      // every final at the bot arrived as a final caption of the same segment, text and speaker
      Map<String, NodePublisher.Event> finalBySegment = new HashMap<>();
      for (NodePublisher.Event c : received) {
        if (c.str("final").equals("true")) {
          assertThat(finalBySegment.put(c.str("segmentId"), c))
              .as("one final caption per segment " + c.str("segmentId"))
              .isNull();
        }
      }
      List<Long> latencies = new ArrayList<>();
      for (AtBot a : atBot) {
        Transcript t = a.transcript();
        if (!t.isFinal()) {
          continue;
        }
        NodePublisher.Event c = finalBySegment.get(t.segmentId());
        assertThat(c).as("caption of the final " + t).isNotNull();
        assertThat(c.str("identity")).isEqualTo(t.participantIdentity());
        assertThat(c.str("text")).isEqualTo(t.text());
        latencies.add(c.epochMs() - a.epochMs());
      }
      assertThat(finalBySegment).hasSameSizeAs(latencies);
      assertThat(atBot.stream().filter(a -> a.transcript().isFinal()))
          .extracting(a -> a.transcript().participantIdentity())
          .contains(RECRUITER, CANDIDATE);

      // interim updates of a segment come before its final, never after
      int interims = 0;
      for (NodePublisher.Event c : received) {
        if (c.str("final").equals("false")) {
          interims++;
          NodePublisher.Event fin = finalBySegment.get(c.str("segmentId"));
          assertThat(fin).as("final of the interim segment " + c.str("segmentId")).isNotNull();
          assertThat(c.num("n")).as("interim before final").isLessThan(fin.num("n"));
        }
      }
      assertThat(interims).as("interim captions").isPositive();

      // the server never saw a reliable sequence number that did not increase
      String serverLog = System.getenv("LIVEKIT_SERVER_LOG");
      if (serverLog != null && Files.isRegularFile(Path.of(serverLog))) {
        assertThat(Files.readString(Path.of(serverLog), StandardCharsets.UTF_8))
            .doesNotContain("received out of order reliable data packet");
      }

      latencies.sort(null);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] captions: %d streams (%d interim, %d final), %d partials superseded"
              + " before sending; final at the bot -> caption read by rtc-node: median %d ms,"
              + " p95 %d ms, max %d ms (n=%d)%n",
          received.size(),
          interims,
          finalBySegment.size(),
          captions.partialsDropped(),
          latencies.get(latencies.size() / 2),
          latencies.get(
              Math.min(latencies.size() - 1, (int) Math.ceil(latencies.size() * 0.95) - 1)),
          latencies.get(latencies.size() - 1),
          latencies.size());
    } finally {
      if (node != null) {
        node.finish(Duration.ofSeconds(20));
      }
      source.close();
    }
    assertThat(source.captionPublisher().senderAlive()).as("caption thread after close").isFalse();
  }

  @Test
  void theBotsOwnLinesAreCaptionedWithItsIdentityAndItsTrack() throws Exception {
    String room = "captions-bot-" + UUID.randomUUID().toString().substring(0, 8);
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(url)
            .apiKey(apiKey)
            .apiSecret(apiSecret)
            .room(room)
            .identity(BOT)
            .captions(true)
            .build();
    List<AtBot> atBot = new CopyOnWriteArrayList<>();
    NodePublisher node = null;
    try (SpeechSegmentRecognizer stt = SpeechSegmentRecognizer.create();
        TranscriptionSession session =
            LiveKitTranscriber.transcribe(source, stt, SpeakerMap.identity())) {
      session.subscribe(recorder(atBot));
      source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
      // a silent participant keeps the room open; the viewer reads the captions
      node =
          NodePublisher.start(
              url,
              apiKey,
              apiSecret,
              List.of(
                  "--room",
                  room,
                  "--caption-listener",
                  VIEWER,
                  "--participant",
                  CANDIDATE
                      + "="
                      + INTERVIEW.resolve("candidate.wav").toAbsolutePath()
                      + ",until=0",
                  "--linger",
                  "60000"));
      node.await("caption_listener_connected", Duration.ofSeconds(30));
      node.await("playback_done", Duration.ofSeconds(40));
      String line = "Welcome. Please tell me about yourself.";
      Utterance u = source.speak(tones(line), line);
      u.completion().toCompletableFuture().get(30, TimeUnit.SECONDS);
      String botTrack = source.speechTrackSid();
      assertThat(botTrack).as("the bot's published track").isNotNull().startsWith("TR_");

      NodePublisher.Event c =
          node.await(
              e -> e.name().equals("caption") && e.str("identity").equals(BOT),
              Duration.ofSeconds(20),
              "a caption of the bot's line");
      AtBot own =
          atBot.stream()
              .filter(a -> a.transcript().participantIdentity().equals(BOT))
              .findFirst()
              .orElseThrow();
      assertThat(own.transcript().text()).as("the bot's line in the transcript").isEqualTo(line);
      assertThat(c.str("final")).isEqualTo("true");
      assertThat(c.str("text")).isEqualTo(line);
      assertThat(c.str("trackId")).isEqualTo(botTrack);
      assertThat(c.str("segmentId"))
          .startsWith(botTrack + "/")
          .isEqualTo(own.transcript().segmentId());
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] captions: the bot's own line at the bot -> caption read by rtc-node:"
              + " %d ms%n",
          c.epochMs() - own.epochMs());
    } finally {
      if (node != null) {
        node.finish(Duration.ofSeconds(20));
      }
      source.close();
    }
  }

  /** Tones for each character of {@code text} (a stand-in voice), as one 16 kHz chunk. */
  private static Flow.Publisher<TtsChunk> tones(String text) {
    byte[] pcm = new FakeTtsVoice(40).pcm(text, 16_000);
    return subscriber ->
        subscriber.onSubscribe(
            new Flow.Subscription() {
              private boolean done;

              @Override
              public synchronized void request(long n) {
                if (!done && n > 0) {
                  done = true;
                  subscriber.onNext(new TtsChunk(AudioFormat.MONO_16K, pcm, List.of()));
                  subscriber.onComplete();
                }
              }

              @Override
              public void cancel() {}
            });
  }

  private static List<NodePublisher.Event> captions(NodePublisher node) {
    return node.events().stream().filter(e -> e.name().equals("caption")).toList();
  }

  private static Flow.Subscriber<Transcript> recorder(List<AtBot> out) {
    return new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(Transcript t) {
        out.add(new AtBot(t, System.currentTimeMillis()));
      }

      @Override
      public void onError(Throwable e) {
        System.out.println("[livekit-e2e] session failed: " + e);
      }

      @Override
      public void onComplete() {}
    };
  }
}
