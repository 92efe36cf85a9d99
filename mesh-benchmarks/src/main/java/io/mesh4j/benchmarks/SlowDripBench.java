package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.ChaosBenchSupport.ProxiedInstances;
import io.mesh4j.testkit.FaultProxy;
import io.mesh4j.testkit.FaultProxy.Direction;
import java.time.Duration;

/**
 * One instance that trickles its answers, with the client's default settings (issue 14). The
 * set-up of {@link BlackholeBench} (three loopback instances behind fault proxies, static
 * discovery, which is not what is measured; 300 {@code GET}s per second open loop for 20 s,
 * latency from the scheduled send time), but from 5 s to 15 s instance 0's proxy lets its answers
 * out one byte every 10 ms ({@code FaultProxy.drip(DOWNSTREAM, 1, 10 ms)}): an answer of about
 * 120 bytes takes over a second. One run, every setting at its default, after a discarded 2 s
 * warm-up. Printed: failed calls, p50/p99/p99.9/max before, during and after the drip, p99 per
 * second, the time from the drip's start until instance 0's ejection event, instance 0's slowest
 * successful attempt. RESULTs: {@code slow_drip_p99_during_ms}, {@code slow_drip_ejection_s} (when
 * the instance was not ejected, the 15 s watched, a lower bound, and said so) and, last,
 * {@code slow_drip_failed_calls} (target 0). A run in which no attempt went to instance 0 during
 * the drip throws.
 *
 * <p>{@code scripts/bench.sh slow-drip}
 */
public final class SlowDripBench {
  private static final Duration EVERY = Duration.ofMillis(10);

  private SlowDripBench() {}

  /** Runs the benchmark; the last line is {@code RESULT slow_drip_failed_calls=<n> calls}. */
  public static void main(String[] args) throws Exception {
    try (ProxiedInstances backends = FaultRun.backends()) {
      System.out.printf("slow-drip: 3 loopback instances behind fault proxies (static discovery), %d GETs/s open loop "
          + "for %d s (executeAsync, latency from the scheduled send time); instance %d's answers drip 1 byte per "
          + "%d ms from %d s to %d s; default settings%n", FaultRun.RATE, FaultRun.SECONDS, FaultRun.VICTIM,
          EVERY.toMillis(), FaultRun.FAULT_AT, FaultRun.CLEAR_AT);
      FaultRun.Result r = FaultRun.run(backends, "default settings", null,
          p -> p.drip(Direction.DOWNSTREAM, 1, EVERY));
      System.out.printf("summary: failed calls %d; p99 during the drip %.2f ms (before %.2f ms); instance %d ejected "
          + "after %s%n", r.loop().failed(), r.p99During(), r.p99Before(), FaultRun.VICTIM, r.ejectionText());
      System.out.printf("target: 0 failed calls: %s%n", r.loop().failed() == 0 ? "met" : "MISSED");
      System.out.printf("RESULT slow_drip_p99_during_ms=%.2f ms (p99 of calls scheduled during the drip)%n",
          r.p99During());
      System.out.printf("RESULT slow_drip_ejection_s=%.3f s (%s)%n", r.ejectionSeconds() < 0
          ? (double) (FaultRun.SECONDS - FaultRun.FAULT_AT) : r.ejectionSeconds(), r.ejectionSeconds() < 0
          ? "NOT ejected by the end of the run: a lower bound" : "from the drip's start to the ejection event");
      System.out.printf("ERRORS slow_drip_healthy_instance_ejections=%d allowed=0%n", r.healthyEjections());
      System.out.printf("RESULT slow_drip_failed_calls=%d calls (default settings)%n", r.loop().failed());
    }
  }
}
