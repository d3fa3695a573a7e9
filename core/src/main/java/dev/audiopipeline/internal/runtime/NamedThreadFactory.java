package dev.audiopipeline.internal.runtime;

import java.lang.reflect.Method;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Daemon threads named {@code <prefix>-<n>}: every library thread is recognisable in a dump. The
 * only place the library creates threads.
 */
public final class NamedThreadFactory implements ThreadFactory {
  /** Every thread the library creates starts with this. Tests look for leaks by it. */
  public static final String PREFIX = "audio-pipeline-";

  /**
   * System property {@value}: {@code true} runs each speaker's drain on a virtual thread when the
   * JDK has them (Java 21+); on Java 17, or when unset or anything else, a platform thread.
   */
  public static final String VIRTUAL_PROPERTY = "audiopipeline.virtualThreads";

  /**
   * {@code Thread.ofVirtual()}, {@code Builder.name(String)}, {@code Builder.unstarted(Runnable)}.
   */
  private static final Method @Nullable [] VIRTUAL = findVirtual();

  private static Method @Nullable [] findVirtual() {
    try {
      Class<?> builder = Class.forName("java.lang.Thread$Builder");
      return new Method[] {
        Thread.class.getMethod("ofVirtual"),
        builder.getMethod("name", String.class),
        builder.getMethod("unstarted", Runnable.class)
      };
    } catch (ReflectiveOperationException | LinkageError e) {
      return null; // Java 17: platform threads only
    }
  }

  /** Whether this JDK has virtual threads (Java 21+). */
  public static boolean virtualThreadsAvailable() {
    return VIRTUAL != null;
  }

  /** Whether {@link #drainThread} makes virtual threads: available and asked for. */
  public static boolean virtualDrainThreads() {
    return VIRTUAL != null && Boolean.getBoolean(VIRTUAL_PROPERTY);
  }

  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  /**
   * @param name the part after {@value #PREFIX}, e.g. {@code "deliver-s1"}
   */
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

  /**
   * A thread for a speaker's drain, not started: virtual when {@link #virtualDrainThreads()}, else
   * a platform daemon thread, named as {@link #thread}.
   */
  public static Thread drainThread(String name, Runnable r) {
    Method[] v = VIRTUAL;
    if (v != null && Boolean.getBoolean(VIRTUAL_PROPERTY)) {
      String full = name.startsWith(PREFIX) ? name : PREFIX + name;
      try {
        Object builder = v[1].invoke(v[0].invoke(null), full);
        return (Thread) v[2].invoke(builder, r);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot create a virtual thread: " + e, e);
      }
    }
    return thread(name, r);
  }
}
