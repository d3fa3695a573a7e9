package dev.audiopipeline.elevenlabs.tts;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK against {@link ChunkBuffer}, driven the way {@link HttpSynthesis}
 * drives it: a producer that waits for demand before producing each element (so the buffer never
 * holds more than the subscriber asked for). Runs under JUnit 5 through the TestNG engine.
 */
public class ChunkBufferTckTest extends FlowPublisherVerification<Long> {
  private final ExecutorService producers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "tck-producer");
            t.setDaemon(true);
            return t;
          });

  public ChunkBufferTckTest() {
    super(new TestEnvironment(1000, 100));
  }

  @AfterClass
  public void shutdown() {
    producers.shutdownNow();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Flow.Publisher<Long> createFlowPublisher(long elements) {
    return subscriber -> {
      ChunkBuffer<Long>[] holder = new ChunkBuffer[1];
      holder[0] =
          new ChunkBuffer<>(
              2,
              () -> producers.execute(() -> produce(holder[0], elements)),
              () -> {});
      holder[0].attach(subscriber);
    };
  }

  private static void produce(ChunkBuffer<Long> buffer, long elements) {
    try {
      for (long i = 0; i < elements; i++) {
        if (!buffer.awaitDemand()) {
          return;
        }
        buffer.offer(i);
      }
      buffer.complete();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public Flow.Publisher<Long> createFailedFlowPublisher() {
    return subscriber -> {
      ChunkBuffer<Long> b = new ChunkBuffer<>(2, () -> {}, () -> {});
      b.fail(new IllegalStateException("failed publisher"));
      b.attach(subscriber);
    };
  }

  @Override
  public long maxElementsFromPublisher() {
    return Long.MAX_VALUE - 1;
  }
}
