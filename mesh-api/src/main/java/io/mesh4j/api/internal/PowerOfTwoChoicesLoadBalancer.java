package io.mesh4j.api.internal;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Power of two choices: draw two distinct candidates at random (among those not excluded) and
 * take the cheaper. The cost is either the number of outstanding attempts (least outstanding
 * requests) or the peak-EWMA latency times (outstanding + 1), as in Finagle and Linkerd.
 *
 * <p>Peak EWMA: a sample above the current estimate replaces it at once (so a slowing instance is
 * avoided right away); lower samples pull it down with weight {@code exp(-elapsed/decay)}; and
 * every read decays the estimate toward zero with the time since its last sample, so an instance
 * that was avoided gets probed again eventually and can prove it recovered.
 *
 * <p>What it keeps per instance is dropped once the instance has had no attempt for
 * {@link #IDLE_NANOS} and none is outstanding (checked every {@link #SWEEP_EVERY} attempts), so a
 * long-running client whose services' instances come and go does not keep every instance it ever
 * saw.
 */
public final class PowerOfTwoChoicesLoadBalancer implements LoadBalancer {
  private final boolean latencyAware;
  private final double decayNanos;
  private final Ticker ticker;
  private final Supplier<? extends RandomGenerator> random;
  private final ConcurrentHashMap<ServiceInstance, InstanceLoad> loads = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong ended = new java.util.concurrent.atomic.AtomicLong();
  /** An instance with no attempt for this long and none outstanding is forgotten: 10 minutes. */
  public static final long IDLE_NANOS = 600_000_000_000L;
  /** The idle entries are looked for once every this many ended attempts. */
  public static final int SWEEP_EVERY = 1024;

  /**
   * @param latencyAware false for least outstanding requests, true for peak EWMA
   * @param decayNanos the EWMA's time constant in nanoseconds (peak EWMA only)
   * @param ticker the time source
   * @param random the random source for the two draws (per thread, or thread safe)
   */
  public PowerOfTwoChoicesLoadBalancer(boolean latencyAware, long decayNanos, Ticker ticker,
      Supplier<? extends RandomGenerator> random) {
    Checks.argument(decayNanos > 0, "decay must be positive, was %d ns", decayNanos);
    this.latencyAware = latencyAware;
    this.decayNanos = decayNanos;
    this.ticker = Checks.notNull(ticker, "ticker");
    this.random = Checks.notNull(random, "random");
  }

  @Override
  public ServiceInstance choose(String serviceName, List<ServiceInstance> candidates, Set<ServiceInstance> excluded) {
    int n = candidates.size();
    if (n == 0) {
      throw new NoInstanceAvailableException(serviceName, 0, 0);
    }
    if (n == 1) {
      return candidates.get(0);
    }
    int allowed = n;
    if (!excluded.isEmpty()) {
      allowed = 0;
      for (ServiceInstance c : candidates) {
        if (!excluded.contains(c)) {
          allowed++;
        }
      }
      if (allowed == 0) {
        allowed = n;
        excluded = Set.of();
      }
    }
    RandomGenerator rnd = random.get();
    if (allowed == 1) {
      return nthAllowed(candidates, excluded, 0);
    }
    int i = rnd.nextInt(allowed);
    int j = rnd.nextInt(allowed - 1);
    if (j >= i) {
      j++;
    }
    ServiceInstance a = nthAllowed(candidates, excluded, i);
    ServiceInstance b = nthAllowed(candidates, excluded, j);
    double ca = cost(a);
    double cb = cost(b);
    if (ca == cb) {
      return rnd.nextBoolean() ? a : b;
    }
    return ca < cb ? a : b;
  }

  private static ServiceInstance nthAllowed(List<ServiceInstance> candidates, Set<ServiceInstance> excluded, int k) {
    if (excluded.isEmpty()) {
      return candidates.get(k);
    }
    for (ServiceInstance c : candidates) {
      if (!excluded.contains(c) && k-- == 0) {
        return c;
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private double cost(ServiceInstance instance) {
    InstanceLoad load = loads.get(instance);
    if (load == null) {
      return 0;
    }
    int outstanding = load.outstanding.get();
    if (!latencyAware) {
      return outstanding;
    }
    return load.decayedEwma(ticker.read(), decayNanos) * (outstanding + 1);
  }

  private InstanceLoad load(ServiceInstance instance) {
    InstanceLoad l = loads.get(instance);
    return l != null ? l : loads.computeIfAbsent(instance, k -> new InstanceLoad());
  }

  @Override
  public void onAttemptStart(ServiceInstance instance) {
    load(instance).outstanding.incrementAndGet();
  }

  @Override
  public void onAttemptEnd(ServiceInstance instance, long durationNanos, boolean success) {
    InstanceLoad l = load(instance);
    // Never below zero: an entry dropped by retainOnly mid-attempt must not turn into a magnet.
    l.outstanding.updateAndGet(v -> v > 0 ? v - 1 : 0);
    long now = ticker.read();
    l.lastUsedNanos = now;
    if (latencyAware) {
      l.observe(Math.max(0, durationNanos), now, decayNanos);
    }
    if (ended.incrementAndGet() % SWEEP_EVERY == 0) {
      sweep(now);
    }
  }

  private void sweep(long now) {
    loads.entrySet().removeIf(e -> e.getValue().outstanding.get() == 0 && now - e.getValue().lastUsedNanos > IDLE_NANOS);
  }

  /** How many instances it keeps state for (for tests and diagnostics). */
  public int trackedInstances() {
    return loads.size();
  }

  /** Outstanding attempts on {@code instance} now (for tests and diagnostics). */
  public int outstanding(ServiceInstance instance) {
    InstanceLoad l = loads.get(instance);
    return l == null ? 0 : l.outstanding.get();
  }

  /** The current (decayed) latency estimate of {@code instance} in nanoseconds; 0 when unknown. */
  public double latencyEstimateNanos(ServiceInstance instance) {
    InstanceLoad l = loads.get(instance);
    return l == null ? 0 : l.decayedEwma(ticker.read(), decayNanos);
  }

  /** Forgets instances no longer among {@code current} (call on a discovery change). */
  public void retainOnly(Set<ServiceInstance> current) {
    loads.keySet().retainAll(current);
  }

  @Override
  public String toString() {
    return latencyAware ? "LoadBalancer.peakEwma()" : "LoadBalancer.leastOutstanding()";
  }

  private static final class InstanceLoad {
    final AtomicInteger outstanding = new AtomicInteger();
    volatile long lastUsedNanos;
    private double ewmaNanos;
    private long stampNanos;
    private boolean sampled;

    synchronized void observe(double rttNanos, long now, double decayNanos) {
      if (!sampled) {
        ewmaNanos = rttNanos;
        sampled = true;
      } else if (rttNanos > ewmaNanos) {
        ewmaNanos = rttNanos;
      } else {
        double w = Math.exp(-Math.max(0, now - stampNanos) / decayNanos);
        ewmaNanos = ewmaNanos * w + rttNanos * (1 - w);
      }
      stampNanos = now;
    }

    synchronized double decayedEwma(long now, double decayNanos) {
      if (!sampled) {
        return 0;
      }
      return ewmaNanos * Math.exp(-Math.max(0, now - stampNanos) / decayNanos);
    }
  }
}
