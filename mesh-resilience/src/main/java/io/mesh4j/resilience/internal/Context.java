package io.mesh4j.resilience.internal;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.AttemptContext;
import java.time.Duration;

/** The attempt context. */
final class Context implements AttemptContext {
  private final String serviceName;
  private final ServiceInstance instance;
  private final int attempt;
  private final boolean idempotent;
  private final long timeoutNanos;
  private final long remainingNanos;

  Context(String serviceName, ServiceInstance instance, int attempt, boolean idempotent, long timeoutNanos,
      long remainingNanos) {
    this.serviceName = serviceName;
    this.instance = instance;
    this.attempt = attempt;
    this.idempotent = idempotent;
    this.timeoutNanos = timeoutNanos;
    this.remainingNanos = remainingNanos;
  }

  @Override
  public String serviceName() {
    return serviceName;
  }

  @Override
  public ServiceInstance instance() {
    return instance;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public boolean idempotent() {
    return idempotent;
  }

  @Override
  public Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }

  @Override
  public Duration remaining() {
    return Duration.ofNanos(remainingNanos);
  }

  @Override
  public String toString() {
    return "Attempt{" + serviceName + " #" + attempt + " on " + instance.id() + "}";
  }
}
