package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.AudioPipelineException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@link BoundedPublisher#unicast} fed the way a producer that
 * cannot pause feeds it (WebSocket audio, FreeTTS): every element is submitted, and the stream
 * completed, before the subscriber arrives; it then takes them as its demand allows. The buffer
 * holds {@link #CAPACITY} items, so the TCK runs its element-count tests up to that. Runs under
 * JUnit 5 through the TestNG engine.
 */
public class BoundedPublisherUnicastPushTckTest extends FlowPublisherVerification<Integer> {
  private static final int CAPACITY = 4096;
  private final ExecutorService delivery =
      Executors.newCachedThreadPool(new NamedThreadFactory("tck-push-deliver"));

  public BoundedPublisherUnicastPushTckTest() {
    super(new TestEnvironment(300));
  }

  @AfterClass
  public void shutdown() {
    delivery.shutdownNow();
  }

  @Override
  public Flow.Publisher<Integer> createFlowPublisher(long elements) {
    return subscriber -> {
      BoundedPublisher<Integer> p =
          BoundedPublisher.unicast(delivery, CAPACITY, "tck", () -> {}, () -> {});
      for (int i = 0; i < elements; i++) {
        if (!p.submit(i)) {
          throw new AssertionError("refused item " + i + " below the capacity");
        }
      }
      p.complete();
      p.subscribe(subscriber);
    };
  }

  @Override
  public Flow.Publisher<Integer> createFailedFlowPublisher() {
    BoundedPublisher<Integer> p =
        BoundedPublisher.unicast(delivery, CAPACITY, "tck", () -> {}, () -> {});
    p.fail(new AudioPipelineException("failed for the TCK"));
    return p;
  }

  @Override
  public long maxElementsFromPublisher() {
    return CAPACITY;
  }
}
