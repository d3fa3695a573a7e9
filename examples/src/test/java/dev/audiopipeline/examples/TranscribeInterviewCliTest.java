package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TranscribeInterview's command line in-process, on the loopback fakes and the energy segmenter:
 * exit codes, one-line errors, the output directory checked before any work, no empty success.
 */
class TranscribeInterviewCliTest {
  final AtomicInteger providersMade = new AtomicInteger();

  Supplier<SttProvider> segmenter() {
    return () -> {
      providersMade.incrementAndGet();
      return SpeechSegmentRecognizer.create();
    };
  }

  CliRun run(Map<String, String> env, String... args) {
    return CliRun.of(
        (out, err) -> TranscribeInterview.run(args, out, err, segmenter(), o -> {}, env));
  }

  static void oneLine(CliRun r, int code, String... says) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err()).contains(says).doesNotContain("\tat ");
  }

  static Path wav(Path dir, String name, short[] samples) throws Exception {
    Path p = dir.resolve(name);
    WavFile.write(p, AudioFormat.MONO_16K, samples);
    return p;
  }

  /** {@code totalMs} of 16 kHz audio, the test tone from {@code fromMs} to {@code toMs}. */
  static short[] toneAt(int fromMs, int toMs, int totalMs) {
    return new Audio().silence(fromMs).tone(toMs - fromMs).silence(totalMs - toMs).samples();
  }

  @Test
  void silenceIsNoSuccess(@TempDir Path dir) throws Exception {
    Path a = wav(dir, "silent-a.wav", new short[16_000 * 2]);
    Path b = wav(dir, "silent-b.wav", new short[16_000 * 2]);
    Path out = dir.resolve("out");
    CliRun r =
        run(
            Map.of(),
            "--fast",
            "--recruiter-wav",
            a.toString(),
            "--candidate-wav",
            b.toString(),
            "--out",
            out.toString());
    oneLine(r, ExitStatus.NOTHING, "nothing was transcribed", "no files");
    try (var listing = Files.list(out)) {
      assertThat(listing).as("no empty transcript files").isEmpty();
    }
  }

  @Test
  void speechIsTranscribedAndWritten(@TempDir Path dir) throws Exception {
    Path rec = wav(dir, "rec.wav", toneAt(300, 1200, 3000));
    Path can = wav(dir, "can.wav", toneAt(1600, 2500, 3000));
    Path out = dir.resolve("out");
    CliRun r =
        run(
            Map.of(),
            "--fast",
            "--recruiter-wav",
            rec.toString(),
            "--candidate-wav",
            can.toString(),
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Summary", "wrote ");
    assertThat(Files.readAllLines(out.resolve("transcript.jsonl"))).hasSize(2);
    assertThat(out.resolve("transcript.srt")).exists();
    assertThat(out.resolve("transcript.vtt")).exists();
  }

  @Test
  void anOutputDirectoryThatCannotBeCreatedFailsBeforeAnyWork(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    CliRun r = run(Map.of(), "--fast", "--out", file.resolve("sub").toString());
    oneLine(r, 2, "--out", "cannot be written");
    assertThat(providersMade).hasValue(0);
  }

  @Test
  void aBadLanguageForACloudRecogniserIsAUsageError() {
    CliRun r =
        run(
            Map.of("ELEVENLABS_API_KEY", "made-up"),
            "--stt",
            "elevenlabs",
            "--language",
            "english please");
    oneLine(r, 2, "--language", "BCP-47");
  }

  @Test
  void sttBaseUrlsAreCheckedAtOnceNamingTheVariable() {
    CliRun r =
        run(
            Map.of("ELEVENLABS_API_KEY", "made-up", "ELEVENLABS_STT_BASE_URL", "ftp://x"),
            "--stt",
            "elevenlabs");
    oneLine(r, 2, "ELEVENLABS_STT_BASE_URL", "wss://");
    r =
        run(
            Map.of("DEEPGRAM_API_KEY", "made-up", "DEEPGRAM_BASE_URL", "nonsense"),
            "--stt",
            "deepgram");
    oneLine(r, 2, "DEEPGRAM_BASE_URL");
    assertThat(r.err()).doesNotContain("made-up");
  }

  @Test
  void theSharedBaseUrlInTheHttpSchemeServesTheRecogniser(@TempDir Path dir) throws Exception {
    // https:// for TTS and wss:// for STT: one ELEVENLABS_BASE_URL now serves both
    try (FakeElevenLabsSttServer fake =
        FakeElevenLabsSttServer.builder().apiKey("el-key").build()) {
      String http = fake.baseUrl().replaceFirst("^ws://", "http://");
      Path rec = wav(dir, "rec.wav", toneAt(300, 1200, 3000));
      Path can = wav(dir, "can.wav", toneAt(1600, 2500, 3000));
      CliRun r =
          run(
              Map.of("ELEVENLABS_API_KEY", "el-key", "ELEVENLABS_BASE_URL", http),
              "--stt",
              "elevenlabs",
              "--fast",
              "--recruiter-wav",
              rec.toString(),
              "--candidate-wav",
              can.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("Summary");
    }
  }
}
