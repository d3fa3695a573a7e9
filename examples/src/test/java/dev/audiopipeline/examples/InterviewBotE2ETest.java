package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.testing.WordErrorRate;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * InterviewBot end to end against a real livekit-server (inside {@code
 * livekit-adapter/scripts/livekit-netns.sh}): a scripted rtc-node candidate ({@code
 * livekit-adapter/src/test/node/candidate.mjs}) answers each question with the matching turn of the
 * bundled {@code candidate.wav} once the bot has fallen silent. The bot must ask all five
 * questions, take each answer's end of turn, say goodbye, leave and exit 0 by itself, and write a
 * transcript of both sides.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class InterviewBotE2ETest {
  private static final Path NODE = Path.of("../livekit-adapter/src/test/node");
  private static final Path CANDIDATE_WAV =
      Path.of("src/main/resources/interview/candidate.wav").toAbsolutePath();
  private static final String BOT = "interviewer-bot";

  /** The candidate's answers in the bundled interview, ms (script.tsv). */
  private static final String[] ANSWERS = {
    "6655-18060", "22855-32910", "38365-47240", "51415-59530", "63095-68810"
  };

  /** What a run of the bot against a scripted candidate gave. */
  private record Run(
      int code, boolean ended, String printed, String errors, double seconds, String served) {}

  private static String liveKitUrlOrSkip() {
    Map<String, String> env = System.getenv();
    String url = env.getOrDefault("LIVEKIT_URL", "");
    boolean ci = "true".equalsIgnoreCase(env.get("CI"));
    if (url.isBlank()) {
      String why =
          "no LiveKit server: run livekit-adapter/scripts/livekit-netns.sh ./mvnw -o -B -pl"
              + " examples -Plivekit-e2e test";
      if (ci) {
        fail("CI=true but " + why);
      }
      Assumptions.assumeTrue(false, why);
    }
    if (!Files.isDirectory(NODE.resolve("node_modules/@livekit/rtc-node"))) {
      fail("@livekit/rtc-node is not installed: run livekit-adapter/scripts/provision-livekit.sh");
    }
    return url;
  }

  /**
   * Starts the scripted candidate with {@code candidateArgs} in a new room, runs the bot with
   * {@code botArgs} there until it ends (at most 5 minutes), and stops the candidate.
   */
  private static Run interview(List<String> candidateArgs, String... botArgs) throws Exception {
    Map<String, String> env = System.getenv();
    String url = liveKitUrlOrSkip();
    String room = "interviewbot-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> cmd = new ArrayList<>();
    cmd.add(env.getOrDefault("NODE", "node"));
    cmd.add(NODE.resolve("candidate.mjs").toAbsolutePath().toString());
    cmd.addAll(List.of("--url", url, "--room", room, "--bot", BOT));
    cmd.addAll(candidateArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("LIVEKIT_API_KEY", env.get("LIVEKIT_API_KEY"));
    pb.environment().put("LIVEKIT_API_SECRET", env.get("LIVEKIT_API_SECRET"));
    Process candidate = pb.start();
    List<String> candidateEvents = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(candidate.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  if (line.startsWith("{\"event\"")) {
                    candidateEvents.add(line);
                  }
                }
              } catch (IOException e) {
                // ended
              }
            },
            "test-candidate-reader");
    reader.setDaemon(true);
    reader.start();

    Map<String, String> botEnv = new HashMap<>(env);
    botEnv.put("LIVEKIT_ROOM", room);
    botEnv.put("LIVEKIT_IDENTITY", BOT);
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    AtomicInteger code = new AtomicInteger(-1);
    long t0 = System.nanoTime();
    Thread bot =
        new Thread(
            () ->
                code.set(
                    InterviewBot.run(
                        botArgs,
                        new PrintStream(stdout, true, StandardCharsets.UTF_8),
                        new PrintStream(stderr, true, StandardCharsets.UTF_8),
                        botEnv)),
            "test-interview-bot");
    bot.start();
    // with --serve: the page's transcript download, read while the interview runs
    AtomicReference<String> served = new AtomicReference<>("");
    Thread page = new Thread(() -> readPage(stdout, bot, served), "test-caption-page-reader");
    page.setDaemon(true);
    page.start();
    bot.join(TimeUnit.MINUTES.toMillis(5));
    page.join(5_000);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String printed = stdout.toString(StandardCharsets.UTF_8);
    String errors = stderr.toString(StandardCharsets.UTF_8);
    candidate.getOutputStream().close();
    if (!candidate.waitFor(30, TimeUnit.SECONDS)) {
      candidate.destroyForcibly();
    }
    System.out.println("[livekit-e2e] InterviewBot output:\n" + printed + errors);
    System.out.println("[livekit-e2e] candidate: " + candidateEvents);
    return new Run(code.get(), !bot.isAlive(), printed, errors, seconds, served.get());
  }

  /**
   * Once the bot prints its page's address, reads {@code transcript.jsonl} from it every second
   * while the bot runs; keeps the last body read.
   */
  private static void readPage(
      ByteArrayOutputStream stdout, Thread bot, AtomicReference<String> served) {
    HttpClient http = HttpClient.newHttpClient();
    Pattern address = Pattern.compile("Live captions: (http://127\\.0\\.0\\.1:\\d+/)");
    String url = null;
    while (bot.isAlive()) {
      try {
        if (url == null) {
          Matcher m = address.matcher(stdout.toString(StandardCharsets.UTF_8));
          if (m.find()) {
            url = m.group(1);
          }
        } else {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create(url + "transcript.jsonl"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && !r.body().isBlank()) {
            served.set(r.body());
          }
        }
        bot.join(1_000);
      } catch (IOException e) {
        // the page is gone (the bot is ending)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Test
  void interviewsAScriptedCandidateAndWritesBothSides(@TempDir Path dir) throws Exception {
    List<String> candidateArgs = new ArrayList<>(List.of("--quiet-gap", "1500"));
    for (String answer : ANSWERS) { // in order, after each question the bot finished
      candidateArgs.add("--answer");
      candidateArgs.add(CANDIDATE_WAV + "#" + answer);
    }
    candidateArgs.addAll(List.of("--max", "300000"));
    Path out = dir.resolve("out");
    Run run =
        interview(
            candidateArgs,
            "--out",
            out.toString(),
            "--wait",
            "60",
            "--stt",
            "sphinx",
            "--answer-timeout",
            "40",
            "--serve",
            "0");
    String printed = run.printed();
    assertThat(run.ended()).as("the bot ended by itself").isTrue();
    assertThat(run.code()).as(run.errors()).isZero();
    assertThat(printed).contains("Interview: 5 of 5 questions asked");
    assertThat(printed).contains(", 0 timed out");

    List<JsonNode> lines = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String l : Files.readAllLines(out.resolve("transcript.jsonl"))) {
      lines.add(json.readTree(l));
    }
    String interviewer = text(lines, "interviewer");
    String answers = text(lines, "candidate");
    System.out.printf(
        "[livekit-e2e] InterviewBot: %.1f s; interviewer: %s%n  candidate: %s%n",
        run.seconds(), interviewer, answers);
    assertThat(interviewer)
        .contains("thank you for joining")
        .contains("most proud of")
        .contains("goodbye");
    // the five answers as spoken (the first five candidate lines of script.tsv) against what the
    // bot's recogniser heard of them
    List<String> spokenAnswers = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("src/main/resources/interview/script.tsv"))) {
      String[] f = line.split("\t", 4);
      if (f[0].equals("candidate") && spokenAnswers.size() < ANSWERS.length) {
        spokenAnswers.add(f[3]);
      }
    }
    double wer = WordErrorRate.of(String.join(" ", spokenAnswers), answers);
    System.out.printf(
        "[livekit-e2e] InterviewBot: the candidate's answers at WER %.1f %%%n", wer * 100);
    assertThat(wer).as("the candidate's answers as the bot heard them").isLessThan(0.3);
    assertThat(Files.readString(out.resolve("transcript.vtt")))
        .contains("interviewer", "candidate");
    // --serve: the caption page offered both sides' lines while the interview ran
    assertThat(run.served())
        .as("transcript.jsonl from the bot's caption page")
        .contains("\"speaker\":\"interviewer\"")
        .contains("\"speaker\":\"candidate\"");
  }

  /**
   * A candidate who joins and leaves without a word: no interview took place, so no success (exit
   * 3, where it was 0 before), and files only of what the bot said.
   */
  @Test
  void aCandidateWhoLeavesWithoutAnsweringIsNoInterview(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    Run run =
        interview(
            List.of("--max", "2000"),
            "--out",
            out.toString(),
            "--wait",
            "60",
            "--stt",
            "sphinx",
            "--answer-timeout",
            "40");
    assertThat(run.ended()).as("the bot ended by itself").isTrue();
    assertThat(run.code()).as(run.printed() + run.errors()).isEqualTo(3);
    // which one depends on the timing: whether the bot saw the candidate's track at all, and
    // whether
    // the greeting (with the first question) had finished playing when it saw them gone for good
    assertThat(run.errors())
        .containsAnyOf(
            "no candidate joined before the room closed",
            "the candidate left before the first question was asked",
            "nothing the candidate said was heard");
    assertThat(run.printed()).contains(", 0 answered");
    // the files hold what the bot said to the empty room, if anything (none when it said nothing),
    // and never a line of the candidate
    Path jsonl = out.resolve("transcript.jsonl");
    if (Files.exists(jsonl)) {
      assertThat(Files.readString(jsonl))
          .contains("\"speaker\":\"interviewer\"")
          .doesNotContain("\"speaker\":\"candidate\"");
    }
  }

  private static String text(List<JsonNode> lines, String speaker) {
    StringBuilder b = new StringBuilder();
    for (JsonNode n : lines) {
      if (n.path("speaker").asText().equals(speaker)) {
        b.append(n.path("text").asText().toLowerCase(java.util.Locale.ROOT)).append(' ');
      }
    }
    return b.toString().trim();
  }
}
