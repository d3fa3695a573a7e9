package dev.audiopipeline.internal.runtime;

import dev.audiopipeline.AudioPipelineException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@link BoundedPublisher#unicast}, driven the way a producer that
 * can pause drives it (the ElevenLabs HTTP body reader): it starts on the first request and waits
 * for demand before each element, so the buffer never holds more than was asked for and the element
 * count is unbounded. Runs under JUnit 5 through the TestNG engine.
 */
public class BoundedPublisherUnicastTckTest extends FlowPublisherVerification<Long> {
  private final ExecutorService delivery =
      Executors.newCachedThreadPool(new NamedThreadFactory("tck-unicast-deliver"));
  private final ExecutorService producers =
      Executors.newCachedThreadPool(new NamedThreadFactory("tck-unicast-produce"));

  public BoundedPublisherUnicastTckTest() {
    super(new TestEnvironment(1000, 100));
  }

  @AfterClass
  public void shutdown() {
    delivery.shutdownNow();
    producers.shutdownNow();
  }

  @Override
  public Flow.Publisher<Long> createFlowPublisher(long elements) {
    return subscriber -> {
      AtomicReference<BoundedPublisher<Long>> ref = new AtomicReference<>();
      BoundedPublisher<Long> p =
          BoundedPublisher.unicast(
              delivery,
              2,
              "tck",
              () -> producers.execute(() -> produce(ref.get(), elements)),
              () -> {});
      ref.set(p);
      p.subscribe(subscriber);
    };
  }

  private static void produce(BoundedPublisher<Long> p, long elements) {
    try {
      for (long i = 0; i < elements; i++) {
        if (!p.awaitDemand()) {
          return;
        }
        p.submit(i);
      }
      p.complete();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public Flow.Publisher<Long> createFailedFlowPublisher() {
    return subscriber -> {
      BoundedPublisher<Long> p = BoundedPublisher.unicast(delivery, 2, "tck", () -> {}, () -> {});
      p.fail(new AudioPipelineException("failed for the TCK"));
      p.subscribe(subscriber);
    };
  }

  @Override
  public long maxElementsFromPublisher() {
    return Long.MAX_VALUE - 1;
  }
}
