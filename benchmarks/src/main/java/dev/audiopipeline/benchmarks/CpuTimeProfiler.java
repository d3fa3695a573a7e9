package dev.audiopipeline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * JMH profiler that reports the forked JVM's CPU time per operation ({@code cpu.time.norm}, ns/op)
 * next to the wall-clock score. On a shared machine the wall clock also counts the time the
 * benchmark thread waits for a core; CPU time does not, which is also how the C reference harness
 * measures. It includes every thread of the fork (JIT, GC), so it is an upper bound for the
 * benchmark thread itself.
 *
 * <pre>java -jar benchmarks.jar AudioConverterBenchmark -prof gc
 *     -prof dev.audiopipeline.benchmarks.CpuTimeProfiler</pre>
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private long cpuBefore;

  @Override
  public String getDescription() {
    return "process CPU time per operation";
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return -1;
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    cpuBefore = processCpuNanos();
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long cpu = processCpuNanos() - cpuBefore;
    long ops = result.getMetadata().getAllOps();
    if (cpuBefore < 0 || ops == 0) {
      return List.of();
    }
    return List.of(
        new ScalarResult("cpu.time.norm", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
  }
}
