package io.mesh4j.cache;

import static io.mesh4j.cache.TestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.params.SetParams;

/**
 * XFetch early refresh with an injected clock, ticker and random: with δ = 2 s, β = 1 and
 * rand = 0.5, a value is recomputed once fewer than 2 s · ln 2 ≈ 1386 ms remain.
 */
class XFetchTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static RedisCluster cluster;
  private static RedisClusterClient raw;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
    raw = TestSupport.raw(cluster);
  }

  @AfterAll
  static void stop() {
    raw.close();
  }

  /** Always draws {@code value}. */
  static RandomGenerator fixed(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  @Test
  void aHotKeyIsRecomputedBeforeItExpires() {
    String ns = TestSupport.ns("xfetch");
    TestSupport.MutableClock clock = new TestSupport.MutableClock(System.currentTimeMillis());
    AtomicLong nanos = new AtomicLong();
    AtomicInteger loads = new AtomicInteger();
    Supplier<String> loader = () -> {
      nanos.addAndGet(Duration.ofSeconds(2).toNanos()); // the computation takes δ = 2 s
      return "v" + loads.incrementAndGet();
    };
    try (DistributedCache<String> cache = TestSupport.strings(cluster, ns)
        .clock(clock).ticker(nanos::get).random(fixed(0.5)).build()) {
      Duration ttl = Duration.ofSeconds(60);
      assertEquals("v1", cache.getOrLoad("hot", ttl, loader));

      clock.advance(Duration.ofSeconds(50)); // 10 s left: far more than 1386 ms
      assertEquals("v1", cache.getOrLoad("hot", ttl, loader));
      assertEquals(1, loads.get());

      clock.advance(Duration.ofMillis(8_700)); // 1300 ms left: inside the XFetch window
      assertTrue(raw.exists(bytes(ns + ":0:hot")), "the entry has not expired");
      assertEquals("v2", cache.getOrLoad("hot", ttl, loader), "recomputed ahead of expiry");
      assertEquals(2, loads.get());
      assertEquals(1, cache.stats().earlyRefreshes());
      assertEquals("v2", cache.get("hot"), "the refreshed value is stored");

      assertEquals("v2", cache.getOrLoad("hot", ttl, loader), "the new entry has a full TTL again");
      assertEquals(2, loads.get());
    }
  }

  @Test
  void whileAnotherJvmRefreshesTheCurrentValueIsServed() {
    String ns = TestSupport.ns("xfetch-lock");
    TestSupport.MutableClock clock = new TestSupport.MutableClock(System.currentTimeMillis());
    AtomicLong nanos = new AtomicLong();
    AtomicInteger loads = new AtomicInteger();
    Supplier<String> loader = () -> {
      nanos.addAndGet(Duration.ofSeconds(2).toNanos());
      return "v" + loads.incrementAndGet();
    };
    try (DistributedCache<String> cache = TestSupport.strings(cluster, ns)
        .clock(clock).ticker(nanos::get).random(fixed(0.5)).build()) {
      cache.getOrLoad("hot", Duration.ofSeconds(60), loader);
      byte[] lock = bytes(ns + ":#lock:0:hot");
      raw.set(lock, bytes("someone-else"), SetParams.setParams().px(10_000));
      clock.advance(Duration.ofMillis(59_000));
      assertEquals("v1", cache.getOrLoad("hot", Duration.ofSeconds(60), loader));
      assertEquals(1, loads.get(), "no second refresher while the lock is held");
      raw.del(lock);
      assertEquals("v2", cache.getOrLoad("hot", Duration.ofSeconds(60), loader));
    }
  }

  @Test
  void betaZeroNeverRefreshesEarly() {
    TestSupport.MutableClock clock = new TestSupport.MutableClock(System.currentTimeMillis());
    AtomicLong nanos = new AtomicLong();
    AtomicInteger loads = new AtomicInteger();
    Supplier<String> loader = () -> {
      nanos.addAndGet(Duration.ofSeconds(2).toNanos());
      return "v" + loads.incrementAndGet();
    };
    try (DistributedCache<String> cache = TestSupport.strings(cluster, TestSupport.ns("beta0"))
        .clock(clock).ticker(nanos::get).random(fixed(1e-9)).earlyRefreshBeta(0).build()) {
      cache.getOrLoad("hot", Duration.ofSeconds(60), loader);
      clock.advance(Duration.ofMillis(59_999));
      assertEquals("v1", cache.getOrLoad("hot", Duration.ofSeconds(60), loader));
      assertEquals(0, cache.stats().earlyRefreshes());
    }
  }

  @Test
  void anEarlyRefreshNeverOverwritesAValueWrittenWhileItsLoaderRan() {
    String ns = TestSupport.ns("xfetch-cas");
    TestSupport.MutableClock clock = new TestSupport.MutableClock(System.currentTimeMillis());
    AtomicLong nanos = new AtomicLong();
    try (DistributedCache<String> a = TestSupport.strings(cluster, ns)
            .clock(clock).ticker(nanos::get).random(fixed(0.5)).build();
        DistributedCache<String> b = TestSupport.strings(cluster, ns).build()) {
      Duration ttl = Duration.ofSeconds(60);
      a.getOrLoad("hot", ttl, () -> {
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        return "v1";
      });
      clock.advance(Duration.ofMillis(59_000)); // inside the XFetch window: a refreshes early
      String served = a.getOrLoad("hot", ttl, () -> {
        b.set("hot", "new-written"); // another JVM writes while the refresh computes
        return "refreshed-from-old-data";
      });
      assertEquals(1, a.stats().earlyRefreshes());
      assertEquals("new-written", b.get("hot"), "the concurrent write survives the refresh");
      assertEquals("new-written", served, "the refresher returns what is stored");
    }
  }
}
