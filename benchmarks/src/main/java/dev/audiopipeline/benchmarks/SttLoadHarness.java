package dev.audiopipeline.benchmarks;

import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.testing.FakeConnection;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load and latency harness for the cloud STT providers: N concurrent speaker sessions stream real
 * speech (the bundled interview) in real time, 20 ms frames, into the protocol-exact fake server
 * on loopback. Reports, per provider:
 *
 * <ul>
 *   <li>p50/p99/max of "frame handed to {@code SttSession.send} → its 50 ms chunk read by the
 *       server" (includes the chunking wait, so a chunk's latency is measured from the send of the
 *       frame that completed it);
 *   <li>process CPU (% of one core, and per session);
 *   <li>heap per session (used heap after GC with all sessions still open after streaming, minus
 *       before, divided by N; the fake server runs in the same JVM, so this includes its per-connection state).
 * </ul>
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.audiopipeline.benchmarks.SttLoadHarness \
 *     [--sessions 200] [--seconds 20] [--provider deepgram|elevenlabs|both] [--wav file]
 * </pre>
 *
 * <p>Bounded: it runs for {@code seconds} of audio plus at most 60 s of finishing, talks only to
 * 127.0.0.1, and stops by itself.
 */
public final class SttLoadHarness {
  private static final int RATE = 16_000;
  private static final int FRAME = 320; // 20 ms
  private static final int CHUNK_BYTES = 1600; // 50 ms, the providers' default chunk
  private static final int WARMUP_FRAMES = 50; // the first second is not measured

  private SttLoadHarness() {}

