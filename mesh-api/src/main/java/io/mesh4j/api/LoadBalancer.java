package io.mesh4j.api;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.api.internal.PowerOfTwoChoicesLoadBalancer;
import io.mesh4j.api.internal.RoundRobinLoadBalancer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the instance for one attempt of a call. Thread safe: one load balancer serves every
 * call of every service.
 *
 * <p>The caller passes the instances that may be chosen (already filtered of ejected ones) and
 * those to avoid (tried earlier in the same call). A load balancer picks among candidates not
 * excluded; when every candidate is excluded it picks among all candidates, so a call on a
 * one-instance service can still retry.
 */
public interface LoadBalancer {
  /**
   * Picks one of {@code candidates}.
   *
   * @param serviceName the service being called
   * @param candidates the selectable instances; never modified
   * @param excluded instances to avoid if any other is left; may be empty, never null
   * @throws NoInstanceAvailableException if {@code candidates} is empty
   */
  ServiceInstance choose(String serviceName, List<ServiceInstance> candidates, Set<ServiceInstance> excluded);

  /** Told that an attempt on {@code instance} starts; load-aware balancers count it. */
  default void onAttemptStart(ServiceInstance instance) {}

  /**
   * Told that an attempt on {@code instance} ended, after {@code durationNanos}, successfully or
   * not; latency-aware balancers learn from it. Every {@link #onAttemptStart} is followed by
   * exactly one call of this.
   */
  default void onAttemptEnd(ServiceInstance instance, long durationNanos, boolean success) {}

  /**
   * Round robin per service, fair under concurrency: one atomic counter per service, so N picks
   * over k instances give each instance N/k (±1), whatever the threads. The default.
   */
  static LoadBalancer roundRobin() {
    return new RoundRobinLoadBalancer();
  }

  /**
   * Power of two choices, least outstanding requests: draws two instances at random and takes
   * the one with fewer attempts in flight. Needs {@link #onAttemptStart}/{@link #onAttemptEnd}.
   */
  static LoadBalancer leastOutstanding() {
    return new PowerOfTwoChoicesLoadBalancer(false, 1, Ticker.system(), ThreadLocalRandom::current);
  }

  /**
   * Power of two choices, peak-EWMA latency-aware (Finagle's and Linkerd's balancer): cost is
   * the peak-sensitive moving average of latency times (outstanding + 1), with a 2 s time constant
   * (Finagle uses 10 s; a shorter one forgets a one-off pause, a GC say, within seconds).
   * Sends little traffic to a slow instance and probes it again as its estimate decays.
   */
  static LoadBalancer peakEwma() {
    return peakEwma(Duration.ofSeconds(2), Ticker.system());
  }

  /**
   * {@link #peakEwma()} with its decay time and time source chosen (a test ticker, say).
   *
   * @throws IllegalArgumentException if {@code decay} is not positive
   */
  static LoadBalancer peakEwma(Duration decay, Ticker ticker) {
    Checks.positive(decay, "decay");
    return new PowerOfTwoChoicesLoadBalancer(true, decay.toNanos(), ticker, ThreadLocalRandom::current);
  }
}
