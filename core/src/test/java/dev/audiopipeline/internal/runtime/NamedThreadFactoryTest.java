package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NamedThreadFactoryTest {
  @AfterEach
  void clearProperty() {
    System.clearProperty(NamedThreadFactory.VIRTUAL_PROPERTY);
  }

  private static boolean isVirtual(Thread t) throws Exception {
    if (!NamedThreadFactory.virtualThreadsAvailable()) {
      return false;
    }
    return (boolean) Thread.class.getMethod("isVirtual").invoke(t);
  }

  @Test
  void drainThreadsArePlatformDaemonsUnlessAskedFor() throws Exception {
    Thread t = NamedThreadFactory.drainThread("drain-s1-a", () -> {});
    assertThat(t.getName()).isEqualTo("audio-pipeline-drain-s1-a");
    assertThat(t.isDaemon()).isTrue();
    assertThat(isVirtual(t)).isFalse();
    assertThat(t.getState()).isEqualTo(Thread.State.NEW);
  }

  /** On Java 17 the property is ignored (platform thread); on 21+ it gives a virtual thread. */
  @Test
  void thePropertyGivesAVirtualDrainThreadWhereTheJdkHasThem() throws Exception {
    System.setProperty(NamedThreadFactory.VIRTUAL_PROPERTY, "true");
    CountDownLatch ran = new CountDownLatch(1);
    Thread t = NamedThreadFactory.drainThread("drain-s1-b", ran::countDown);
    assertThat(t.getName()).isEqualTo("audio-pipeline-drain-s1-b");
    assertThat(isVirtual(t)).isEqualTo(NamedThreadFactory.virtualThreadsAvailable());
    assertThat(NamedThreadFactory.virtualDrainThreads())
        .isEqualTo(NamedThreadFactory.virtualThreadsAvailable());
    t.start();
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    t.join(10_000);
    assertThat(t.isAlive()).isFalse();
  }

  @Test
  void factoryThreadsAreNamedAndNumbered() {
    NamedThreadFactory f = new NamedThreadFactory("bench");
    Thread a = f.newThread(() -> {});
    Thread b = f.newThread(() -> {});
    assertThat(a.getName()).isEqualTo("audio-pipeline-bench-1");
    assertThat(b.getName()).isEqualTo("audio-pipeline-bench-2");
    assertThat(a.isDaemon()).isTrue();
  }
}
