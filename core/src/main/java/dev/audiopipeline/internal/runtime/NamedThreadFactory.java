package dev.audiopipeline.internal.runtime;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads named {@code <prefix>-<n>}: every library thread is recognisable in a dump. */
public final class NamedThreadFactory implements ThreadFactory {
  /** Every thread the library creates starts with this. Tests look for leaks by it. */
  public static final String PREFIX = "audio-pipeline-";

  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  /** @param name the part after {@value #PREFIX}, e.g. {@code "deliver-s1"} */
  public NamedThreadFactory(String name) {
    Objects.requireNonNull(name, "name == null");
    this.prefix = name.startsWith(PREFIX) ? name : PREFIX + name;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  /** A single named daemon thread, not started. */
  public static Thread thread(String name, Runnable r) {
    Thread t = new Thread(r, name.startsWith(PREFIX) ? name : PREFIX + name);
    t.setDaemon(true);
    return t;
  }
}
