package dev.audiopipeline.benchmarks;

import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.WordErrorRate;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Real-time factor, heap and word error rate of the embedded recogniser with 1 or 2 concurrent
 * speakers of the bundled interview, each decoded as fast as it goes on its own session.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -Xmx1500m -cp benchmarks/target/benchmarks.jar \
 *     dev.audiopipeline.benchmarks.SphinxRealTimeFactor --speakers 2
 * </pre>
 *
 * <p>RTF (wall) = time from the first sample sent to the session's last final, over the audio's
 * length; RTF (CPU) = CPU time of the session's decoding thread over the audio's length. Heap is
 * the used heap after a full GC with the recognisers loaded and after the run, and the peak used
 * heap sampled every 50 ms (garbage included) within the {@code -Xmx} given.
 */
public final class SphinxRealTimeFactor {
  private SphinxRealTimeFactor() {}

  public static void main(String[] args) throws Exception {
    int speakers = 2;
    Path dir = Path.of("examples/src/main/resources/interview");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--speakers" -> speakers = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + ": accepted --speakers 1|2, --dir DIR");
      }
    }
    if (speakers < 1 || speakers > 2) {
      throw new IllegalArgumentException("--speakers " + speakers + ": accepted 1 or 2");
    }
    List<String> names = speakers == 1 ? List.of("candidate") : List.of("recruiter", "candidate");
    List<String> script = Files.readAllLines(dir.resolve("script.tsv"), StandardCharsets.UTF_8);
    var mem = ManagementFactory.getMemoryMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    System.out.printf(
        Locale.ROOT,
        "java %s, %d cores, max heap %d MB, speakers %s%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        names);

    try (SphinxSttProvider stt = SphinxSttProvider.create()) {
      System.gc();
      long base = mem.getHeapMemoryUsage().getUsed();
      long t0 = System.nanoTime();
      stt.preload(names.size());
      double load = (System.nanoTime() - t0) / 1e9;
      System.gc();
      long loaded = mem.getHeapMemoryUsage().getUsed();
      System.out.printf(
          Locale.ROOT,
          "load: %.1f s for %d recogniser(s); heap after GC %d MB (%d MB over the empty JVM)%n",
          load,
          names.size(),
          loaded >> 20,
          (loaded - base) >> 20);

      long[] peak = {0};
      Thread sampler =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  peak[0] = Math.max(peak[0], mem.getHeapMemoryUsage().getUsed());
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "rtf-heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
      long gc0 = gcMillis();

      List<CompletableFuture<String>> results = new ArrayList<>();
      List<Double> seconds = new ArrayList<>();
      for (String name : names) {
        short[] pcm;
        try (WavFile.Reader r = WavFile.open(dir.resolve(name + ".wav"))) {
          pcm = r.readAll();
        }
        seconds.add(pcm.length / 16_000.0);
        CompletableFuture<String> f = new CompletableFuture<>();
        results.add(f);
        Thread feeder =
            new Thread(
                () -> {
                  try {
                    f.complete(decode(stt, name, pcm, threads));
                  } catch (Exception e) {
                    f.completeExceptionally(e);
                  }
                },
                "rtf-feeder-" + name);
        feeder.start();
      }
      int edits = 0;
      int words = 0;
      for (int i = 0; i < names.size(); i++) {
        String line = results.get(i).get(10, TimeUnit.MINUTES);
        String[] parts = line.split("\t", 4);
        double wall = Double.parseDouble(parts[0]);
        double cpu = Double.parseDouble(parts[1]);
        String hyp = parts[2];
        String name = names.get(i);
        String ref =
            String.join(
                " ",
                script.stream()
                    .skip(1)
                    .map(l -> l.split("\t", 4))
                    .filter(f -> f[0].equals(name))
                    .map(f -> f[3])
                    .toList());
        int e = WordErrorRate.edits(ref, hyp);
        int n = WordErrorRate.words(ref).length;
        edits += e;
        words += n;
        System.out.printf(
            Locale.ROOT,
            "%-9s audio %.1f s  RTF wall %.3f  RTF cpu %.3f  WER %.1f %% (%d/%d)%n",
            name,
            seconds.get(i),
            wall / seconds.get(i),
            cpu / seconds.get(i),
            100.0 * e / n,
            e,
            n);
      }
      sampler.interrupt();
      long gcMs = gcMillis() - gc0;
      System.gc();
      System.out.printf(
          Locale.ROOT,
          "overall WER %.1f %%; heap: peak used %d MB, after GC %d MB; GC time during run %d ms%n",
          100.0 * edits / words,
          peak[0] >> 20,
          mem.getHeapMemoryUsage().getUsed() >> 20,
          gcMs);
    }
  }

  /** Feeds one file to one session as fast as it takes it; returns "wall\tcpu\ttext". */
  private static String decode(
      SphinxSttProvider stt, String name, short[] pcm, ThreadMXBean threads) throws Exception {
    List<String> finals = new CopyOnWriteArrayList<>();
    long[] workerCpu = {0};
    SttSession session =
        stt.openSession(
            SttSessionOptions.of(name),
            e -> {
              if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
                finals.add(r.text());
                // runs on the session's decoding thread
                workerCpu[0] = threads.getCurrentThreadCpuTime();
              }
            });
    long t0 = System.nanoTime();
    for (int off = 0; off < pcm.length; off += 1600) {
      session.send(pcm, off, Math.min(1600, pcm.length - off));
    }
    session.finish(Duration.ofMinutes(5)).toCompletableFuture().get(6, TimeUnit.MINUTES);
    double wall = (System.nanoTime() - t0) / 1e9;
    session.close();
    return wall + "\t" + workerCpu[0] / 1e9 + "\t" + String.join(" ", finals);
  }

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }
}
