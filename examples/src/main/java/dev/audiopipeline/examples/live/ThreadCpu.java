package dev.audiopipeline.examples.live;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/** CPU time of live threads by name prefix (for the views' own cost in their summaries). */
final class ThreadCpu {
  private ThreadCpu() {}

  /** Nanoseconds of CPU used so far by the live threads whose names start with {@code prefix}. */
  static long nanos(String prefix) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    if (!mx.isThreadCpuTimeSupported()) {
      return -1;
    }
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        long n = mx.getThreadCpuTime(t.getId());
        if (n > 0) {
          sum += n;
        }
      }
    }
    return sum;
  }
}
