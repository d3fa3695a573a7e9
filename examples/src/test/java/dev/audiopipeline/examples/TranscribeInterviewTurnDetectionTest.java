package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TranscribeInterview --turn-detection}: the default (Silero VAD + Smart Turn) writes {@code
 * events.jsonl} beside the transcript; {@code off} writes none; a bad mode is a usage error.
 */
class TranscribeInterviewTurnDetectionTest {
  static CliRun run(String... args) {
    return CliRun.of(
        (out, err) ->
            TranscribeInterview.run(
                args, out, err, SpeechSegmentRecognizer::create, o -> {}, Map.of()));
  }

  @Test
  void theDefaultWritesEveryTurnEventOnTheTimeline(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    CliRun r = run("--fast", "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    // the best available: silero+smart-turn, or silero alone where the end-of-turn model is not
    // in the build (said on stderr)
    assertThat(r.out()).as(r.err()).contains("Turn detection: silero");
    boolean model = r.out().contains("Turn detection: silero+smart-turn");
    List<String> lines = Files.readAllLines(out.resolve("events.jsonl"));
    ObjectMapper json = new ObjectMapper();
    Map<String, List<JsonNode>> bySpeaker = new HashMap<>();
    for (String line : lines) {
      JsonNode e = json.readTree(line);
      assertThat(e.path("speaker").asText())
          .isIn(BundledInterview.RECRUITER, BundledInterview.CANDIDATE);
      assertThat(e.path("type").asText()).isIn("speech_started", "speech_ended", "end_of_turn");
      assertThat(e.path("atMs").canConvertToLong()).as(line).isTrue();
      if (e.has("probability")) {
        assertThat(e.path("type").asText()).isEqualTo("end_of_turn");
        assertThat(e.path("probability").asDouble()).isBetween(0.0, 1.0);
      }
      bySpeaker.computeIfAbsent(e.path("speaker").asText(), k -> new ArrayList<>()).add(e);
    }
    assertThat(bySpeaker).containsOnlyKeys(BundledInterview.RECRUITER, BundledInterview.CANDIDATE);
    for (List<JsonNode> events : bySpeaker.values()) {
      // per speaker: time never goes back, speech alternates start/end, turns end after speech
      long last = -1;
      boolean speaking = false;
      int started = 0;
      int turns = 0;
      for (JsonNode e : events) {
        long at = e.path("atMs").asLong();
        assertThat(at).isGreaterThanOrEqualTo(last);
        last = at;
        switch (e.path("type").asText()) {
          case "speech_started" -> {
            assertThat(speaking).isFalse();
            speaking = true;
            started++;
          }
          case "speech_ended" -> {
            assertThat(speaking).isTrue();
            speaking = false;
          }
          default -> {
            assertThat(speaking).isFalse();
            turns++;
          }
        }
      }
      assertThat(started).isGreaterThanOrEqualTo(3);
      assertThat(turns).isBetween(3, started);
    }
    // the model's probability is written for the ends of turn it decided, and only then
    if (model) {
      assertThat(lines).anyMatch(l -> l.contains("\"probability\":"));
    } else {
      assertThat(lines).noneMatch(l -> l.contains("\"probability\":"));
    }
  }

  @Test
  void offWritesNoEvents(@TempDir Path dir) {
    Path out = dir.resolve("out");
    CliRun r = run("--fast", "--turn-detection", "off", "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Turn detection: off");
    assertThat(out.resolve("transcript.jsonl")).exists();
    assertThat(out.resolve("events.jsonl")).doesNotExist();
  }

  @Test
  void aBadModeIsAUsageErrorNamingWhatIsAccepted() {
    CliRun r = run("--turn-detection", "smart");
    assertThat(r.code()).isEqualTo(ExitStatus.USAGE);
    assertThat(r.err())
        .contains("--turn-detection 'smart'", "accepted off, vad", "turn")
        .doesNotContain("\tat ");
    CliRun help = run("--help");
    assertThat(help.out()).contains("--turn-detection MODE", "events.jsonl");
  }
}
