package io.mesh4j.resilience;

import io.mesh4j.api.ServiceInstance;
import java.time.Duration;

/** What an attempt knows about itself: which one it is, where it goes, and how long it may take. */
public interface AttemptContext {
  /** The service called. */
  String serviceName();

  /** The instance chosen for this attempt. */
  ServiceInstance instance();

  /** 1 for the first attempt, 2 for the first retry, and so on. */
  int attempt();

  /** True from the second attempt on. */
  default boolean isRetry() {
    return attempt() > 1;
  }

  /** Whether the call was marked idempotent. */
  boolean idempotent();

  /** The timeout of this attempt: the smaller of the attempt timeout and the call's remaining deadline. */
  Duration timeout();

  /** What was left of the call's deadline when this attempt started. */
  Duration remaining();
}
