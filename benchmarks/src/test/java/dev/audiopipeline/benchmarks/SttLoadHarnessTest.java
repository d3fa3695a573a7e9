package dev.audiopipeline.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load harness end to end on a few speakers: the fake in its own process, figures only for work
 * that happened, the fake gone afterwards. Each run takes about 15 s (10 s window).
 */
class SttLoadHarnessTest {
  @TempDir Path dir;

  /** 16 kHz mono WAV: {@code seconds} of 1 s 440 Hz bursts at -12 dBFS and 0.5 s pauses. */
  private Path wav(String name, int seconds, boolean silent) throws IOException {
    int n = seconds * 16_000;
    ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes());
    b.put("fmt ".getBytes())
        .putInt(16)
        .putShort((short) 1)
        .putShort((short) 1)
        .putInt(16_000)
        .putInt(32_000)
        .putShort((short) 2)
        .putShort((short) 16);
    b.put("data".getBytes()).putInt(2 * n);
    for (int i = 0; i < n; i++) {
      boolean tone = !silent && (i % 24_000) < 16_000;
      b.putShort(tone ? (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0)) : 0);
    }
    Path p = dir.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  private static SttLoadHarness.Options options(Path wav, int speakers) {
    return SttLoadHarness.Options.parse(
        new String[] {
          "--speakers",
          "" + speakers,
          "--seconds",
          "10",
          "--warmup",
          "1",
          "--connect-timeout",
          "30",
          "--wav",
          wav.toString()
        });
  }

  private static void assertGone(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    assertThat(h.map(ProcessHandle::isAlive).orElse(false))
        .as("fake process %d alive", pid)
        .isFalse();
  }

  @Test
  @Timeout(120)
  void measuresEverySpeakersTranscriptsBothWaysAndStopsTheFake() throws Exception {
    SttLoadHarness.Result r = SttLoadHarness.run(options(wav("bursts.wav", 30, false), 3));

    assertThat(r.speakersHeard()).isEqualTo(3);
    assertThat(r.matched()).isPositive();
    if (r.overloaded() == null) { // a starved machine refuses frames: no send-side figure then
      assertThat(r.sendChunks()).isGreaterThan(3 * 10 * 20 * 9 / 10); // 20 chunks/s/speaker
    }
    assertGone(r.fakePid());
  }

  @Test
  @Timeout(120)
  void failsInsteadOfReportingWhenNoTranscriptArrives() throws Exception {
    Path silence = wav("silence.wav", 3, true);

    assertThatThrownBy(() -> SttLoadHarness.run(options(silence, 2)))
        .isInstanceOf(SttLoadHarness.HarnessFailure.class)
        .hasMessageContaining("2 of 2 speakers got no transcript");
    assertThat(
            ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("FakeSttServerProcess")))
        .isEmpty();
  }

  @Test
  void refusesAWindowTooShortToJudge() {
    assertThatThrownBy(() -> SttLoadHarness.Options.parse(new String[] {"--seconds", "5"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accepted: 10 or more");
    assertThatThrownBy(() -> SttLoadHarness.Options.parse(new String[] {"--provider", "x"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deepgram, elevenlabs");
  }
}
