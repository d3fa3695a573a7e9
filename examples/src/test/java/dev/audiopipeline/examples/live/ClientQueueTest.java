package dev.audiopipeline.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.examples.live.ClientQueue.Kind;
import org.junit.jupiter.api.Test;

class ClientQueueTest {
  @Test
  void whenFullTheOldestNonFinalGoesFirstAndFinalsStay() {
    ClientQueue q = new ClientQueue(3);
    assertThat(q.offer("p1", Kind.PARTIAL)).isTrue();
    assertThat(q.offer("f1", Kind.FINAL)).isTrue();
    assertThat(q.offer("l1", Kind.OTHER)).isTrue();
    assertThat(q.offer("f2", Kind.FINAL)).isTrue(); // drops p1
    assertThat(q.kinds()).containsExactly(Kind.FINAL, Kind.OTHER, Kind.FINAL);
    assertThat(q.offer("p2", Kind.PARTIAL)).isTrue(); // drops l1
    assertThat(q.kinds()).containsExactly(Kind.FINAL, Kind.FINAL, Kind.PARTIAL);
    assertThat(q.dropped()).isEqualTo(2);
  }

  @Test
  void aQueueFullOfFinalsDropsNewPartialsAndOverflowsOnAFinal() throws Exception {
    ClientQueue q = new ClientQueue(2);
    q.offer("f1", Kind.FINAL);
    q.offer("f2", Kind.FINAL);
    assertThat(q.offer("p", Kind.PARTIAL)).isFalse();
    assertThat(q.overflowed()).isFalse();
    assertThat(q.offer("f3", Kind.FINAL)).isFalse();
    assertThat(q.overflowed()).as("the server closes this client; its page reconnects").isTrue();
    assertThat(q.poll(10)).isNull();
  }

  @Test
  void pollReturnsInOrderAndTimesOut() throws Exception {
    ClientQueue q = new ClientQueue(4);
    q.offer("a", Kind.FINAL);
    q.offer("b", Kind.PARTIAL);
    assertThat(q.poll(10)).isEqualTo("a");
    assertThat(q.poll(10)).isEqualTo("b");
    assertThat(q.poll(20)).isNull();
    q.close();
    assertThat(q.offer("c", Kind.FINAL)).isFalse();
  }
}
