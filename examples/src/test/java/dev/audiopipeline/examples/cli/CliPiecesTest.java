package dev.audiopipeline.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.Transcript;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reusable CLI pieces on their own; TranscribeInterview's tests cover them in use. */
class CliPiecesTest {
  static Transcript fin(String speaker, long startMs, long endMs, String text) {
    return new Transcript(
        speaker, speaker, text, startMs, endMs, true, null, null, List.of(), "s" + startMs, "test");
  }

  @Test
  void aSignalBeforeTheSessionStartsIsReportedAndRefusesTheStop() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (StopOnSignal s =
        StopOnSignal.detached(new PrintStream(err, true, StandardCharsets.UTF_8))) {
      s.signal();
      assertThat(s.signalled()).isTrue();
      assertThat(s.onSignal(() -> {})).isFalse();
    }
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("Interrupted before the transcription started");
  }

  @Test
  void aSignalStopsTheSessionAndWaitsForTheReport() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicInteger stops = new AtomicInteger();
    try (StopOnSignal s =
        StopOnSignal.detached(new PrintStream(err, true, StandardCharsets.UTF_8))) {
      assertThat(
              s.onSignal(
                  () -> {
                    stops.incrementAndGet();
                    s.written(); // the report is done: the hook returns at once
                  }))
          .isTrue();
      s.signal();
      assertThat(stops).hasValue(1);
      assertThat(s.signalled()).isTrue();
      s.signal(); // already reported: nothing runs twice
      assertThat(stops).hasValue(1);
    }
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("Stopping: finishing the transcript")
        .doesNotContain("not written");
  }

  @Test
  void outputFilesAreCheckedFirstAndWrittenWhole(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertThatThrownBy(() -> TranscriptFiles.prepareOutputDir(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exists and is not a directory");
    Path out = dir.resolve("new/out");
    TranscriptFiles.prepareOutputDir(out);
    assertThat(out).isEmptyDirectory();
    List<Path> written =
        TranscriptFiles.write(
            out, List.of(fin("alice", 0, 1200, "hello there"), fin("bob", 1500, 2500, "hi")));
    assertThat(written)
        .extracting(p -> p.getFileName().toString())
        .containsExactly("transcript.jsonl", "transcript.srt", "transcript.vtt");
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .doesNotContain(".transcript.jsonl.part", ".transcript.srt.part", ".transcript.vtt.part");
    }
    assertThat(Files.readAllLines(out.resolve("transcript.jsonl"))).hasSize(2);
    assertThat(Files.readString(out.resolve("transcript.vtt")))
        .startsWith("WEBVTT")
        .contains("hello there");
  }

  @Test
  void theRecorderPrintsKeepsFinalsAndOrdersThemOnTheTimeline(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    TranscriptRecorder r = new TranscriptRecorder(dir, out);
    r.accept(fin("bob", 1500, 2500, "second"));
    r.accept(
        new Transcript("alice", "alice", "fir", 0, 400, false, null, null, List.of(), "p", "test"));
    r.accept(fin("alice", 0, 1200, "first"));
    r.accept(fin("alice", 3000, 3100, " "));
    assertThat(r.jsonlWritten()).isTrue();
    assertThat(Files.readAllLines(dir.resolve("transcript.jsonl"))).hasSize(2); // as they came
    Outcome o = r.outcome();
    assertThat(o.finals()).extracting(Transcript::text).containsExactly("first", "second");
    assertThat(o.partials()).isEqualTo(1);
    r.writeFiles(o);
    assertThat(Files.readAllLines(dir.resolve("transcript.jsonl")).get(0)).contains("first");
    TranscriptSummary.print(out, o);
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("00:01.5-00:02.5 bob      : second")
        .contains("    ... 00:00.0 alice    : fir")
        .contains("alice      talk time   1.2 s  turns  1  words   1")
        .contains("2 turns, 2 finals, 1 partials; last words at 00:02.5");
  }

  @Test
  void optionValuesNameTheOptionAndWhatIsAccepted() {
    assertThat(OptionValues.seconds("90", "--duration").toSeconds()).isEqualTo(90);
    assertThatThrownBy(() -> OptionValues.seconds("0", "--duration"))
        .hasMessage("--duration '0': accepted 1 to 86400 seconds");
    assertThatThrownBy(() -> OptionValues.value(new String[] {"--out"}, 1, "--out"))
        .hasMessage("--out needs a value");
    assertThatThrownBy(() -> OptionValues.identity(" ", "--candidate-identity"))
        .hasMessageContaining("is blank");
    assertThat(TranscriptSummary.clock(83_456)).isEqualTo("01:23.5");
  }
}
