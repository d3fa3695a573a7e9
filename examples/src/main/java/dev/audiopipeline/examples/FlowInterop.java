package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import io.reactivex.rxjava3.core.Flowable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.reactivestreams.FlowAdapters;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/**
 * The README's interop snippets, compiled: a {@link TranscriptionSession} is a plain {@code
 * java.util.concurrent.Flow.Publisher}, so Reactor and RxJava consume it through their adapters.
 *
 * <p>Run: {@code ./mvnw -q -pl examples exec:java
 * -Dexec.mainClass=dev.audiopipeline.examples.FlowInterop -Dexec.args="recruiter.wav
 * candidate.wav"}
 */
public final class FlowInterop {
  private FlowInterop() {}

  /** Reactor: finals only, as a {@code Flux}. */
  static Flux<Transcript> finalsWithReactor(TranscriptionSession session) {
    return JdkFlowAdapter.flowPublisherToFlux(session).filter(Transcript::isFinal);
  }

  /** RxJava 3: through the Reactive Streams {@code FlowAdapters}. */
  static Flowable<Transcript> finalsWithRxJava(TranscriptionSession session) {
    return Flowable.fromPublisher(FlowAdapters.toPublisher(session)).filter(Transcript::isFinal);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || args[0].startsWith("-")) {
      System.err.println("usage: FlowInterop RECRUITER.wav CANDIDATE.wav");
      System.err.println("  prints the finals of two aligned recordings (embedded recogniser)");
      System.exit(args.length == 1 && (args[0].equals("--help") || args[0].equals("-h")) ? 0 : 2);
    }
    WavFileSource files;
    try {
      files =
          WavFileSource.builder()
              .speaker("recruiter", Path.of(args[0]))
              .speaker("candidate", Path.of(args[1]))
              .realTime(false)
              .build();
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    try (SphinxSttProvider stt = SphinxSttProvider.create(); // any SttProvider
        TranscriptionSession session =
            AudioPipeline.builder().stt(stt).build().startTranscription(files)) {
      List<Transcript> finals =
          finalsWithReactor(session).collectList().block(Duration.ofMinutes(10));
      for (Transcript t : finals) {
        System.out.printf("%8d ms  %-10s %s%n", t.startMs(), t.speaker(), t.text());
      }
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }
}
