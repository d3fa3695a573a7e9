package dev.audiopipeline.benchmarks;

import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.FakeTranscriber;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fake provider server of {@link SttLoadHarness}, in a process of its own so that its CPU,
 * threads and heap are not counted in the measured JVM. Started by the harness with the same class
 * path; not meant to be run by hand.
 *
 * <p>Listens on 127.0.0.1 only (the fakes bind there), prints {@code FAKE-STT-URL
 * ws://127.0.0.1:<port>} on standard output once it accepts connections, and runs until its
 * standard input reaches end of file (the harness closes it, or dies: either way the fake does not
 * outlive it).
 *
 * <p>Every transcript text it sends carries a tag {@link LatencyTag#format} with a sequence number
 * unique in this process and the wall-clock time (epoch microseconds) when the text was made, so
 * that the harness can find the message on the wire and in {@code onNext}.
 */
public final class FakeSttServerProcess {
  /** The line prefix the harness waits for. */
  static final String READY = "FAKE-STT-URL ";

  private FakeSttServerProcess() {}

  /** {@code <deepgram|elevenlabs> <api key>}. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: FakeSttServerProcess deepgram|elevenlabs <made-up api key>");
      System.exit(64);
    }
    AtomicLong seq = new AtomicLong();
    FakeTranscriber tagging =
        (index, startMs, endMs, samples) ->
            "speech " + index + " " + LatencyTag.format(seq.incrementAndGet(), wallMicros());
    AutoCloseable server;
    String url;
    switch (args[0]) {
      case "deepgram" -> {
        FakeDeepgramServer s =
            FakeDeepgramServer.builder()
                .apiKey(args[1])
                .maxRecordedBytes(0)
                .idleTimeout(Duration.ofSeconds(30))
                .transcriber(tagging)
                .build();
        server = s;
        url = s.baseUrl();
      }
      case "elevenlabs" -> {
        FakeElevenLabsSttServer s =
            FakeElevenLabsSttServer.builder()
                .apiKey(args[1])
                .maxRecordedBytes(0)
                .transcriber(tagging)
                .build();
        server = s;
        url = s.baseUrl();
      }
      default -> {
        System.err.println("unknown provider " + args[0] + "; accepted: deepgram, elevenlabs");
        System.exit(64);
        return;
      }
    }
    System.out.println(READY + url);
    System.out.flush();
    InputStream in = System.in;
    try {
      while (in.read() >= 0) {
        // the harness never writes; EOF means it closed the pipe or is gone
      }
    } catch (IOException e) {
      // the pipe broke: the harness is gone
    }
    server.close();
    System.exit(0);
  }

  /** Wall-clock time in epoch microseconds (CLOCK_REALTIME on Linux, shared by all processes). */
  static long wallMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
