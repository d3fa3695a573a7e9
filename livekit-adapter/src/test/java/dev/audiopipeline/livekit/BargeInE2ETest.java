package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.freetts.FreeTtsProvider;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.turn.NeuralTurnDetector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Barge-in against a real livekit-server and a real third-party client: the bot (FreeTTS voice,
 * Sphinx, the neural detector in VAD mode, {@link BargeIn} with the default policy) says a long
 * question twice; the rtc-node candidate ({@code candidate.mjs}) coughs (a 0.3 s noise burst) 1 s
 * into the first and starts answering 1 s into the second. The first must play to its end; the
 * second must stop, and the time from the candidate's speech onset to the bot's silence is measured
 * where a listener would hear it: at a subscribing rtc-node client (the candidate's observer
 * connection, which receives both tracks).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BargeInE2ETest {
  private static final Path INTERVIEW = Path.of("../examples/src/main/resources/interview");
  private static final String BOT = "interviewer-bot";
  private static final double LOUD_DBFS = -45;

  /** About 25 s of FreeTTS speech. */
  static final String LONG_QUESTION =
      "Before we talk about your experience, let me explain how this interview works. I will ask"
          + " you five questions about your work, your projects and the way you work with other"
          + " people. Please take your time with each answer, and feel free to ask me to repeat a"
          + " question at any point. When you are ready, tell me about the project you are most"
          + " proud of.";

  /**
   * The latest acceptable speech onset to bot silence, as heard at a subscriber: the goal
   * is 200 ms (measured 120-179 ms on a quiet machine, see livekit-adapter/README.md "Barge-in");
   * the bound leaves 50 ms for a loaded CI machine's scheduling. A pause that sent no silence
   * failed it by far: the subscriber's decoder concealed the missing packets with the last speech
   * for about half a second (701/740 ms), see {@code SpeechTrack.pushTail}.
   */
  static final long MAX_LATENCY_MS = 250;

  /** Onset at the subscriber → the bot's pause decision (same machine, same wall clock). */
  static final long MAX_DECISION_MS = 250;

  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  @Test
  void speechStopsTheBotAndACoughDoesNot(@TempDir Path dir) throws Exception {
    String url = System.getenv("LIVEKIT_URL");
    String key = System.getenv("LIVEKIT_API_KEY");
    String secret = System.getenv("LIVEKIT_API_SECRET");
    String room = "bargein-" + UUID.randomUUID().toString().substring(0, 8);
    Path levels = dir.resolve("levels.json");
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(url)
            .apiKey(key)
            .apiSecret(secret)
            .room(room)
            .identity(BOT)
            .speakerLabel("interviewer")
            .build();
    List<BargeIn.Decision> decisions = new CopyOnWriteArrayList<>();
    List<PipelineEvent> events = new CopyOnWriteArrayList<>();
    CompletableFuture<String> candidateJoined = new CompletableFuture<>();
    NodePublisher candidate = null;
    try (FreeTtsProvider tts = FreeTtsProvider.create();
        SphinxSttProvider sphinx = SphinxSttProvider.create();
        NeuralTurnDetector turns =
            NeuralTurnDetector.builder()
                .mode(NeuralTurnDetector.Mode.VAD)
                .minSpeech(Duration.ofMillis(64))
                .build()) {
      sphinx.preload(1);
      TranscriptionSession session =
          AudioPipeline.builder()
              .stt(sphinx)
              .turnDetector(turns)
              .build()
              .startTranscription(source);
      session
          .events()
          .subscribe(
              new Flow.Subscriber<PipelineEvent>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                  s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(PipelineEvent e) {
                  events.add(e);
                  if (e instanceof PipelineEvent.SpeakerJoined j) {
                    candidateJoined.complete(j.identity());
                  }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onComplete() {}
              });
      List<Long> decisionEpochs = new CopyOnWriteArrayList<>();
      BargeIn bargeIn =
          BargeIn.start(
              session,
              BargeInPolicy.defaults(),
              d -> {
                decisionEpochs.add(System.currentTimeMillis());
                decisions.add(d);
              });
      source.joined().toCompletableFuture().get(30, TimeUnit.SECONDS);
      String answer = INTERVIEW.resolve("candidate.wav").toAbsolutePath() + "#6655-18060";
      candidate =
          NodePublisher.start(
              "candidate.mjs",
              url,
              key,
              secret,
              List.of(
                  "--room",
                  room,
                  "--bot",
                  BOT,
                  "--during",
                  "1@1000=noise:300",
                  "--during",
                  "2@1000=" + answer,
                  "--quiet-gap",
                  "1500",
                  "--levels",
                  levels.toString(),
                  "--max",
                  "150000"));
      candidate.await("connected", Duration.ofSeconds(30));
      assertThat(candidateJoined.get(30, TimeUnit.SECONDS)).isEqualTo("candidate");

      // 1. a cough 1 s into the question: it plays to its end
      Utterance first = source.speak(tts, LONG_QUESTION);
      bargeIn.watch(first);
      first.completion().toCompletableFuture().get(120, TimeUnit.SECONDS);
      assertThat(first.state()).isEqualTo(Utterance.State.FINISHED);
      assertThat(first.playedText()).isEqualTo(LONG_QUESTION);
      List<BargeIn.Decision> duringFirst = List.copyOf(decisions);
      assertThat(duringFirst).noneMatch(d -> d.kind() == BargeIn.Kind.STOPPED);

      // 2. the candidate answers 1 s into the question: it stops
      Thread.sleep(2_000);
      Utterance second = source.speak(tts, LONG_QUESTION);
      bargeIn.watch(second);
      second.completion().toCompletableFuture().get(120, TimeUnit.SECONDS);
      assertThat(second.state()).isEqualTo(Utterance.State.CANCELLED);
      assertThat(second.played()).isLessThan(Duration.ofSeconds(10));
      assertThat(decisions).anyMatch(d -> d.kind() == BargeIn.Kind.STOPPED);

      Thread.sleep(1_000);
      bargeIn.close();
      session.close();
      assertThat(candidate.finish(Duration.ofSeconds(30))).isZero();

      // 3. measured at the observer: candidate's onset -> the bot's silence
      NodePublisher.Event clip =
          candidate.events().stream()
              .filter(e -> e.name().equals("clip_start") && e.num("n") == 2)
              .findFirst()
              .orElseThrow();
      NodePublisher.Event cough =
          candidate.events().stream()
              .filter(e -> e.name().equals("clip_start") && e.num("n") == 1)
              .findFirst()
              .orElseThrow();
      JsonNode tracks = new ObjectMapper().readTree(Files.readString(levels)).get("tracks");
      Track cand = Track.of(tracks, "candidate");
      Track bot = Track.of(tracks, BOT);
      long onset = cand.firstLoudAtOrAfter(clip.epochMs() - 50);
      long silent = bot.silenceStartNear(onset, 1_000);
      long latency = silent - onset;
      long coughAt = cand.firstLoudAtOrAfter(cough.epochMs() - 50);
      long coughGap = bot.longestQuietRun(coughAt - 200, coughAt + 2_000);
      long sessionEpoch = System.currentTimeMillis() - session.nowMs();
      System.out.printf(
          "[livekit-e2e] barge-in: candidate onset at the observer %d, bot silent %d: %d ms"
              + " (decisions %s at onset + %s ms; the detector's onset at observer onset %+d ms);"
              + " cough at %d: the bot's longest quiet run within 2 s %d ms;"
              + " second utterance played %d ms%n",
          onset,
          silent,
          latency,
          decisions,
          decisionEpochs.stream().map(e -> Long.toString(e - onset)).toList(),
          decisions.isEmpty() ? 0 : sessionEpoch + decisions.get(0).speechOnsetMs() - onset,
          coughAt,
          coughGap,
          second.played().toMillis());
      assertThat(coughGap).as("the cough did not pause the bot noticeably").isLessThan(800);
      assertThat(decisionEpochs).as("the bot decided to stop").isNotEmpty();
      assertThat(decisionEpochs.get(0) - onset)
          .as("speech onset at a subscriber -> the bot's pause decision (ms)")
          .isLessThanOrEqualTo(MAX_DECISION_MS);
      assertThat(latency)
          .as("speech onset -> bot silent at a subscriber (ms)")
          .isLessThanOrEqualTo(MAX_LATENCY_MS);
    } finally {
      if (candidate != null) {
        candidate.finish(Duration.ofSeconds(10));
      }
      source.close();
    }
  }

  /** One track's frames as the observer received them: arrival epoch ms and level. */
  record Track(long[] epochMs, double[] dbfs) {
    static Track of(JsonNode tracks, String identity) {
      for (JsonNode t : tracks) {
        if (t.get("identity").asText().equals(identity)) {
          JsonNode e = t.get("epochMs");
          JsonNode d = t.get("dbfs");
          long[] ep = new long[e.size()];
          double[] db = new double[d.size()];
          for (int i = 0; i < ep.length; i++) {
            ep[i] = e.get(i).asLong();
            db[i] = d.get(i).asDouble();
          }
          return new Track(ep, db);
        }
      }
      throw new AssertionError("the observer recorded no track of " + identity + ": " + tracks);
    }

    long firstLoudAtOrAfter(long epoch) {
      for (int i = 0; i < epochMs.length; i++) {
        if (epochMs[i] >= epoch && dbfs[i] >= LOUD_DBFS) {
          return epochMs[i];
        }
      }
      throw new AssertionError("no loud frame after " + epoch);
    }

    /**
     * Where the silence begins that starts near {@code epoch}: the end of the last loud frame (from
     * half a second before {@code epoch} on) that is followed by at least {@code quietMs} without a
     * loud frame.
     */
    long silenceStartNear(long epoch, long quietMs) {
      int i = 0;
      while (i < epochMs.length && epochMs[i] < epoch - 500) {
        i++;
      }
      long lastLoud = -1;
      for (; i < epochMs.length; i++) {
        if (dbfs[i] >= LOUD_DBFS) {
          if (lastLoud >= 0 && epochMs[i] - lastLoud > quietMs) {
            return lastLoud + 10;
          }
          lastLoud = epochMs[i];
        }
      }
      if (lastLoud >= 0) {
        return lastLoud + 10;
      }
      throw new AssertionError("the bot was not heard around " + epoch);
    }

    /** The longest time without a loud frame between two loud frames in [from, to]. */
    long longestQuietRun(long from, long to) {
      long longest = 0;
      long lastLoud = -1;
      for (int i = 0; i < epochMs.length; i++) {
        if (epochMs[i] < from || epochMs[i] > to || dbfs[i] < LOUD_DBFS) {
          continue;
        }
        if (lastLoud >= 0) {
          longest = Math.max(longest, epochMs[i] - lastLoud - 10);
        }
        lastLoud = epochMs[i];
      }
      return longest;
    }
  }
}
