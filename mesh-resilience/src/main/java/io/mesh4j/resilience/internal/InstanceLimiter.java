package io.mesh4j.resilience.internal;

import io.mesh4j.api.ServiceInstance;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} attempts in flight per instance (host and port, not host name), so one
 * instance that accepts and never answers cannot hold all of its service's bulkhead slots: once
 * it holds {@code max}, the next attempts go to other instances. One counter per instance, no
 * lock. Thread safe.
 */
public final class InstanceLimiter {
  private final int max;
  private final ConcurrentHashMap<ServiceInstance, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  /** A limiter of {@code max} attempts per instance. */
  public InstanceLimiter(int max) {
    this.max = max;
  }

  /** The bound. */
  public int max() {
    return max;
  }

  private AtomicInteger counter(ServiceInstance instance) {
    AtomicInteger c = inFlight.get(instance);
    return c != null ? c : inFlight.computeIfAbsent(instance, i -> new AtomicInteger());
  }

  /** Takes a slot of {@code instance}; false when it already has {@code max} attempts in flight. */
  public boolean tryAcquire(ServiceInstance instance) {
    AtomicInteger c = counter(instance);
    for (;;) {
      int n = c.get();
      if (n >= max) {
        return false;
      }
      if (c.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Gives back a slot taken by {@link #tryAcquire}. */
  public void release(ServiceInstance instance) {
    AtomicInteger c = inFlight.get(instance);
    if (c != null && c.decrementAndGet() < 0) {
      c.incrementAndGet(); // never below zero
    }
  }

  /** Attempts in flight on {@code instance} now. */
  public int inFlight(ServiceInstance instance) {
    AtomicInteger c = inFlight.get(instance);
    return c == null ? 0 : c.get();
  }
}
