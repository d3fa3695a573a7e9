package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.AudioPipelineException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@link BoundedPublisher}, the class behind every transcript
 * publisher. Runs under JUnit 5 through the TestNG engine.
 */
public class BoundedPublisherTckTest extends FlowPublisherVerification<Integer> {
  private static final int CAPACITY = 4096;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(new NamedThreadFactory("tck"));

  public BoundedPublisherTckTest() {
    super(new TestEnvironment(300));
  }

  @AfterClass
  public void shutdown() {
    executor.shutdownNow();
  }

  /**
   * A fresh hot publisher per subscriber that emits {@code elements} items and completes. The
   * buffer holds at most {@link #CAPACITY} items, so the TCK runs its element-count tests up to
   * that (rules needing Long.MAX_VALUE elements are reported skipped by the TCK).
   */
  @Override
  public Flow.Publisher<Integer> createFlowPublisher(long elements) {
    return subscriber -> {
      BoundedPublisher<Integer> p = new BoundedPublisher<>(executor, CAPACITY, i -> false, "tck");
      p.subscribe(subscriber);
      for (int i = 0; i < elements; i++) {
        p.submit(i);
      }
      p.complete();
    };
  }

  @Override
  public Flow.Publisher<Integer> createFailedFlowPublisher() {
    BoundedPublisher<Integer> p = new BoundedPublisher<>(executor, CAPACITY, i -> false, "tck");
    p.fail(new AudioPipelineException("failed for the TCK"));
    return p;
  }

  @Override
  public long maxElementsFromPublisher() {
    return CAPACITY;
  }
}
