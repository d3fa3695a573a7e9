package dev.audiopipeline.benchmarks;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Load and latency harness for the cloud STT path: N concurrent speakers in ONE {@link
 * TranscriptionSession} (one JVM), each streaming real speech in real time (20 ms frames, 16 kHz
 * mono, offered to its {@link AudioSink} from one driver thread as a room's audio thread would),
 * through {@code DeepgramSttProvider} or {@code ElevenLabsSttProvider} to the protocol-exact fake
 * server, which runs in a <b>separate process</b> the harness starts and stops ({@link
 * FakeSttServerProcess}, same class path, 127.0.0.1 only), so the fake's CPU, threads and heap are
 * not counted here.
 *
 * <p>Reports, over a fixed measured window after every speaker is connected and a warm-up:
 *
 * <ul>
 *   <li><b>latency the pipeline adds</b>: from the moment the provider's message is in our process
 *       (the client socket's {@code read} returns its bytes: {@link StampingSocketFactory}, before
 *       OkHttp parses the frame) to the subscriber's {@code onNext} with the transcript it
 *       produced, p50/p99/max, both instants from {@link System#nanoTime()} in this JVM. Messages
 *       are matched by a tag the fake writes into each transcript text ({@link LatencyTag}). For
 *       context also the fake's send → our socket read, and the fake's send → {@code onNext}: wall
 *       clock (epoch microseconds from {@link java.time.Instant#now()}, CLOCK_REALTIME, the same
 *       clock in both processes on one machine);
 *   <li><b>threads</b>: peak live threads of this JVM, and the live threads by name (digits folded
 *       to {@code #}) at the busiest sample;
 *   <li><b>heap per speaker</b>: used heap after a full GC at steady state (all speakers still
 *       streaming) minus the same before the session started, divided by N;
 *   <li>CPU of this JVM and of the fake's process over the window.
 * </ul>
 *
 * <p>It exits with status 2 and says why when it cannot connect every speaker, when a speaker gets
 * no transcript in the window, when transcripts stop arriving for 5 s, when the session fails, or
 * when no latency could be measured: it never reports figures for work that did not happen. It
 * exits with status 3 after printing the figures when the pipeline did not keep up (more than 1 %
 * of the frames refused, a reconnect, or the driver short of real time).
 *
 * <p>Also measured (Deepgram, which sends binary frames): the send side, frame offered to the sink
 * → the chunk it completes written to the socket, by following the client's WebSocket frames. The
 * first frame of speaker {@code s} has every sample {@code 1000 + s}, which names the socket.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar dev.audiopipeline.benchmarks.SttLoadHarness \
 *     --speakers 200 --seconds 60 [--provider deepgram|elevenlabs] [--warmup 5] [--wav file]
 * # 1,000 speakers: -Xmx3g (about 1.3 MB per speaker)
 * </pre>
 *
 * <p>Bounded: connecting may take {@code --connect-timeout} (default 120 s), then warm-up plus
 * {@code seconds}, then at most 60 s of closing; a watchdog ends the process after all that plus a
 * minute. Talks only to 127.0.0.1. Ctrl-C stops the fake process too (shutdown hook).
 */
public final class SttLoadHarness {
  private static final int RATE = 16_000;
  private static final int FRAME = 320; // 20 ms
  private static final int ID_BASE = 1000; // the first frame of speaker s: every sample ID_BASE + s
  private static final long BUCKET_NANOS = 5_000_000_000L; // "transcripts stop arriving" window
  private static final String API_KEY = "load-harness-made-up-key";
  static final int FAILED = 2;
  static final int OVERLOADED = 3;

  /** Above this share of refused frames (or with any reconnect) the run is "overloaded". */
  private static final double MAX_DROPPED = 0.01;

  static final int USAGE = 64;

  private SttLoadHarness() {}

  /** Options; see the class comment. */
  static final class Options {
    int speakers = 200;
    int seconds = 60;
    int warmup = 5;
    int connectTimeout = 120;
    String provider = "deepgram";
    @Nullable Path wav;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--speakers", "--sessions" -> o.speakers = positive(a, v);
          case "--seconds" -> o.seconds = positive(a, v);
          case "--warmup" -> o.warmup = Integer.parseInt(v);
          case "--connect-timeout" -> o.connectTimeout = positive(a, v);
          case "--provider" -> {
            if (!v.equals("deepgram") && !v.equals("elevenlabs")) {
              throw new IllegalArgumentException(
                  "--provider " + v + " is unknown; accepted: deepgram, elevenlabs");
            }
            o.provider = v;
          }
          case "--wav" -> o.wav = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (o.seconds < 10) {
        throw new IllegalArgumentException(
            "--seconds "
                + o.seconds
                + " is too short to say whether transcripts keep arriving; accepted: 10 or more");
      }
      if (o.warmup < 0) {
        throw new IllegalArgumentException("--warmup " + o.warmup + " is negative");
      }
      return o;
    }

    private static int positive(String name, String v) {
      int n = Integer.parseInt(v);
      if (n <= 0) {
        throw new IllegalArgumentException(name + " " + n + " must be positive");
      }
      return n;
    }
  }

  /** The run could not do the work it was asked to measure. */
  static final class HarnessFailure extends Exception {
    HarnessFailure(String message) {
      super(message);
    }
  }

  /**
   * What a finished run measured (the figures themselves are printed).
   *
   * @param matched transcripts in the window matched to their provider message
   * @param speakersHeard speakers with at least one transcript in the window
   * @param sendChunks audio chunks timed on the send side (0 when not measured)
   * @param fakePid the fake server's process, stopped when the run returns
   * @param overloaded why the pipeline did not keep up, or {@code null}
   */
  record Result(
      long matched, int speakersHeard, int sendChunks, long fakePid, @Nullable String overloaded) {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(
          "SttLoadHarness: "
              + e.getMessage()
              + "\naccepted: --speakers N (200)"
              + " --seconds S (60, >= 10) --warmup S (5) --connect-timeout S (120)"
              + " --provider deepgram|elevenlabs (deepgram) --wav FILE (16 kHz mono s16 WAV; default"
              + " the bundled interview, both voices mixed)");
      System.exit(USAGE);
      return;
    }
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep((o.connectTimeout + o.warmup + o.seconds + 120L) * 1000);
                System.err.println(
                    "SttLoadHarness FAILED: still running after every phase's bound");
                System.exit(FAILED);
              } catch (InterruptedException e) {
                // finished in time
              }
            },
            "load-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    int status;
    try {
      Result r = run(o);
      if (r.overloaded() != null) {
        System.err.println("SttLoadHarness OVERLOADED: " + r.overloaded());
        status = OVERLOADED;
      } else {
        status = 0;
      }
    } catch (HarnessFailure e) {
      System.err.println("SttLoadHarness FAILED: " + e.getMessage());
      status = FAILED;
    }
    System.exit(status);
  }

  static Result run(Options o) throws Exception {
    short[] speech = o.wav != null ? readWav(o.wav) : bundledInterview();
    int n = o.speakers;
    System.out.printf(
        Locale.ROOT,
        "SttLoadHarness: %s, %d speakers, %d s measured after %d s"
            + " warm-up; %d cores, Java %s (%s), -Xmx %d MB, load average %.2f%n",
        o.provider,
        n,
        o.seconds,
        o.warmup,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    if (Runtime.getRuntime().maxMemory() < n * 2L * 1024 * 1024 + (256L << 20)) {
      System.out.println(
          "warning: -Xmx may be too small (each speaker keeps a 30 s replay buffer,"
              + " about 1 MB); use about 2 MB per speaker + 256 MB");
    }
    try (FakeProcess fake = FakeProcess.start(o.provider)) {
      System.out.println("fake " + o.provider + " server: pid " + fake.pid() + " at " + fake.url);
      LatencyTag.Arrivals arrivals = new LatencyTag.Arrivals();
      SendSide send =
          new SendSide(
              n,
              (o.warmup + o.seconds + 10) * 50,
              (int) Math.min(Integer.MAX_VALUE - 8, (long) n * o.seconds * 25 + 1024));
      OkHttpClient client =
          new OkHttpClient.Builder()
              .socketFactory(new StampingSocketFactory(arrivals, send))
              .build();
      try (SttProvider provider = provider(o.provider, fake.url, client)) {
        return measure(o, provider, speech, arrivals, send, fake);
      } finally {
        client.connectionPool().evictAll();
      }
    }
  }

  private static SttProvider provider(String name, String url, OkHttpClient client) {
    if (name.equals("deepgram")) {
      return DeepgramSttProvider.builder()
          .apiKey(API_KEY)
          .baseUrl(url)
          .okHttpClient(client)
          .build();
    }
    return ElevenLabsSttProvider.builder()
        .apiKey(API_KEY)
        .baseUrl(url)
        .okHttpClient(client)
        .vadSilenceThresholdSecs(0.5)
        .build();
  }

  private static Result measure(
      Options o,
      SttProvider provider,
      short[] speech,
      LatencyTag.Arrivals arrivals,
      SendSide send,
      FakeProcess fake)
      throws Exception {
    int n = o.speakers;
    int capacity = (int) Math.min(Integer.MAX_VALUE - 8, (long) n * o.seconds * 8 + 1024);
    Recorder rec = new Recorder(n, capacity, arrivals, o.seconds);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    long heapBase = usedHeapAfterGc();
    int threadsBase = threads.getThreadCount();
    threads.resetPeakThreadCount();

    Metrics metrics = new Metrics();
    LoadSource source = new LoadSource(n);
    TranscriptionSession session =
        AudioPipeline.builder()
            .source(source)
            .stt(provider)
            .listener(metrics)
            .build()
            .startTranscription();
    long t0 = System.nanoTime();
    session.subscribe(rec);

    // every speaker connected before audio starts (a room whose participants are all in)
    long deadline = t0 + TimeUnit.SECONDS.toNanos(o.connectTimeout);
    while (metrics.connected.size() < n
        && System.nanoTime() < deadline
        && rec.error.get() == null
        && !session.completion().toCompletableFuture().isDone()) {
      Thread.sleep(50);
    }
    double connectSecs = (System.nanoTime() - t0) / 1e9;
    int connected = metrics.connected.size();
    if (connected < n) {
      closeQuietly(session);
      throw new HarnessFailure(
          "only "
              + connected
              + " of "
              + n
              + " speakers"
              + " connected within "
              + o.connectTimeout
              + " s"
              + errorSuffix(rec));
    }
    System.out.printf(
        Locale.ROOT,
        "connected %d/%d speakers in %.1f s (%d live threads)%n",
        n,
        n,
        connectSecs,
        threads.getThreadCount());

    ScheduledExecutorService driver =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "load-driver");
              t.setDaemon(true);
              return t;
            });
    Driver d = new Driver(source, speech, System.nanoTime(), send);
    driver.scheduleAtFixedRate(d, 0, 20, TimeUnit.MILLISECONDS);
    ThreadCensus census = new ThreadCensus(threads);
    try {
      Thread.sleep(o.warmup * 1000L);
      long offered0 = d.offered.get();
      long refused0 = d.dropped.get();
      long cpu0 = os.getProcessCpuTime();
      long fakeCpu0 = fake.cpuNanos();
      long w0 = System.nanoTime();
      rec.startWindow(w0);
      send.startWindow(w0);
      long end = w0 + TimeUnit.SECONDS.toNanos(o.seconds);
      while (System.nanoTime() < end) {
        census.sample();
        Thread.sleep(Math.max(1, Math.min(5_000, (end - System.nanoTime()) / 1_000_000)));
        if (rec.error.get() != null || session.completion().toCompletableFuture().isDone()) {
          break;
        }
      }
      rec.endWindow();
      send.endWindow(System.nanoTime());
      long wall = System.nanoTime() - w0;
      long cpu = os.getProcessCpuTime() - cpu0;
      long fakeCpu = fake.cpuNanos() - fakeCpu0;
      long offered = d.offered.get() - offered0;
      long refused = d.dropped.get() - refused0;
      census.sample();
      // steady state: every speaker still streaming (the driver keeps going)
      long heapSteady = usedHeapAfterGc();

      Throwable error = rec.error.get();
      if (error != null || session.completion().toCompletableFuture().isDone()) {
        throw new HarnessFailure(
            "the session ended during the measurement" + (error != null ? ": " + error : ""));
      }
      rec.check(n, o.seconds, metrics);
      report(
          o,
          rec,
          metrics,
          census,
          threads.getPeakThreadCount(),
          threadsBase,
          heapBase,
          heapSteady,
          cpu,
          fakeCpu,
          wall,
          offered,
          refused,
          send);
      long expected = (long) n * wall / 20_000_000L;
      String overloaded = null;
      if (refused > offered * MAX_DROPPED
          || metrics.reconnects.get() > 0
          || offered < expected * (1 - MAX_DROPPED)) {
        overloaded =
            String.format(
                Locale.ROOT,
                "the pipeline did not keep up: %.1f %% of"
                    + " the audio frames in the window were refused by full buffers, %d reconnects,"
                    + " the driver offered %.1f %% of real time (its thread starved); the figures"
                    + " above are those of an overloaded JVM",
                100.0 * refused / Math.max(1, offered),
                metrics.reconnects.get(),
                100.0 * offered / Math.max(1, expected));
      }
      boolean sendMeasured = refused == 0 && metrics.reconnects.get() == 0 && !send.broken();
      return new Result(
          rec.samples(),
          rec.speakersHeard(),
          sendMeasured ? send.sorted().length : 0,
          fake.pid(),
          overloaded);
    } finally {
      driver.shutdownNow();
      closeQuietly(session);
    }
  }

  private static String errorSuffix(Recorder rec) {
    Throwable e = rec.error.get();
    return e == null ? "" : " (session failed: " + e + ")";
  }

  private static void closeQuietly(TranscriptionSession session) {
    Thread closer = new Thread(session::close, "load-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      System.err.println("warning: the session did not close within 60 s");
    }
  }

  private static void report(
      Options o,
      Recorder rec,
      Metrics metrics,
      ThreadCensus census,
      int peakThreads,
      int threadsBase,
      long heapBase,
      long heapSteady,
      long cpu,
      long fakeCpu,
      long wall,
      long offered,
      long refused,
      SendSide send) {
    int n = o.speakers;
    long[] pipe = rec.pipelineNanos();
    long[] wire = rec.wireMicros();
    long[] e2e = rec.endToEndMicros();
    System.out.printf(
        Locale.ROOT,
        "transcripts in the %d s window: %d (%d finals) from %d/%d"
            + " speakers; matched to their message: %d, unmatched: %d%n",
        o.seconds,
        rec.count.get(),
        rec.finals.get(),
        rec.speakersHeard(),
        n,
        pipe.length,
        rec.unmatched.get());
    System.out.printf(
        Locale.ROOT,
        "pipeline adds (socket read of the provider's message ->"
            + " onNext): p50 %.2f ms  p99 %.2f ms  max %.2f ms%n",
        pct(pipe, 0.50) / 1e6,
        pct(pipe, 0.99) / 1e6,
        max(pipe) / 1e6);
    System.out.printf(
        Locale.ROOT,
        "  for context, wall clock: fake's send -> socket read p50 %.2f"
            + " p99 %.2f max %.2f ms; fake's send -> onNext p50 %.2f p99 %.2f max %.2f ms%n",
        pct(wire, 0.50) / 1e3,
        pct(wire, 0.99) / 1e3,
        max(wire) / 1e3,
        pct(e2e, 0.50) / 1e3,
        pct(e2e, 0.99) / 1e3,
        max(e2e) / 1e3);
    long[] out = send.sorted();
    if (refused > 0 || metrics.reconnects.get() > 0 || send.broken()) {
      System.out.println(
          "send side (frame offered to the sink -> its audio written to the socket):"
              + " not measured: "
              + (refused > 0 || metrics.reconnects.get() > 0
                  ? "frames were refused or a speaker reconnected"
                  : send.why())
              + " (socket byte counts are not audio positions)");
    } else {
      System.out.printf(
          Locale.ROOT,
          "send side (frame offered to the sink -> the audio chunk it"
              + " completes written to the socket), %d chunks: min %.2f ms  p50 %.2f ms  p99 %.2f ms"
              + "  max %.2f ms (driver tick of %d speakers: p99 %.2f ms)%n",
          out.length,
          (out.length == 0 ? 0 : out[0]) / 1e6,
          pct(out, 0.50) / 1e6,
          pct(out, 0.99) / 1e6,
          max(out) / 1e6,
          n,
          send.tickP99() / 1e6);
    }
    System.out.printf(
        Locale.ROOT,
        "threads: peak %d live (%d before the session); busiest" + " sample %d: %s%n",
        peakThreads,
        threadsBase,
        census.busiestTotal,
        census.busiest());
    System.out.printf(
        Locale.ROOT,
        "heap per speaker: %.2f MB (used after GC at steady state %d MB"
            + " - before the session %d MB, / %d)%n",
        (heapSteady - heapBase) / 1e6 / n,
        heapSteady >> 20,
        heapBase >> 20,
        n);
    System.out.printf(
        Locale.ROOT,
        "load average at the end of the window: %.2f%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf(
        Locale.ROOT,
        "CPU over the window: this JVM %.0f%% of one core, fake process"
            + " %.0f%%; reconnects %d (whole run); frames refused by full buffers %d of %d offered"
            + " in the window (%.2f %%); samples the pipeline reported dropped (whole run): %s%n",
        100.0 * cpu / wall,
        100.0 * fakeCpu / wall,
        metrics.reconnects.get(),
        refused,
        offered,
        100.0 * refused / Math.max(1, offered),
        new TreeMap<>(metrics.dropped));
    double goal = n <= 200 ? 20 : 50;
    double p99 = pct(pipe, 0.99) / 1e6;
    System.out.printf(
        Locale.ROOT,
        "goal p99 < %.0f ms at %d speakers: %s (%.2f ms)%n",
        goal,
        n,
        p99 < goal ? "met" : "MISSED",
        p99);
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  private static long max(long[] sorted) {
    return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
  }

  /** Transcripts seen by the subscriber, and their latencies inside the measured window. */
  static final class Recorder implements Flow.Subscriber<Transcript> {
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final AtomicLong count = new AtomicLong();
    final AtomicLong finals = new AtomicLong();
    final AtomicLong unmatched = new AtomicLong();
    private final LatencyTag.Arrivals arrivals;
    private final long[] pipeline;
    private final long[] wire;
    private final long[] endToEnd;
    private final AtomicInteger samples = new AtomicInteger();
    private final AtomicIntegerArray perSpeaker;
    private final AtomicIntegerArray perBucket;
    private final ThreadLocal<long[]> scratch = ThreadLocal.withInitial(() -> new long[2]);
    private volatile long windowStart;
    private volatile boolean measuring;

    Recorder(int speakers, int capacity, LatencyTag.Arrivals arrivals, int seconds) {
      this.arrivals = arrivals;
      this.pipeline = new long[capacity];
      this.wire = new long[capacity];
      this.endToEnd = new long[capacity];
      this.perSpeaker = new AtomicIntegerArray(speakers);
      this.perBucket = new AtomicIntegerArray((int) (seconds * 1_000_000_000L / BUCKET_NANOS) + 2);
    }

    void startWindow(long nanos) {
      windowStart = nanos;
      measuring = true;
    }

    void endWindow() {
      measuring = false;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Transcript t) {
      long now = System.nanoTime();
      long wallNow = FakeSttServerProcess.wallMicros();
      if (!measuring) {
        return;
      }
      count.incrementAndGet();
      if (t.isFinal()) {
        finals.incrementAndGet();
      }
      int bucket = (int) ((now - windowStart) / BUCKET_NANOS);
      if (bucket < perBucket.length()) {
        perBucket.incrementAndGet(bucket);
      }
      int speaker = LoadSource.index(t.participantIdentity());
      if (speaker >= 0 && speaker < perSpeaker.length()) {
        perSpeaker.incrementAndGet(speaker);
      }
      long seq = LatencyTag.lastSeq(t.text());
      long[] arrival = scratch.get();
      if (seq < 0 || !arrivals.lookup(seq, now, arrival)) {
        unmatched.incrementAndGet();
        return;
      }
      int k = samples.getAndIncrement();
      if (k < pipeline.length) {
        long sent = LatencyTag.lastMicros(t.text());
        pipeline[k] = now - arrival[0];
        wire[k] = arrival[1] - sent;
        endToEnd[k] = wallNow - sent;
      }
    }

    @Override
    public void onError(Throwable e) {
      error.compareAndSet(null, e);
    }

    @Override
    public void onComplete() {}

    private long[] sorted(long[] a) {
      long[] s = Arrays.copyOf(a, Math.min(samples.get(), a.length));
      Arrays.sort(s);
      return s;
    }

    long[] pipelineNanos() {
      return sorted(pipeline);
    }

    long[] wireMicros() {
      return sorted(wire);
    }

    long[] endToEndMicros() {
      return sorted(endToEnd);
    }

    long samples() {
      return samples.get();
    }

    int speakersHeard() {
      int heard = 0;
      for (int i = 0; i < perSpeaker.length(); i++) {
        heard += perSpeaker.get(i) > 0 ? 1 : 0;
      }
      return heard;
    }

    /** Fails unless every speaker was heard, transcripts kept coming, and latency was measured. */
    void check(int n, int seconds, Metrics metrics) throws HarnessFailure {
      int heard = speakersHeard();
      if (heard < n) {
        throw new HarnessFailure(
            (n - heard)
                + " of "
                + n
                + " speakers got no transcript in the "
                + seconds
                + " s window ("
                + metrics.connected.size()
                + " connected, "
                + metrics.reconnects.get()
                + " reconnects)");
      }
      int full = (int) (seconds * 1_000_000_000L / BUCKET_NANOS);
      for (int b = 0; b < full; b++) {
        if (perBucket.get(b) == 0) {
          throw new HarnessFailure(
              "transcripts stopped arriving: none between "
                  + b * 5
                  + " s and "
                  + (b + 1) * 5
                  + " s of the window");
        }
      }
      if (samples.get() == 0) {
        throw new HarnessFailure(
            "no transcript could be matched to its provider message ("
                + unmatched.get()
                + " unmatched): the latency tag was not seen on the socket");
      }
      if (samples.get() > pipeline.length) {
        throw new HarnessFailure(
            "more transcripts than the "
                + pipeline.length
                + " the recorder holds: raise its capacity");
      }
    }
  }

  /**
   * Send-side latency: driver frame {@code f} is offered to every speaker's sink at tick {@code f};
   * a connection's audio byte count at the end of each binary frame it writes gives the last driver
   * frame in it (every connection's audio starts with frame 0: all speakers are connected before
   * the driver starts, nothing is refused, nobody reconnects), and the chunk's latency is its write
   * time minus that frame's tick. One chunk per 50 ms per speaker.
   */
  static final class SendSide implements StampingSocketFactory.AudioWrites {
    private final int speakers;
    private final int frames;
    private final int[] offerMicros; // [speaker * frames + frame]: offer time - tick, micros
    private final java.util.concurrent.atomic.AtomicLongArray ticks;
    private final long[] tickCost;
    private final long[] latencies;
    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean compressed;
    private volatile boolean negative;
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private int tickCount;

    SendSide(int speakers, int maxTicks, int capacity) {
      this.speakers = speakers;
      this.frames = maxTicks;
      this.offerMicros = new int[speakers * maxTicks];
      this.ticks = new java.util.concurrent.atomic.AtomicLongArray(maxTicks);
      this.tickCost = new long[maxTicks];
      this.latencies = new long[capacity];
    }

    void tick(long index, long nanos) {
      if (index < ticks.length()) {
        ticks.set((int) index, nanos);
      }
    }

    /** Speaker {@code s} is about to be offered frame {@code index} of the tick at {@code tick}. */
    void offering(int s, long index, long tick) {
      if (index < frames) {
        offerMicros[s * frames + (int) index] = (int) ((System.nanoTime() - tick) / 1_000);
      }
    }

    void tickCost(long index, long nanos) {
      if (index < ticks.length()) {
        tickCost[(int) index] = nanos;
        tickCount = (int) index + 1;
      }
    }

    void startWindow(long nanos) {
      windowStart = nanos;
    }

    void endWindow(long nanos) {
      windowEnd = nanos;
    }

    @Override
    public void written(int id, long audioBytes, long nanos) {
      long sample = audioBytes / 2;
      int s = id - ID_BASE;
      if (sample == 0) {
        return;
      }
      if (s < 0 || s >= speakers) {
        negative = true; // not our first frame: the mapping is wrong
        return;
      }
      long f = (sample - 1) / FRAME;
      if (f >= frames) {
        return;
      }
      long tick = ticks.get((int) f);
      long offered = tick + offerMicros[s * frames + (int) f] * 1_000L;
      if (tick == 0) {
        negative = true; // audio written for a frame not yet offered: the mapping is wrong
        return;
      }
      if (tick < windowStart || tick >= windowEnd) {
        return;
      }
      int k = count.getAndIncrement();
      if (k < latencies.length) {
        latencies[k] = nanos - offered;
      }
    }

    @Override
    public void compressed() {
      compressed = true;
    }

    boolean broken() {
      return compressed || negative || count.get() == 0;
    }

    String why() {
      return compressed
          ? "frames were compressed"
          : negative
              ? "audio was written for a frame not yet offered, or for no known speaker"
              : "no binary audio frame seen (ElevenLabs sends audio as JSON text)";
    }

    long[] sorted() {
      long[] s = Arrays.copyOf(latencies, Math.min(count.get(), latencies.length));
      Arrays.sort(s);
      return s;
    }

    /** p99 of the driver's loop over all sinks (a speaker late in the loop waits that long). */
    long tickP99() {
      long[] c = Arrays.copyOf(tickCost, tickCount);
      Arrays.sort(c);
      return pct(c, 0.99);
    }
  }

  /** Connections, reconnects and drops the pipeline reports. */
  static final class Metrics implements PipelineListener {
    final Set<String> connected = ConcurrentHashMap.newKeySet();
    final AtomicLong reconnects = new AtomicLong();

    /** Samples the pipeline reported dropped, by where (whole run). */
    final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();

    @Override
    public void connectEnd(String provider, String streamId, Duration took) {
      connected.add(streamId);
    }

    @Override
    public void reconnect(String provider, String streamId, int attempt, Throwable cause) {
      reconnects.incrementAndGet();
    }

    @Override
    public void audioDropped(String streamId, long samples, String where) {
      dropped.computeIfAbsent(where, w -> new AtomicLong()).addAndGet(samples);
    }
  }

  /** N live speakers, each a 16 kHz mono stream fed by the {@link Driver}. */
  static final class LoadSource implements AudioSource {
    private static final String PREFIX = "speaker-";
    private static final AudioFormat FORMAT = AudioFormat.mono(RATE);
    final AudioSink[] sinks;
    volatile long startNanos;
    private volatile boolean closed;

    LoadSource(int n) {
      this.sinks = new AudioSink[n];
    }

    static int index(String identity) {
      if (!identity.startsWith(PREFIX)) {
        return -1;
      }
      try {
        return Integer.parseInt(identity.substring(PREFIX.length()));
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    @Override
    public void start(Listener listener) {
      startNanos = System.nanoTime();
      for (int i = 0; i < sinks.length; i++) {
        int k = i;
        listener.speakerJoined(
            new SpeakerStream() {
              @Override
              public String id() {
                return "s" + k;
              }

              @Override
              public String identity() {
                return PREFIX + k;
              }

              @Override
              public AudioFormat format() {
                return FORMAT;
              }

              @Override
              public void start(AudioSink sink) {
                sinks[k] = sink;
              }
            });
      }
    }

    boolean closed() {
      return closed;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Every 20 ms, one frame to every speaker, each at its own place in the speech. */
  static final class Driver implements Runnable {
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong offered = new AtomicLong();
    private final LoadSource source;
    private final short[] speech;
    private final long startNanos;
    private final short[] frame = new short[FRAME];
    private long index;

    private final SendSide send;

    Driver(LoadSource source, short[] speech, long startNanos, SendSide send) {
      this.source = source;
      this.speech = speech;
      this.startNanos = startNanos;
      this.send = send;
    }

    @Override
    public void run() {
      if (source.closed()) {
        return;
      }
      // the source's timeline: microseconds since the source started, frame by frame
      long ts = (startNanos - source.startNanos) / 1_000 + index * 20_000;
      long tick = System.nanoTime();
      send.tick(index, tick); // before the first offer: a drain thread may write at once
      for (int s = 0; s < source.sinks.length; s++) {
        AudioSink sink = source.sinks[s];
        if (sink == null) {
          continue;
        }
        if (index == 0) {
          // the first frame names its speaker, so a socket's audio can be told apart
          Arrays.fill(frame, (short) (ID_BASE + s));
        } else {
          // each speaker at a different place in the speech, so they do not speak in lockstep
          long start = (index * FRAME + (long) s * 7919 * FRAME) % (speech.length - FRAME);
          System.arraycopy(speech, (int) start, frame, 0, FRAME);
        }
        offered.incrementAndGet();
        send.offering(s, index, tick);
        if (!sink.offer(frame, 0, FRAME, ts)) {
          dropped.incrementAndGet();
        }
      }
      send.tickCost(index, System.nanoTime() - tick);
      index++;
    }
  }

  /** Live threads by name with digits folded, at the sample with the most threads. */
  static final class ThreadCensus {
    private final ThreadMXBean mx;
    int busiestTotal;
    private Map<String, Integer> busiest = Map.of();

    ThreadCensus(ThreadMXBean mx) {
      this.mx = mx;
    }

    void sample() {
      ThreadInfo[] all = mx.dumpAllThreads(false, false, 0);
      if (all.length < busiestTotal) {
        return;
      }
      Map<String, Integer> byName = new TreeMap<>();
      for (ThreadInfo t : all) {
        if (t != null) {
          byName.merge(t.getThreadName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
      }
      busiestTotal = all.length;
      busiest = byName;
    }

    String busiest() {
      List<Map.Entry<String, Integer>> e = new ArrayList<>(busiest.entrySet());
      e.sort((a, b) -> b.getValue() - a.getValue());
      StringBuilder sb = new StringBuilder();
      int other = 0;
      for (int i = 0; i < e.size(); i++) {
        if (i < 10) {
          sb.append(i == 0 ? "" : ", ")
              .append(e.get(i).getKey())
              .append(" ")
              .append(e.get(i).getValue());
        } else {
          other += e.get(i).getValue();
        }
      }
      return sb.append(other > 0 ? ", other " + other : "").toString();
    }
  }

  /**
   * The fake server's process: same Java, same class path, {@link FakeSttServerProcess} as main.
   * Closing it (or this JVM's shutdown, Ctrl-C included) closes its standard input, which ends it;
   * it is destroyed if it has not gone 3 s later.
   */
  static final class FakeProcess implements AutoCloseable {
    final String url;
    private final Process process;
    private final Thread hook;

    private FakeProcess(Process process, String url) {
      this.process = process;
      this.url = url;
      this.hook = new Thread(this::stop, "load-fake-stop");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    static FakeProcess start(String provider) throws IOException, HarnessFailure {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
                  java,
                  "-Xmx1g",
                  "-cp",
                  System.getProperty("java.class.path"),
                  FakeSttServerProcess.class.getName(),
                  provider,
                  API_KEY)
              .redirectErrorStream(true);
      Process p = pb.start();
      CompletableFuture<String> ready = new CompletableFuture<>();
      Thread out =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    if (!ready.isDone() && line.startsWith(FakeSttServerProcess.READY)) {
                      ready.complete(line.substring(FakeSttServerProcess.READY.length()).trim());
                    } else if (!line.startsWith("SLF4J")) {
                      System.err.println("[fake] " + line);
                    }
                  }
                } catch (IOException e) {
                  // the process is gone
                }
                ready.completeExceptionally(new IOException("the fake's output ended"));
              },
              "load-fake-output");
      out.setDaemon(true);
      out.start();
      try {
        String url = ready.get(60, TimeUnit.SECONDS);
        if (!url.startsWith("ws://127.0.0.1:")) {
          p.destroyForcibly();
          throw new HarnessFailure("the fake server reported " + url + ", not a 127.0.0.1 URL");
        }
        return new FakeProcess(p, url);
      } catch (Exception e) {
        p.destroyForcibly();
        if (e instanceof HarnessFailure h) {
          throw h;
        }
        throw new HarnessFailure(
            "the fake server process did not start within 60 s: "
                + e
                + (p.isAlive() ? "" : " (exit status " + p.exitValue() + ")"));
      }
    }

    long pid() {
      return process.pid();
    }

    long cpuNanos() {
      return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    private void stop() {
      try {
        process.getOutputStream().close();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
        }
      } catch (IOException | InterruptedException e) {
        process.destroyForcibly();
      }
    }

    @Override
    public void close() {
      stop();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs stop() again, harmlessly
      }
    }
  }

  /** The bundled interview's two voices mixed: speech almost all the time. */
  private static short[] bundledInterview() throws IOException {
    Path dir = Path.of("examples/src/main/resources/interview");
    short[] a = readWav(dir.resolve("recruiter.wav"));
    short[] b = readWav(dir.resolve("candidate.wav"));
    short[] mix = new short[Math.max(a.length, b.length)];
    for (int i = 0; i < mix.length; i++) {
      int v = (i < a.length ? a[i] : 0) + (i < b.length ? b[i] : 0);
      mix[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }
    return mix;
  }

  private static short[] readWav(Path wav) throws IOException {
    if (!Files.isReadable(wav)) {
      throw new IOException(wav + " is not readable (run from the repository root, or give --wav)");
    }
    byte[] b = Files.readAllBytes(wav);
    // find the "data" chunk of a 16 kHz mono s16le WAV
    int pos = 12;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, StandardCharsets.US_ASCII);
      int size = ByteBuffer.wrap(b, pos + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (id.equals("data")) {
        short[] s = new short[Math.min(size, b.length - pos - 8) / 2];
        ByteBuffer.wrap(b, pos + 8, s.length * 2)
            .order(ByteOrder.LITTLE_ENDIAN)
            .asShortBuffer()
            .get(s);
        if (s.length < RATE) {
          throw new IOException(wav + ": less than one second of audio");
        }
        return s;
      }
      pos += 8 + size + (size & 1);
    }
    throw new IOException(wav + ": no data chunk (need a 16 kHz mono s16le WAV)");
  }
}
