package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.support.Throughput;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Helpers of the cache benchmarks: A/B JMH runs alternated round by round (each run a fresh fork,
 * warm-up discarded), medians, seed-node strings for the forks.
 */
final class CacheBenchSupport {
  private CacheBenchSupport() {}

  /** {@code host:port,host:port,...} of {@code nodes}, passed to JMH forks as a @Param. */
  static String seeds(List<InetSocketAddress> nodes) {
    List<String> s = new ArrayList<>();
    for (InetSocketAddress a : nodes) {
      s.add(a.getHostString() + ":" + a.getPort());
    }
    return String.join(",", s);
  }

  /**
   * Runs benchmark methods {@code a} and {@code b} of {@code type} alternately for {@code rounds}
   * rounds (the order flips every round), and returns the median primary score of each and the
   * median of the per-round ratios a/b (each ratio compares two adjacent runs, so it is less
   * sensitive to load that drifts over the whole run).
   */
  static double[] alternate(Class<?> type, String a, String b, int rounds, int threads,
      Map<String, String> params) throws RunnerException {
    List<Double> as = new ArrayList<>();
    List<Double> bs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      boolean aFirst = r % 2 == 0;
      double first = run(type, aFirst ? a : b, threads, params);
      double second = run(type, aFirst ? b : a, threads, params);
      as.add(aFirst ? first : second);
      bs.add(aFirst ? second : first);
      System.out.printf("round %d: %s %.0f, %s %.0f, ratio %.3f%n", r + 1, a, as.get(r), b, bs.get(r),
          as.get(r) / bs.get(r));
    }
    List<Double> ratios = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      ratios.add(as.get(r) / bs.get(r));
    }
    return new double[] {Throughput.median(as), Throughput.median(bs), Throughput.median(ratios)};
  }

  static double run(Class<?> type, String method, int threads, Map<String, String> params)
      throws RunnerException {
    ChainedOptionsBuilder opt = new OptionsBuilder()
        .include(Pattern.quote(type.getName() + "." + method) + "$")
        .forks(1)
        .threads(threads)
        .warmupIterations(2).warmupTime(TimeValue.seconds(1))
        .measurementIterations(3).measurementTime(TimeValue.seconds(1))
        .shouldFailOnError(true);
    params.forEach(opt::param);
    Collection<RunResult> results = new Runner(opt.build()).run();
    if (results.isEmpty()) {
      throw new IllegalStateException("no result for " + method);
    }
    return results.iterator().next().getPrimaryResult().getScore();
  }

  static void await(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
