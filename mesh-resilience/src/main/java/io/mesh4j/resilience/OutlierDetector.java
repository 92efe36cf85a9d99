package io.mesh4j.resilience;

import io.mesh4j.api.ServiceInstance;
import java.util.List;

/**
 * Per-instance outlier ejection (see {@link OutlierEjectionConfig}): answers which instances may
 * be chosen, and learns from each attempt's outcome. The {@link ResilientExecutor} feeds it; the
 * view is public so a client or a dashboard can show ejections (events:
 * {@link ResilienceEvent.InstanceEjected}, {@link ResilienceEvent.InstanceReturned}). Thread safe.
 */
public interface OutlierDetector {
  /**
   * The instances of {@code candidates} that may be chosen now: not ejected, or returning with a
   * trial call left. Never empty when {@code candidates} is not: at least one instance always
   * stays selectable. Returns {@code candidates} itself when nothing is ejected.
   */
  List<ServiceInstance> selectable(String serviceName, List<ServiceInstance> candidates);

  /**
   * Called when {@code instance} was chosen, before its attempt starts: false when it is
   * returning and its trial calls are already taken (choose another).
   */
  boolean tryAdmit(ServiceInstance instance);

  /** Records the outcome of an admitted attempt on {@code instance}. */
  void record(ServiceInstance instance, boolean success);

  /**
   * Records an admitted attempt on {@code instance} that did not fail but says the instance is
   * unwell: overtaken by a hedge, or a success far slower than the service's median (see
   * {@link OutlierEjectionConfig#consecutiveSuspectAttempts()}). The default counts it as a failure.
   */
  default void recordSuspect(ServiceInstance instance) {
    record(instance, false);
  }

  /** Gives back a trial admitted by {@link #tryAdmit} whose attempt never ran. */
  void releaseUnused(ServiceInstance instance);

  /** Whether {@code instance} is ejected (or returning and not yet through its trials). */
  boolean isEjected(ServiceInstance instance);

  /** The instances of {@code serviceName} that are ejected now. */
  List<ServiceInstance> ejected(String serviceName);
}
