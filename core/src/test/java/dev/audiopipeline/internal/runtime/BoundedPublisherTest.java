package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.OverflowException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Our own semantics on top of the TCK: slow subscribers, partial dropping, one terminal signal. */
class BoundedPublisherTest {
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(new NamedThreadFactory("test-deliver"));

  @AfterEach
  void shutdown() {
    executor.shutdownNow();
  }

  /** Items are strings; those starting with "p" are droppable partials. */
  private BoundedPublisher<String> publisher(int capacity) {
    return new BoundedPublisher<>(executor, capacity, s -> s.startsWith("p"), "test");
  }

  static final class Recorder implements Flow.Subscriber<String> {
    final BlockingQueue<String> signals = new LinkedBlockingQueue<>();
    final CountDownLatch subscribed = new CountDownLatch(1);
    volatile Flow.Subscription subscription;
    volatile Throwable error;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      subscribed.countDown();
    }

    @Override
    public void onNext(String item) {
      signals.add(item);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      signals.add("ERROR");
    }

    @Override
    public void onComplete() {
      signals.add("COMPLETE");
    }

    List<String> take(int n) throws InterruptedException {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String s = signals.poll(5, TimeUnit.SECONDS);
        if (s == null) {
          throw new AssertionError("only " + out + " within 5 s");
        }
        out.add(s);
      }
      return out;
    }

    void request(long n) throws InterruptedException {
      assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();
      subscription.request(n);
    }
  }

  @Test
  void slowSubscriberLosesOldestPartialsButNoFinal() throws Exception {
    BoundedPublisher<String> p = publisher(3);
    Recorder r = new Recorder();
    p.subscribe(r);
    p.submit("p1");
    p.submit("f1");
    p.submit("p2");
    p.submit("p3"); // full: p1 discarded
    p.submit("f2"); // full: p2 discarded
    p.complete();
    r.request(10);
    assertThat(r.take(4)).containsExactly("f1", "p3", "f2", "COMPLETE");
    assertThat(p.discarded()).isEqualTo(2);
  }

  @Test
  void subscriberWhoseBufferFillsWithFinalsFailsOnceWithOverflow() throws Exception {
    BoundedPublisher<String> p = publisher(2);
    Recorder r = new Recorder();
    p.subscribe(r);
    p.submit("f1");
    p.submit("f2");
    p.submit("f3");
    p.submit("f4");
    p.fail(new AudioPipelineException("later error is not delivered twice"));
    assertThat(r.take(1)).containsExactly("ERROR");
    assertThat(r.error).isInstanceOf(OverflowException.class).hasMessageContaining("2");
    assertThat(r.signals.poll(200, TimeUnit.MILLISECONDS)).isNull();
    assertThat(p.subscriberCount()).isZero();
  }

  @Test
  void errorReachesSubscribersAfterQueuedItemsExactlyOnce() throws Exception {
    BoundedPublisher<String> p = publisher(16);
    Recorder r = new Recorder();
    p.subscribe(r);
    r.request(Long.MAX_VALUE);
    p.submit("f1");
    p.fail(new AudioPipelineException("fatal"));
    p.fail(new AudioPipelineException("second"));
    p.complete();
    assertThat(r.take(2)).containsExactly("f1", "ERROR");
    assertThat(r.error).hasMessage("fatal");
    assertThat(r.signals.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void cancelStopsDeliveryAndUnsubscribes() throws Exception {
    BoundedPublisher<String> p = publisher(16);
    Recorder r = new Recorder();
    p.subscribe(r);
    r.request(1);
    p.submit("f1");
    assertThat(r.take(1)).containsExactly("f1");
    r.subscription.cancel();
    p.submit("f2");
    p.complete();
    assertThat(r.signals.poll(200, TimeUnit.MILLISECONDS)).isNull();
    assertThat(p.subscriberCount()).isZero();
  }

  @Test
  void subscriberThatDidNotRequestItsItemsByTheDeadlineIsEndedWithOverflowNotLeftHanging()
      throws Exception {
    BoundedPublisher<String> p = publisher(16);
    Recorder taker = new Recorder();
    Recorder idle = new Recorder(); // never requests
    p.subscribe(taker);
    p.subscribe(idle);
    taker.request(Long.MAX_VALUE);
    p.submit("f1");
    p.complete();
    assertThat(taker.take(2)).containsExactly("f1", "COMPLETE");
    assertThat(p.awaitDelivered(200, TimeUnit.MILLISECONDS)).isFalse(); // idle still holds f1
    assertThat(p.abandon("closing")).isEqualTo(1);
    assertThat(idle.take(1)).containsExactly("ERROR");
    assertThat(idle.error)
        .isInstanceOf(OverflowException.class)
        .hasMessageContaining("closing")
        .hasMessageContaining("1 transcripts queued");
    assertThat(p.awaitDelivered(5, TimeUnit.SECONDS)).isTrue();
    assertThat(p.abandon("again")).isZero();
    assertThat(idle.signals.poll(200, TimeUnit.MILLISECONDS)).isNull(); // exactly one terminal
  }

  @Test
  void subscriberArrivingAfterTheDeliveryThreadsStoppedStillGetsOnSubscribeAndTheTerminalSignal()
      throws Exception {
    BoundedPublisher<String> p = publisher(16);
    p.fail(new AudioPipelineException("session failed"));
    executor.shutdown(); // as a closed session's pool
    Recorder r = new Recorder();
    p.subscribe(r);
    assertThat(r.take(1)).containsExactly("ERROR");
    assertThat(r.subscribed.getCount()).isZero();
    assertThat(r.error).hasMessage("session failed");
  }

  @Test
  void lateSubscriberAfterTerminationGetsTheTerminalSignal() throws Exception {
    BoundedPublisher<String> p = publisher(16);
    p.complete();
    Recorder r = new Recorder();
    p.subscribe(r);
    assertThat(r.take(1)).containsExactly("COMPLETE");
    assertThat(Duration.ZERO).isZero();
  }

  // Single-subscriber mode (BoundedPublisher.unicast), as the text-to-speech streams use it.

  private BoundedPublisher<String> unicast(int capacity, Runnable onFirst, Runnable onCancel) {
    return BoundedPublisher.unicast(executor, capacity, "test", onFirst, onCancel);
  }

  @Test
  void unicastKeepsItemsSubmittedBeforeTheSubscriberAndRefusesBeyondItsCapacity() throws Exception {
    BoundedPublisher<String> p = unicast(2, () -> {}, () -> {});
    assertThat(p.submit("a")).isTrue();
    assertThat(p.submit("b")).isTrue();
    assertThat(p.submit("c")).as("full: refused, not queued").isFalse();
    Recorder r = new Recorder();
    p.subscribe(r);
    r.request(1);
    assertThat(r.take(1)).containsExactly("a");
    assertThat(p.submit("c")).isTrue();
    assertThat(p.submit("d")).as("b and c wait: full").isFalse();
    p.complete();
    r.request(5);
    assertThat(r.take(3)).containsExactly("b", "c", "COMPLETE");
  }

  @Test
  void unicastRejectsASecondSubscriberWithAnError() throws Exception {
    BoundedPublisher<String> p = unicast(4, () -> {}, () -> {});
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    p.subscribe(first);
    p.subscribe(second);
    assertThat(second.take(1)).containsExactly("ERROR");
    assertThat(second.error)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("one subscriber");
    p.submit("x");
    first.request(1);
    assertThat(first.take(1)).containsExactly("x");
  }

  @Test
  void unicastRunsTheFirstRequestHookOnceAndTheCancelHookOnce() throws Exception {
    List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    BoundedPublisher<String> p = unicast(4, () -> calls.add("first"), () -> calls.add("cancel"));
    Recorder r = new Recorder();
    p.subscribe(r);
    assertThat(r.subscribed.getCount()).as("onSubscribe before subscribe() returned").isZero();
    assertThat(calls).isEmpty();
    r.request(1);
    r.request(1);
    assertThat(calls).containsExactly("first");
    r.subscription.cancel();
    r.subscription.cancel();
    assertThat(calls).containsExactly("first", "cancel");
    assertThat(p.isCancelled()).isTrue();
    assertThat(p.awaitDemand()).as("the producer stops").isFalse();
  }

  @Test
  void unicastRuleViolationStopsTheProducerAndFailsTheSubscriber() throws Exception {
    List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    BoundedPublisher<String> p = unicast(4, () -> {}, () -> calls.add("cancel"));
    Recorder r = new Recorder();
    p.subscribe(r);
    r.request(0);
    assertThat(r.take(1)).containsExactly("ERROR");
    assertThat(r.error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
    assertThat(calls).containsExactly("cancel");
  }

  @Test
  void unicastAwaitDemandReturnsOnlyWhenTheSubscriberWantsMoreThanIsQueued() throws Exception {
    BoundedPublisher<String> p = unicast(4, () -> {}, () -> {});
    Recorder r = new Recorder();
    p.subscribe(r);
    CountDownLatch returned = new CountDownLatch(1);
    Thread producer =
        NamedThreadFactory.thread(
            "test-producer",
            () -> {
              try {
                if (p.awaitDemand()) {
                  returned.countDown();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    producer.start();
    assertThat(returned.await(200, TimeUnit.MILLISECONDS)).as("no demand yet").isFalse();
    r.request(1);
    assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
    producer.join(5_000);
  }

  @Test
  void unicastErrorGoesOutWithoutWaitingForDemandAfterWhatDemandAllowed() throws Exception {
    BoundedPublisher<String> p = unicast(8, () -> {}, () -> {});
    Recorder r = new Recorder();
    p.subscribe(r);
    r.request(1);
    p.submit("a");
    p.submit("b");
    p.fail(new AudioPipelineException("socket dropped"));
    assertThat(r.take(2)).containsExactly("a", "ERROR");
    assertThat(r.error).hasMessage("socket dropped");
    assertThat(r.signals.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void failNowAndCompleteNowDiscardWhatIsQueued() throws Exception {
    BoundedPublisher<String> failing = unicast(8, () -> {}, () -> {});
    Recorder f = new Recorder();
    failing.subscribe(f);
    failing.submit("a");
    failing.failNow(new OverflowException("too slow", 8));
    assertThat(f.take(1)).containsExactly("ERROR");
    assertThat(f.error).isInstanceOf(OverflowException.class);

    BoundedPublisher<String> stopped = publisher(8);
    Recorder c = new Recorder();
    stopped.subscribe(c);
    stopped.submit("f1");
    stopped.completeNow();
    assertThat(c.take(1)).containsExactly("COMPLETE");
    assertThat(c.signals.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }
}
