package dev.audiopipeline.examples.live;

import java.util.List;
import java.util.concurrent.Flow;

/**
 * One subscription handed to several unbounded subscribers, so that all of them subscribe before a
 * session starts (a session starts at its first subscriber; a later one may miss the first events).
 * Requests everything; each subscriber's own requests are ignored (each must want everything, as
 * the views and the interviewer do). A subscriber that throws does not stop the others.
 */
final class FanOut<T> implements Flow.Subscriber<T> {
  private static final Flow.Subscription IGNORED =
      new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      };

  private final List<Flow.Subscriber<? super T>> subscribers;

  FanOut(List<Flow.Subscriber<? super T>> subscribers) {
    this.subscribers = List.copyOf(subscribers);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    for (Flow.Subscriber<? super T> sub : subscribers) {
      sub.onSubscribe(IGNORED);
    }
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(T item) {
    for (Flow.Subscriber<? super T> sub : subscribers) {
      try {
        sub.onNext(item);
      } catch (RuntimeException e) {
        // one subscriber's failure is its own: the others still get the item
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    for (Flow.Subscriber<? super T> sub : subscribers) {
      sub.onError(t);
    }
  }

  @Override
  public void onComplete() {
    for (Flow.Subscriber<? super T> sub : subscribers) {
      sub.onComplete();
    }
  }
}
