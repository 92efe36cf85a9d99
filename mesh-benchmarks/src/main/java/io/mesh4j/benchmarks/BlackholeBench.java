package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.ChaosBenchSupport.ProxiedInstances;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.testkit.FaultProxy;

/**
 * One black-holed instance under load, with the client's default settings (issue 14). Three
 * loopback instances of {@code inventory}, each behind its own {@link FaultProxy}, listed by a
 * static discovery (discovery is not what is measured: the client's handling of a hanging
 * instance is). An open loop of 300 {@code GET}s per second for 20 s, each call sent with
 * {@code executeAsync} at its scheduled time and its latency measured from that time (so a stuck
 * call holds nothing and coordinated omission cannot hide the queue); from 5 s to 15 s instance
 * 0's proxy is a black hole (accepts, reads, never answers, never closes), then cleared.
 *
 * <p>Two runs in one JVM, each with a fresh {@code ServiceMeshClient} after a discarded 2 s
 * warm-up: first with every setting at its default (hedging off), then with hedging on for the
 * service ({@code HedgingConfig.percentileDelay(95)}, the rest default). A call fails when it ends
 * in an exception or a non-200. Printed per run: failed calls, p50/p99/p99.9/max before (0-5 s),
 * during (5-15 s) and after the fault, p99 per second, the time from the fault until instance 0's
 * ejection event, hedges, retries and budget refusals. RESULTs: {@code blackhole_failed_calls}
 * (default run; target 0), {@code blackhole_p99_ratio_no_hedging} (p99 during / p99 before,
 * default run) and, last, {@code blackhole_p99_ratio} (the same with hedging on; target &lt;= 3).
 * A run in which no attempt went to instance 0 during the fault throws; one in which instance 0 was
 * already ejected (while healthy) when the fault began says so, and the ejection of any healthy
 * instance is counted in {@code ERRORS blackhole_healthy_instance_ejections} (0 allowed).
 *
 * <p>{@code scripts/bench.sh blackhole}
 */
public final class BlackholeBench {
  /** The hedging of the second run: a hedge after the service's recent p95, the library's default percentile. */
  static final HedgingConfig HEDGING = HedgingConfig.percentileDelay(HedgingConfig.DEFAULT_PERCENTILE);

  private BlackholeBench() {}

  /** Runs the benchmark; the last line is {@code RESULT blackhole_p99_ratio=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    try (ProxiedInstances backends = FaultRun.backends()) {
      System.out.printf("blackhole: 3 loopback instances behind fault proxies (static discovery), %d GETs/s open loop "
          + "for %d s (executeAsync, latency from the scheduled send time); instance %d black-holed (accepts, never "
          + "answers) from %d s to %d s; default settings%n", FaultRun.RATE, FaultRun.SECONDS, FaultRun.VICTIM,
          FaultRun.FAULT_AT, FaultRun.CLEAR_AT);
      FaultRun.Result plain = FaultRun.run(backends, "run 1: default settings (hedging off)", null,
          FaultProxy::blackhole);
      FaultRun.Result hedged = FaultRun.run(backends, "run 2: default settings, hedging on for the service: " + HEDGING,
          HEDGING, FaultProxy::blackhole);
      System.out.printf("summary: failed calls %d (defaults) / %d (hedging on); p99 before -> during: %.2f -> %.2f ms "
          + "(%.2f x) with defaults, %.2f -> %.2f ms (%.2f x) with hedging; ejected after %s / %s%n",
          plain.loop().failed(), hedged.loop().failed(), plain.p99Before(), plain.p99During(), plain.p99Ratio(),
          hedged.p99Before(), hedged.p99During(), hedged.p99Ratio(), plain.ejectionText(), hedged.ejectionText());
      System.out.printf("targets: 0 failed calls with defaults: %s; p99 ratio <= 3 with hedging: %s%n",
          plain.loop().failed() == 0 ? "met" : "MISSED", hedged.p99Ratio() <= 3 ? "met" : "MISSED");
      System.out.printf("ERRORS blackhole_healthy_instance_ejections=%d allowed=0 (both runs)%n",
          plain.healthyEjections() + hedged.healthyEjections());
      System.out.printf("RESULT blackhole_failed_calls=%d calls (default settings, hedging off)%n",
          plain.loop().failed());
      System.out.printf("RESULT blackhole_p99_ratio_no_hedging=%.2f x (p99 during / before, default settings)%n",
          plain.p99Ratio());
      System.out.printf("RESULT blackhole_p99_ratio=%.2f x (p99 during / before, hedging on)%n", hedged.p99Ratio());
    }
  }
}
