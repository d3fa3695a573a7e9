package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.HttpFault;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SpeakText's options, voices and errors: one-line messages, documented exit codes. */
class SpeakTextTest {
  static final String KEY = "made-up-key-4711";

  static CliRun withStdin(Map<String, String> env, String stdin, String... args) {
    return CliRun.of(
        (out, err) ->
            SpeakText.run(
                args,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                out,
                err,
                env));
  }

  static CliRun run(Map<String, String> env, String... args) {
    return withStdin(env, "", args);
  }

  static void usageError(CliRun r, String... says) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains(says).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void helpPrintsUsageAndSpeaksNothing(@TempDir Path dir) {
    Path defaultOut = Path.of("speech.wav");
    boolean existed = Files.exists(defaultOut);
    CliRun r = run(Map.of(), "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains(
            "Usage: SpeakText",
            "--out FILE",
            "--play",
            "--stream",
            "ELEVENLABS_TTS_BASE_URL",
            "Exit status");
    assertThat(Files.exists(defaultOut)).as("--help writes no speech.wav").isEqualTo(existed);
  }

  @Test
  void ordinaryMistakesAreOneLineUsageErrors(@TempDir Path dir) {
    usageError(run(Map.of(), "Hello", "--out"), "--out needs a value");
    usageError(run(Map.of(), "--loud", "Hello"), "unknown option '--loud'", "--");
    usageError(run(Map.of(), "--play", "--out", "x.wav", "Hello"), "not both");
    usageError(run(Map.of(), "--tts", "espeak", "Hello"), "accepted elevenlabs, freetts");
    usageError(withStdin(Map.of(), "   "), "no text");
    usageError(run(Map.of(), "--tts", "elevenlabs", "Hello"), "ELEVENLABS_API_KEY");
    usageError(
        run(Map.of(), "--stream", "--out", dir.resolve("a.wav").toString(), "Hello"),
        "--stream needs",
        "--tts elevenlabs");
    usageError(run(Map.of(), "--out", dir.toString(), "Hello"), "is a directory");
    usageError(
        run(Map.of(), "--out", dir.resolve("no/such/dir/a.wav").toString(), "Hello"),
        "does not exist");
    usageError(
        run(
            Map.of("ELEVENLABS_API_KEY", KEY, "ELEVENLABS_TTS_BASE_URL", "ftp://h"),
            "--out",
            dir.resolve("a.wav").toString(),
            "Hello"),
        "ELEVENLABS_TTS_BASE_URL",
        "https://");
    assertThat(dir.resolve("a.wav")).doesNotExist();
  }

  @Test
  void textAfterDoubleDashMayLookLikeAnOption(@TempDir Path dir) throws Exception {
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start()) {
      Path wav = dir.resolve("dash.wav");
      CliRun r =
          run(
              env(fake, "ELEVENLABS_TTS_BASE_URL", fake.httpBaseUrl()),
              "--out",
              wav.toString(),
              "--",
              "--help");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(fake.takeHttpRequest(java.time.Duration.ofSeconds(5)).body())
          .contains("\"text\":\"--help\"");
      assertThat(wav).exists();
    }
  }

  static Map<String, String> env(FakeElevenLabsTtsServer fake, String urlVar, String url) {
    return Map.of("ELEVENLABS_API_KEY", fake.apiKey(), urlVar, url);
  }

  @Test
  void elevenLabsOverHttpWithTheSharedBaseUrlInEitherSchemeAndOverTheWebSocket(@TempDir Path dir)
      throws Exception {
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start()) {
      // the old shared variable given as the STT would want it (ws://): TTS reads it as http://
      String ws = fake.httpBaseUrl().replaceFirst("^http://", "ws://");
      Path a = dir.resolve("http.wav");
      CliRun r = run(env(fake, "ELEVENLABS_BASE_URL", ws), "--out", a.toString(), "Hello there");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).contains("wrote " + a);
      try (WavFile.Reader w = WavFile.open(a)) {
        assertThat(w.format()).isEqualTo(new AudioFormat(24_000, 1));
        assertThat(w.readAll()).isNotEmpty();
      }

      Path b = dir.resolve("stream.wav");
      r =
          run(
              Map.of(
                  "ELEVENLABS_API_KEY",
                  fake.apiKey(),
                  "ELEVENLABS_TTS_BASE_URL",
                  fake.httpBaseUrl(),
                  "ELEVENLABS_TTS_WS_BASE_URL",
                  fake.webSocketBaseUrl()),
              "Streamed word by word",
              "--stream",
              "--out",
              b.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(fake.webSocketConnectionCount()).isPositive();
      try (WavFile.Reader w = WavFile.open(b)) {
        assertThat(w.readAll()).isNotEmpty();
      }
    }
  }

  @Test
  void aProviderErrorIsOneLineExitOneAndNoFile(@TempDir Path dir) throws Exception {
    try (FakeElevenLabsTtsServer fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start()) {
      fake.enqueueHttpFault(HttpFault.unauthorized());
      Path wav = dir.resolve("never.wav");
      CliRun r =
          run(
              env(fake, "ELEVENLABS_TTS_BASE_URL", fake.httpBaseUrl()),
              "--out",
              wav.toString(),
              "Hello");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .startsWith("error: speech synthesis failed: ")
          .doesNotContain("\tat ")
          .doesNotContain(KEY);
      assertThat(r.err().strip().lines()).hasSize(1);
      assertThat(wav).doesNotExist();
      try (var listing = Files.list(dir)) {
        assertThat(listing).as("no temporary file left").isEmpty();
      }
    }
  }

  @Test
  void withoutAKeyItSpeaksWithTheEmbeddedVoice(@TempDir Path dir) throws Exception {
    Path wav = dir.resolve("offline.wav");
    CliRun r = withStdin(Map.of(), "Hello from the embedded voice.\n", "--out", wav.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("embedded offline voice", "FreeTTS");
    try (WavFile.Reader w = WavFile.open(wav)) {
      assertThat(w.format()).isEqualTo(AudioFormat.MONO_16K);
      short[] samples = w.readAll();
      assertThat(samples.length).as("about a second of speech").isGreaterThan(8_000);
      int peak = 0;
      for (short s : samples) {
        peak = Math.max(peak, Math.abs(s));
      }
      assertThat(peak).as("not silence").isGreaterThan(1_000);
    }
  }
}
