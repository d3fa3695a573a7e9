package dev.audiopipeline.benchmarks;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.WordErrorRate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Word errors of the embedded recogniser on a bundled interview, decoded three ways: the files fed
 * straight to a session ("direct") on freshly loaded recognisers; the same files through {@code
 * AudioPipeline} + {@code WavFileSource} (as fast as it goes, as {@code TranscribeInterview --fast}
 * does) on freshly loaded recognisers; and direct again on the recognisers the pipeline run used
 * ("direct, reused"). Both speakers decode at once in each run.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -Xmx1500m -cp benchmarks/target/benchmarks.jar \
 *     dev.audiopipeline.benchmarks.SphinxPipelineVsDirect --dir examples/src/main/resources/interview2
 * </pre>
 */
public final class SphinxPipelineVsDirect {
  private static final List<String> SPEAKERS = List.of("recruiter", "candidate");

  private SphinxPipelineVsDirect() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of("examples/src/main/resources/interview");
    boolean print = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--print" -> print = true;
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + ": accepted --dir DIR, --print");
      }
    }
    Map<String, String> reference = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(dir.resolve("script.tsv"), StandardCharsets.UTF_8);
    for (String speaker : SPEAKERS) {
      reference.put(
          speaker,
          String.join(
              " ",
              lines.stream()
                  .skip(1)
                  .map(l -> l.split("\t", 4))
                  .filter(f -> f.length == 4 && f[0].equals(speaker))
                  .map(f -> f[3])
                  .toList()));
    }
    System.out.printf(
        Locale.ROOT, "interview %s, java %s%n", dir, System.getProperty("java.version"));
    try (SphinxSttProvider fresh = SphinxSttProvider.create()) {
      fresh.preload(2);
      report("direct, fresh recognisers", reference, direct(fresh, dir), print);
    }
    try (SphinxSttProvider stt = SphinxSttProvider.create()) {
      stt.preload(2);
      report("pipeline, fresh recognisers", reference, pipeline(stt, dir), print);
      report("direct, reused recognisers", reference, direct(stt, dir), print);
    }
  }

  private static void report(
      String what, Map<String, String> reference, Map<String, List<String>> finals, boolean print) {
    int edits = 0;
    int words = 0;
    StringBuilder per = new StringBuilder();
    for (String speaker : SPEAKERS) {
      String hyp = String.join(" ", Objects.requireNonNull(finals.get(speaker), speaker));
      String ref = Objects.requireNonNull(reference.get(speaker), speaker);
      int e = WordErrorRate.edits(ref, hyp);
      int n = WordErrorRate.words(ref).length;
      edits += e;
      words += n;
      per.append(String.format(Locale.ROOT, "  %s %d/%d", speaker, e, n));
    }
    System.out.printf(
        Locale.ROOT,
        "%-28s errors %d/%d = %.1f %%%s%n",
        what,
        edits,
        words,
        100.0 * edits / words,
        per);
    if (print) {
      for (String speaker : SPEAKERS) {
        Objects.requireNonNull(finals.get(speaker), speaker)
            .forEach(f -> System.out.println("    " + speaker + ": " + f));
      }
    }
  }

  /** Each file straight into its own session, 100 ms at a time; both at once. */
  private static Map<String, List<String>> direct(SphinxSttProvider stt, Path dir)
      throws Exception {
    Map<String, CompletableFuture<List<String>>> runs = new LinkedHashMap<>();
    for (String speaker : SPEAKERS) {
      CompletableFuture<List<String>> f = new CompletableFuture<>();
      runs.put(speaker, f);
      Thread t =
          new Thread(
              () -> {
                try {
                  f.complete(decode(stt, speaker, dir.resolve(speaker + ".wav")));
                } catch (Exception e) {
                  f.completeExceptionally(e);
                }
              },
              "direct-" + speaker);
      t.start();
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (var e : runs.entrySet()) {
      out.put(e.getKey(), e.getValue().get(10, TimeUnit.MINUTES));
    }
    return out;
  }

  private static List<String> decode(SphinxSttProvider stt, String speaker, Path wav)
      throws Exception {
    short[] pcm;
    try (WavFile.Reader r = WavFile.open(wav)) {
      if (!r.format().equals(AudioFormat.MONO_16K)) {
        throw new IllegalArgumentException(
            wav
                + " is "
                + r.format()
                + ": direct decoding takes"
                + " "
                + AudioFormat.MONO_16K
                + " only");
      }
      pcm = r.readAll();
    }
    List<String> finals = new CopyOnWriteArrayList<>();
    SttSession session =
        stt.openSession(
            SttSessionOptions.of(speaker),
            e -> {
              if (e instanceof TranscriptEvent.Result r && r.isFinal() && !r.text().isBlank()) {
                finals.add(r.text());
              }
            });
    for (int off = 0; off < pcm.length; off += 1600) {
      session.send(pcm, off, Math.min(1600, pcm.length - off));
    }
    session.finish(Duration.ofMinutes(5)).toCompletableFuture().get(6, TimeUnit.MINUTES);
    session.close();
    return finals;
  }

  /** Both files through the pipeline, read as fast as the recognisers take them. */
  private static Map<String, List<String>> pipeline(SphinxSttProvider stt, Path dir)
      throws Exception {
    SttProvider shared = new SttProvider() { // the pipeline must not close the provider
          @Override
          public String name() {
            return stt.name();
          }

          @Override
          public AudioFormat inputFormat() {
            return stt.inputFormat();
          }

          @Override
          public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
            return stt.openSession(options, listener);
          }
        };
    AudioPipeline pipeline =
        AudioPipeline.builder().stt(shared).closeTimeout(Duration.ofMinutes(3)).build();
    WavFileSource.Builder source = WavFileSource.builder().realTime(false);
    SPEAKERS.forEach(s -> source.speaker(s, dir.resolve(s + ".wav")));
    List<Transcript> finals = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> done = new CompletableFuture<>();
    try (TranscriptionSession session = pipeline.startTranscription(source.build())) {
      session.subscribe(
          new Flow.Subscriber<Transcript>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
              s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Transcript t) {
              if (t.isFinal() && !t.text().isBlank()) {
                finals.add(t);
              }
            }

            @Override
            public void onError(Throwable t) {
              done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
              done.complete(null);
            }
          });
      done.get(10, TimeUnit.MINUTES);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String speaker : SPEAKERS) {
      out.put(
          speaker,
          finals.stream()
              .filter(t -> t.speaker().equals(speaker))
              .sorted(Comparator.comparingLong(Transcript::startMs))
              .map(Transcript::text)
              .toList());
    }
    return out;
  }
}
