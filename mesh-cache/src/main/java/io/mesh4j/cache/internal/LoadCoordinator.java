package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.api.Ticker;
import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.DistributedCache;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * {@code getOrLoad} without a stampede: one load per key in this JVM ({@link SingleFlight}), one
 * across JVMs (a lock key taken with SET NX PX, released by compare-and-delete), and early
 * recomputation by XFetch so a hot key is refreshed by one caller before it expires instead of by
 * all of them after. A Redis failure never fails the load: the loader then runs directly, still once
 * per key in this JVM.
 *
 * <p>One call works under one namespace version, read once before anything else: its reads, its
 * lock, its single flight and its store all use that version's keys. A load that was running when
 * {@code invalidateAll} bumped the version therefore stores under the old, unreachable version, and
 * a caller that comes after the bump starts a load of its own instead of joining the old one.
 *
 * <p>Thread safe.
 */
final class LoadCoordinator<V> {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedCache.class);
  private static final long FIRST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final JedisClusterConnection connection;
  private final KeySpace keys;
  private final EntryCodec<V> entries;
  private final RedisFailures failures;
  private final CacheCounters counters;
  private final SingleFlight<Hit<V>> flights;
  private final String namespace;
  private final long lockTimeoutMillis;
  private final long lockTimeoutNanos;
  private final double beta;
  private final Clock clock;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final String instanceId = UUID.randomUUID().toString();
  private final AtomicLong tokenSequence = new AtomicLong();

  LoadCoordinator(CacheSettings<V> s, KeySpace keys, EntryCodec<V> entries, RedisFailures failures,
      CacheCounters counters) {
    this.connection = s.connection();
    this.keys = keys;
    this.entries = entries;
    this.failures = failures;
    this.counters = counters;
    this.namespace = s.namespace();
    this.lockTimeoutMillis = s.lockTimeout().toMillis();
    this.lockTimeoutNanos = s.lockTimeout().toNanos();
    this.flights = new SingleFlight<>(lockTimeoutNanos, namespace, counters::recordSingleFlightFollower);
    this.beta = s.earlyRefreshBeta();
    this.clock = s.clock();
    this.ticker = s.ticker();
    this.random = s.random();
  }

  /** The entry of {@code key}, loaded and stored for {@code ttlMs} if missing; null if the loader returned null. */
  Hit<V> getOrLoad(String key, long ttlMs, Supplier<? extends V> loader) {
    KeySpace.Prefix p = keys.prefix();
    byte[] fullKey = KeySpace.fullKey(p, key);
    String flightKey = p.version() + ":" + key;
    byte[] raw;
    try {
      raw = connection.client().get(fullKey);
      connection.answered();
    } catch (JedisException e) {
      failures.failed("get", e, null);
      counters.recordMiss();
      // Redis is failing: the loader runs directly (still once per key in this JVM).
      return flights.run(flightKey, () -> load(p, key, ttlMs, loader, null));
    }
    Hit<V> hit = raw == null ? null : entries.decodeOrDrop(fullKey, raw);
    if (hit != null) {
      counters.recordHit();
      return refreshDue(hit) ? refreshEarly(p, flightKey, key, ttlMs, loader, hit, raw) : hit;
    }
    counters.recordMiss();
    return flights.run(flightKey, () -> loadUnderLock(p, key, ttlMs, loader));
  }

  /**
   * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): recompute when
   * {@code now - δ·β·ln(rand) >= expiry}. ln(rand) is negative, so the gap grows with the cost of
   * the value; a cheap value is almost never refreshed early, an expensive one well ahead.
   */
  private boolean refreshDue(Hit<V> hit) {
    if (beta == 0 || hit.deltaMillis() <= 0) {
      return false;
    }
    double r = random.nextDouble();
    double ln = Math.log(r > 0 ? r : Double.MIN_VALUE);
    return clock.millis() - hit.deltaMillis() * beta * ln >= hit.expiresAtMillis();
  }

  /**
   * One caller recomputes ahead of expiry: only if no load of the key runs in this JVM and the
   * cross-JVM lock is free; everyone else keeps the current, still valid value.
   */
  private Hit<V> refreshEarly(KeySpace.Prefix p, String flightKey, String key, long ttlMs,
      Supplier<? extends V> loader, Hit<V> current, byte[] currentRaw) {
    SingleFlight.Flight<Hit<V>> flight = flights.tryLead(flightKey);
    if (flight == null) {
      return current;
    }
    Hit<V> result = current;
    try {
      byte[] lockKey = keys.lockKey(p, key);
      String token = newToken();
      boolean locked;
      try {
        locked = tryLock(lockKey, token);
      } catch (JedisException e) {
        return failures.failed("lock", e, current);
      }
      if (!locked) {
        return current;
      }
      try {
        Hit<V> loaded = load(p, key, ttlMs, loader, currentRaw);
        counters.recordEarlyRefresh();
        if (loaded != null) {
          result = loaded;
        }
      } catch (RuntimeException e) {
        // The current value has not expired: serve it, the next caller may try again.
        LOG.debug("mesh-cache '{}': early refresh failed, serving the current value", namespace, e);
      } finally {
        release(lockKey, token);
      }
      return result;
    } finally {
      flight.finish(result);
    }
  }

  /**
   * The cross-JVM part: take the key's lock ({@code <ns>:#lock:<version>:<key>}, SET NX PX) and load, or wait for the holder's value
   * by short polling. A holder that dies stops blocking once its lock expires; a waiter that sees
   * the lock gone without a value takes over. Loading without the lock would let every waiter load
   * at once, so a waiter does so only as a last resort: after twice the lock timeout, a holder
   * (or a chain of holders) that never stores a value.
   */
  private Hit<V> loadUnderLock(KeySpace.Prefix p, String key, long ttlMs, Supplier<? extends V> loader) {
    byte[] lockKey = keys.lockKey(p, key);
    byte[] fullKey = KeySpace.fullKey(p, key);
    long deadline = ticker.read() + 2 * lockTimeoutNanos;
    boolean waited = false;
    while (true) {
      String token = newToken();
      boolean locked;
      try {
        locked = tryLock(lockKey, token);
      } catch (JedisException e) {
        failures.failed("lock", e, null);
        return load(p, key, ttlMs, loader, null);
      }
      if (locked) {
        try {
          // The previous holder may have stored the value between our miss and our lock.
          Hit<V> landed = fetchQuietly(fullKey);
          return landed != null ? landed : load(p, key, ttlMs, loader, null);
        } finally {
          release(lockKey, token);
        }
      }
      if (!waited) {
        waited = true;
        counters.recordLockWait();
      }
      long pollNanos = FIRST_POLL_NANOS;
      while (true) {
        sleepNanos(pollNanos);
        pollNanos = Math.min(pollNanos * 2, MAX_POLL_NANOS);
        Hit<V> landed;
        boolean lockHeld;
        try {
          landed = entries.get(fullKey);
          if (landed != null) {
            return landed;
          }
          lockHeld = connection.client().exists(lockKey);
        } catch (JedisException e) {
          failures.failed("get", e, null);
          return load(p, key, ttlMs, loader, null);
        }
        if (ticker.read() - deadline >= 0) {
          // Holders keep failing or hanging: load without the lock rather than wait forever.
          return load(p, key, ttlMs, loader, null);
        }
        if (!lockHeld) {
          break; // the holder is gone without a value: try to take over (one waiter wins)
        }
      }
    }
  }

  private Hit<V> fetchQuietly(byte[] fullKey) {
    try {
      return entries.get(fullKey);
    } catch (JedisException e) {
      return failures.failed("get", e, null);
    }
  }

  /**
   * Calls the loader, timing it (δ), and stores a non-null result with δ and its expiry. A write
   * that landed while the loader ran is newer than the loaded value and wins: on a miss
   * ({@code replacing} null) the store is SET NX and a lost race returns the stored entry; an early
   * refresh replaces the entry only if it still holds {@code replacing}, the bytes it read. The store
   * goes under {@code p}, the version the call started with, never the one current after the loader.
   */
  private Hit<V> load(KeySpace.Prefix p, String key, long ttlMs, Supplier<? extends V> loader,
      byte[] replacing) {
    long start = ticker.read();
    V value;
    try {
      value = loader.get();
    } catch (RuntimeException | Error e) {
      counters.recordLoadFailure();
      throw e;
    }
    long took = ticker.read() - start;
    counters.recordLoad(took);
    if (value == null) {
      return null;
    }
    long deltaMs = TimeUnit.NANOSECONDS.toMillis(took);
    byte[] bytes = entries.encode(value, ttlMs, deltaMs);
    Hit<V> hit = new Hit<>(value, clock.millis() + ttlMs, deltaMs);
    byte[] fullKey = KeySpace.fullKey(p, key);
    try {
      boolean stored;
      if (replacing == null) {
        stored = "OK".equals(connection.client().set(fullKey, bytes, SetParams.setParams().nx().px(ttlMs)));
      } else {
        Object r = connection.client().eval(RedisScripts.COMPARE_AND_SET, List.of(fullKey),
            List.of(replacing, bytes, Long.toString(ttlMs).getBytes(UTF_8)));
        stored = Long.valueOf(1).equals(r);
      }
      if (!stored) {
        byte[] raw = connection.client().get(fullKey);
        Hit<V> newer = raw == null ? null : entries.decodeOrDrop(fullKey, raw);
        if (newer != null) {
          return newer;
        }
      }
    } catch (JedisException e) {
      failures.failed("set", e, null);
    }
    return hit;
  }

  private String newToken() {
    return instanceId + ":" + tokenSequence.incrementAndGet();
  }

  private boolean tryLock(byte[] lockKey, String token) {
    return "OK".equals(connection.client().set(lockKey, token.getBytes(UTF_8),
        SetParams.setParams().nx().px(lockTimeoutMillis)));
  }

  /** Compare-and-delete: a lock that expired and was taken by another holder is left alone. */
  private void release(byte[] lockKey, String token) {
    try {
      connection.client().eval(RedisScripts.COMPARE_AND_DELETE, List.of(lockKey),
          List.of(token.getBytes(UTF_8)));
    } catch (JedisException e) {
      // The lock expires by itself; count it, never fail the caller's load for it.
      failures.ignored("lock release", e);
    }
  }

  private void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException(namespace, "interrupted while waiting for another JVM's load", e);
    }
  }
}
