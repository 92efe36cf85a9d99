package io.mesh4j.resilience;

import io.mesh4j.api.ServiceInstance;

/**
 * One attempt of a sync call, made on the instance the executor chose for it. The function may
 * run several times in one call (once per attempt), each time on another instance when one is left.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface Attempt<T> {
  /**
   * Calls {@code instance}; should apply {@link AttemptContext#timeout()} natively.
   *
   * @throws Exception any failure; the executor classifies it
   */
  T call(ServiceInstance instance, AttemptContext context) throws Exception;
}
