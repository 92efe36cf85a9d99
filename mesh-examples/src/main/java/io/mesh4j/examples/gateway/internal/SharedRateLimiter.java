package io.mesh4j.examples.gateway.internal;

import io.mesh4j.cache.DistributedCache;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed one-minute window per route and client, counted in Redis Cluster through
 * {@link DistributedCache#increment}, so every gateway instance sharing the cache's namespace
 * shares the limit. Windows are aligned on the wall clock's minutes (instances agree on them as
 * far as their clocks agree). When Redis cannot be reached the request is let through (fail
 * open: the limit protects backends, it is not an authorization) and a WARN is logged at most
 * every 10 seconds. Thread safe.
 */
public final class SharedRateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(SharedRateLimiter.class);
  private static final long WINDOW_MILLIS = 60_000;
  // Longer than the window, so a counter outlives clock skew between instances.
  private static final Duration COUNTER_TTL = Duration.ofMinutes(2);
  private static final long WARN_EVERY_MILLIS = 10_000;

  private final DistributedCache<Long> counters;
  private final Clock clock;
  private final AtomicLong lastWarn = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicLong failOpen = new AtomicLong();

  /** Counts in {@code counters}, windows by {@code clock}. */
  public SharedRateLimiter(DistributedCache<Long> counters, Clock clock) {
    this.counters = counters;
    this.clock = clock;
  }

  /** Counts one request of {@code client} on {@code route} against {@code limitPerMinute}. */
  public Decision acquire(String route, String client, int limitPerMinute) {
    long now = clock.millis();
    long window = Math.floorDiv(now, WINDOW_MILLIS);
    long resetMillis = (window + 1) * WINDOW_MILLIS - now;
    long resetSeconds = Math.max(1, (resetMillis + 999) / 1000);
    String key = route + ":" + clientKey(client) + ":" + window;
    OptionalLong count = counters.increment(key, 1, COUNTER_TTL);
    if (count.isEmpty()) {
      failOpen.incrementAndGet();
      long last = lastWarn.get();
      if (now - last >= WARN_EVERY_MILLIS && lastWarn.compareAndSet(last, now)) {
        LOG.warn("rate limit counters unreachable in Redis: requests pass unlimited until Redis answers"
            + " ({} so far)", failOpen.get());
      }
      return new Decision(true, limitPerMinute, -1, resetSeconds);
    }
    long c = count.getAsLong();
    return new Decision(c <= limitPerMinute, limitPerMinute, Math.max(0, limitPerMinute - c), resetSeconds);
  }

  /** How many requests went through unchecked because Redis failed. */
  public long failOpenCount() {
    return failOpen.get();
  }

  private static String clientKey(String client) {
    // Client names come from tokens or addresses: keep keys short and free of odd bytes.
    return client.length() <= 64 && client.chars().allMatch(ch -> ch > 32 && ch < 127)
        ? client : Authenticator.sha256Hex(client);
  }

  /** The answer for one request. */
  public static final class Decision {
    private final boolean allowed;
    private final int limit;
    private final long remaining;
    private final long resetSeconds;

    Decision(boolean allowed, int limit, long remaining, long resetSeconds) {
      this.allowed = allowed;
      this.limit = limit;
      this.remaining = remaining;
      this.resetSeconds = resetSeconds;
    }

    /** True if the request may go on. */
    public boolean allowed() {
      return allowed;
    }

    /** The limit per minute. */
    public int limit() {
      return limit;
    }

    /** Requests left in this window; -1 when unknown (Redis failed). */
    public long remaining() {
      return remaining;
    }

    /** Whole seconds until the window ends (at least 1): the {@code Retry-After} of a refusal. */
    public long resetSeconds() {
      return resetSeconds;
    }
  }
}
