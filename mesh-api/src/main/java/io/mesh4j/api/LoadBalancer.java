package io.mesh4j.api;

import io.mesh4j.api.internal.RoundRobinLoadBalancer;
import java.util.List;
import java.util.Set;

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
}