  public static void main(String[] args) throws Exception {
    int sessions = 200;
    int seconds = 20;
    String which = "both";
    Path wav = Path.of("examples/src/main/resources/interview/recruiter.wav");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sessions" -> sessions = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--provider" -> which = args[++i];
        case "--wav" -> wav = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; accepted: --sessions N --seconds S --provider deepgram|elevenlabs|both --wav F");
      }
    }
    short[] speech = readWav(wav);
    System.out.printf(Locale.ROOT, "%d sessions x %d s of %s, %d cores, java %s%n", sessions,
        seconds, wav.getFileName(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    if (which.equals("deepgram") || which.equals("both")) {
      try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey("load-key")
          .maxRecordedBytes(0).build();
          DeepgramSttProvider p = DeepgramSttProvider.builder().apiKey("load-key")
              .baseUrl(server.baseUrl()).build()) {
        run("deepgram", p, server::audioListener, speech, sessions, seconds);
      }
    }
    if (which.equals("elevenlabs") || which.equals("both")) {
      try (FakeElevenLabsSttServer server = FakeElevenLabsSttServer.builder().apiKey("load-key")
          .maxRecordedBytes(0).build();
          ElevenLabsSttProvider p = ElevenLabsSttProvider.builder().apiKey("load-key")
              .baseUrl(server.baseUrl()).vadSilenceThresholdSecs(0.5).build()) {
        run("elevenlabs", p, server::audioListener, speech, sessions, seconds);
      }
    }
  }

  interface ListenerHook {
    void set(dev.audiopipeline.testing.FakeAudioListener l);
  }

  private static void run(String name, SttProvider provider, ListenerHook hook, short[] speech,
      int n, int seconds) throws Exception {
    int frames = seconds * RATE / FRAME;
    long[][] sendNanos = new long[n][frames];
    long[] latencies = new long[n * (seconds * 20 + 4)];
    AtomicInteger latencyCount = new AtomicInteger();
    Map<FakeConnection, int[]> connToSession = new ConcurrentHashMap<>();
    Map<FakeConnection, long[]> connBytes = new ConcurrentHashMap<>();
    hook.set((conn, pcm, off, len, t) -> {
      int[] id = connToSession.get(conn);
      long[] bytes = connBytes.computeIfAbsent(conn, c -> new long[1]);
      if (id == null) {
        // the first frame of each session carries its id in every sample
        int sid = (short) ((pcm[off] & 0xff) | (pcm[off + 1] << 8)) - 1000;
        if (sid < 0 || sid >= n) {
          return;
        }
        id = new int[] {sid};
        connToSession.put(conn, id);
      }
      long before = bytes[0];
      bytes[0] += len;
      // every chunk completed by this payload: latency from the send of the frame completing it
      for (long end = (before / CHUNK_BYTES + 1) * CHUNK_BYTES; end <= bytes[0];
          end += CHUNK_BYTES) {
        int frame = (int) ((end / 2 - 1) / FRAME);
        if (frame >= WARMUP_FRAMES && frame < frames) {
          long sent = sendNanos[id[0]][frame];
          int k = latencyCount.getAndIncrement();
          if (sent != 0 && k < latencies.length) {
            latencies[k] = t - sent;
          }
        }
      }
    });

    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = mem.getHeapMemoryUsage().getUsed();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long wallBefore = System.nanoTime();

    List<SttSession> open = new ArrayList<>();
    AtomicLong finals = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicLong reconnects = new AtomicLong();
    CountDownLatch connected = new CountDownLatch(n);
    dev.audiopipeline.PipelineListener metrics = new dev.audiopipeline.PipelineListener() {
      @Override
      public void connectEnd(String provider, String streamId, Duration took) {
        connected.countDown();
      }
    };
    for (int i = 0; i < n; i++) {
      open.add(provider.openSession(new SttSessionOptions("s" + i, "s" + i, null, metrics), e -> {
        if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
          finals.incrementAndGet();
        } else if (e instanceof TranscriptEvent.Failed) {
          failures.incrementAndGet();
        } else if (e instanceof TranscriptEvent.Reconnecting) {
          reconnects.incrementAndGet();
        }
      }));
    }
    // steady state: measure once every session is connected
    if (!connected.await(60, TimeUnit.SECONDS)) {
      System.out.println(name + ": only " + (n - connected.getCount()) + " of " + n + " connected");
    }
    ScheduledExecutorService driver = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "load-driver");
      t.setDaemon(true);
      return t;
    });
    AtomicInteger frameIndex = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    short[] frame = new short[FRAME];
    ScheduledFuture<?> task = driver.scheduleAtFixedRate(() -> {
      int f = frameIndex.getAndIncrement();
      if (f >= frames) {
        done.countDown();
        return;
      }
      for (int s = 0; s < n; s++) {
        if (f == 0) {
          Arrays.fill(frame, (short) (1000 + s));
        } else {
          // each session at a different place in the speech, so they do not speak in lockstep
          int start = (int) (((long) f * FRAME + (long) s * 7919 * FRAME) % (speech.length - FRAME));
          System.arraycopy(speech, start, frame, 0, FRAME);
        }
        sendNanos[s][f] = System.nanoTime();
        open.get(s).send(frame, 0, FRAME);
      }
    }, 0, 20, TimeUnit.MILLISECONDS);
    done.await(seconds + 30L, TimeUnit.SECONDS);
    task.cancel(false);
    driver.shutdownNow();
    long wall = System.nanoTime() - wallBefore;
    long cpu = os.getProcessCpuTime() - cpuBefore;
    // heap with every session still open (a GC while streaming would pause the measurement)
    System.gc();
    long heapMid = mem.getHeapMemoryUsage().getUsed();
    List<java.util.concurrent.CompletableFuture<Void>> ends = new ArrayList<>();
    for (SttSession s : open) {
      ends.add(s.finish(Duration.ofSeconds(20)).toCompletableFuture());
    }
    for (java.util.concurrent.CompletableFuture<Void> e : ends) {
      try {
        e.get(60, TimeUnit.SECONDS);
      } catch (Exception ex) {
        failures.incrementAndGet();
      }
    }

    int count = Math.min(latencyCount.get(), latencies.length);
    long[] lat = Arrays.copyOf(latencies, count);
    Arrays.sort(lat);
    System.out.printf(Locale.ROOT, "%-10s sessions=%d chunks=%d p50=%.2f ms p99=%.2f ms max=%.2f ms"
            + " | cpu=%.0f%% of one core (%.2f%% per session) | heap/session=%.2f MB"
            + " | finals=%d reconnects=%d failures=%d%n",
        name, n, count, pct(lat, 0.50), pct(lat, 0.99), lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6,
        100.0 * cpu / wall, 100.0 * cpu / wall / n, (heapMid - heapBefore) / 1e6 / n,
        finals.get(), reconnects.get(), failures.get());
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] / 1e6;
  }

  private static short[] readWav(Path wav) throws Exception {
    byte[] b = Files.readAllBytes(wav);
    // find the "data" chunk of a 16 kHz mono s16le WAV
    int pos = 12;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
      int size = ByteBuffer.wrap(b, pos + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (id.equals("data")) {
        short[] s = new short[Math.min(size, b.length - pos - 8) / 2];
        ByteBuffer.wrap(b, pos + 8, s.length * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer()
            .get(s);
        return s;
      }
      pos += 8 + size + (size & 1);
    }
    throw new IllegalArgumentException(wav + ": no data chunk (need 16 kHz mono s16le WAV)");
  }
}
