package dev.audiopipeline.benchmarks;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyTagTest {
  private final LatencyTag.Arrivals arrivals = new LatencyTag.Arrivals();
  private final long[] out = new long[2];

  @Test
  void aTagSplitAcrossReadsIsStampedWithTheReadThatCompletedIt() {
    LatencyTag.Scanner scanner = new LatencyTag.Scanner(arrivals);
    byte[] wire =
        ("{\"transcript\":\"speech 3 " + LatencyTag.format(4711, 1_700_000_000_000_000L) + "\"}")
            .getBytes(US_ASCII);
    int cut = new String(wire, US_ASCII).indexOf("47") + 1; // inside the sequence number
    scanner.scan(wire, 0, cut, 100, 1);
    assertThat(arrivals.lookup(4711, 1_000, out)).isFalse();
    scanner.scan(wire, cut, wire.length - cut, 200, 2);

    assertThat(arrivals.lookup(4711, 1_000, out)).isTrue();
    assertThat(out).containsExactly(200, 2);
  }

  @Test
  void lookalikesAreNotTags() {
    LatencyTag.Scanner scanner = new LatencyTag.Scanner(arrivals);
    byte[] wire = "zzq12y zq x zqzq7x".getBytes(US_ASCII);
    scanner.scan(wire, 0, wire.length, 5, 6);

    assertThat(arrivals.lookup(12, 10, out)).isFalse();
    assertThat(arrivals.lookup(7, 10, out)).isTrue();
    assertThat(out).containsExactly(5, 6);
  }

  @Test
  void aMessageSentTwiceAnswersWithTheLatestArrivalNotAfterOnNext() {
    arrivals.record(9, 100, 1);
    arrivals.record(9, 300, 3); // ElevenLabs: the same text again, with timestamps

    assertThat(arrivals.lookup(9, 200, out)).isTrue();
    assertThat(out).containsExactly(100, 1);
    assertThat(arrivals.lookup(9, 400, out)).isTrue();
    assertThat(out).containsExactly(300, 3);
  }

  @Test
  void theTextGivesItsLastTag() {
    String text =
        "speech 1 " + LatencyTag.format(5, 111) + " speech 2 " + LatencyTag.format(6, 222);

    assertThat(LatencyTag.lastSeq(text)).isEqualTo(6);
    assertThat(LatencyTag.lastMicros(text)).isEqualTo(222);
    assertThat(LatencyTag.lastSeq("speech 1")).isEqualTo(-1);
    assertThat(LatencyTag.lastSeq("zq12x")).isEqualTo(-1);
    assertThat(LatencyTag.lastSeq("zq12x34qz then zqx")).isEqualTo(12);
  }
}
