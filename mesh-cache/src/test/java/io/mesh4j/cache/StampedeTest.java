package io.mesh4j.cache;

import static io.mesh4j.cache.TestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.params.SetParams;

/** getOrLoad under concurrent misses, across two caches with separate cluster clients. */
class StampedeTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static RedisCluster cluster;
  private static RedisClusterClient raw;
  private static ExecutorService pool;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
    raw = TestSupport.raw(cluster);
    pool = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
    raw.close();
  }

  @Test
  void twoCachesTimes32ThreadsRunTheLoaderOnce() throws Exception {
    String ns = TestSupport.ns("stampede");
    // Separate connections: the two caches stand for two JVMs.
    try (DistributedCache<String> a = TestSupport.strings(cluster, ns).build();
        DistributedCache<String> b = TestSupport.strings(cluster, ns).build()) {
      AtomicInteger loads = new AtomicInteger();
      CyclicBarrier go = new CyclicBarrier(64);
      CountDownLatch release = new CountDownLatch(1);
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        DistributedCache<String> cache = i % 2 == 0 ? a : b;
        calls.add(pool.submit(() -> {
          go.await(30, TimeUnit.SECONDS);
          return cache.getOrLoad("hot", Duration.ofMinutes(1), () -> {
            loads.incrementAndGet();
            await(release); // the load lasts until the other JVM is seen waiting on its lock
            return "computed";
          });
        }));
      }
      TestSupport.await("one loader running and the other cache waiting on its lock", Duration.ofSeconds(10),
          () -> loads.get() == 1 && a.stats().lockWaits() + b.stats().lockWaits() == 1);
      release.countDown();
      for (Future<String> f : calls) {
        assertEquals("computed", f.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, loads.get(), "the loader ran once for 64 callers in 2 JVMs");
      assertEquals(1, a.stats().loads() + b.stats().loads());
      // The other cache waited on the lock instead of loading: once per JVM thanks to single flight,
      // where 32 waits would mean every thread of it queued on Redis. A thread that missed L2 just
      // before the value landed can start a second flight while the holder has stored the value
      // but not yet released the lock, and count a second, brief wait (seen in a fresh-clone run).
      long waits = a.stats().lockWaits() + b.stats().lockWaits();
      assertTrue(waits >= 1 && waits < 32, "the other cache waited on the lock, per JVM not per thread: " + waits);
    }
  }

  @Test
  void aHolderWhoseLoaderThrowsBlocksNobody() throws Exception {
    String ns = TestSupport.ns("throws");
    try (DistributedCache<String> a = TestSupport.strings(cluster, ns).lockTimeout(Duration.ofSeconds(30)).build();
        DistributedCache<String> b = TestSupport.strings(cluster, ns).lockTimeout(Duration.ofSeconds(30)).build()) {
      CountDownLatch aHoldsLock = new CountDownLatch(1);
      CountDownLatch bWaits = new CountDownLatch(1);
      Future<String> fa = pool.submit(() -> a.getOrLoad("k", Duration.ofMinutes(1), () -> {
        aHoldsLock.countDown();
        await(bWaits);
        throw new IllegalStateException("loader failed");
      }));
      assertTrue(aHoldsLock.await(10, TimeUnit.SECONDS));
      Future<String> fb = pool.submit(() -> b.getOrLoad("k", Duration.ofMinutes(1), () -> "from-b"));
      TestSupport.await("b waiting on a's lock", Duration.ofSeconds(10), () -> b.stats().lockWaits() == 1);
      bWaits.countDown();

      ExecutionException failure = assertThrows(ExecutionException.class, () -> fa.get(10, TimeUnit.SECONDS));
      assertInstanceOf(IllegalStateException.class, failure.getCause(), "the loader's exception reaches its caller");
      // The lock lives 30 s; b finishing well inside 10 s shows it took over at the release.
      assertEquals("from-b", fb.get(10, TimeUnit.SECONDS));
      assertEquals(1, a.stats().loadFailures());
      assertEquals("from-b", a.get("k"));
    }
  }

  @Test
  void aHungHolderBlocksNobodyPastTheLockTtlAndItsLateReleaseDeletesNothing() throws Exception {
    String ns = TestSupport.ns("hangs");
    Duration lockTtl = Duration.ofMillis(500);
    try (DistributedCache<String> a = TestSupport.strings(cluster, ns).lockTimeout(lockTtl).build();
        DistributedCache<String> b = TestSupport.strings(cluster, ns).lockTimeout(lockTtl).build()) {
      CountDownLatch aHoldsLock = new CountDownLatch(1);
      CountDownLatch unblockA = new CountDownLatch(1);
      Future<String> fa = pool.submit(() -> a.getOrLoad("k", Duration.ofMinutes(1), () -> {
        aHoldsLock.countDown();
        await(unblockA);
        return "from-a";
      }));
      assertTrue(aHoldsLock.await(10, TimeUnit.SECONDS));

      // Another JVM and another thread of a's JVM both get past the hung holder.
      Future<String> fb = pool.submit(() -> b.getOrLoad("k", Duration.ofMinutes(1), () -> "from-b"));
      assertEquals("from-b", fb.get(10, TimeUnit.SECONDS));
      Future<String> fa2 = pool.submit(() -> a.getOrLoad("k", Duration.ofMinutes(1), () -> "from-a2"));
      assertEquals("from-b", fa2.get(10, TimeUnit.SECONDS), "a's other caller stopped waiting for the hung load");
      assertFalse(fa.isDone(), "the holder is still hung");

      // A new holder owns the lock now; the hung holder's release must not delete it.
      byte[] lockKey = bytes(ns + ":#lock:0:k");
      assertEquals("OK", raw.set(lockKey, bytes("another-holder"), SetParams.setParams().px(10_000)));
      unblockA.countDown();
      assertEquals("from-b", fa.get(10, TimeUnit.SECONDS), "the late load does not replace the stored value");
      assertEquals("from-b", b.get("k"));
      assertEquals("another-holder", new String(raw.get(lockKey), java.nio.charset.StandardCharsets.UTF_8));
      raw.del(lockKey);
    }
  }

  @Test
  void singleFlightInOneJvmSharesTheLoadersException() throws Exception {
    try (DistributedCache<String> cache = TestSupport.strings(cluster, TestSupport.ns("sf")).build()) {
      AtomicInteger loads = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<Thread> callers = new CopyOnWriteArrayList<>();
      List<CompletableFuture<String>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> {
          callers.add(Thread.currentThread());
          await(start);
          return cache.getOrLoad("k", Duration.ofMinutes(1), () -> {
            loads.incrementAndGet();
            await(release);
            throw new UnsupportedOperationException("no");
          });
        }, pool));
      }
      TestSupport.await("every caller ready", Duration.ofSeconds(10), () -> callers.size() == 8);
      start.countDown();
      // The leader parks in its loader, the others in the wait for its flight (both timed waits):
      // once all 8 are parked after missing, every one of them has joined the one load.
      TestSupport.await("every caller waiting on the one load", Duration.ofSeconds(10),
          () -> cache.stats().misses() == 8
              && callers.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));
      release.countDown();
      for (CompletableFuture<String> c : calls) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> c.get(10, TimeUnit.SECONDS));
        assertInstanceOf(UnsupportedOperationException.class, e.getCause());
      }
      assertEquals(1, loads.get(), "concurrent misses shared the load");
    }
  }

  @Test
  void aLoadNeverOverwritesAValueWrittenWhileItsLoaderRan() throws Exception {
    String ns = TestSupport.ns("load-vs-set");
    try (DistributedCache<String> a = TestSupport.strings(cluster, ns).build();
        DistributedCache<String> b = TestSupport.strings(cluster, ns).build()) {
      CountDownLatch loading = new CountDownLatch(1);
      CountDownLatch written = new CountDownLatch(1);
      Future<String> fa = pool.submit(() -> a.getOrLoad("k", Duration.ofMinutes(1), () -> {
        loading.countDown();
        await(written);
        return "old-loaded";
      }));
      assertTrue(loading.await(10, TimeUnit.SECONDS));
      assertTrue(b.set("k", "new-written"));
      written.countDown();
      assertEquals("new-written", fa.get(10, TimeUnit.SECONDS), "the loader's caller gets the stored value");
      assertEquals("new-written", b.get("k"), "the older loaded value did not overwrite the write");
    }
  }

  @Test
  void waitersPastTheLockTimeoutTakeTheLockInsteadOfAllLoading() throws Exception {
    String ns = TestSupport.ns("deadline");
    AtomicLong nanos = new AtomicLong(); // the waiters' time: moved by hand
    try (DistributedCache<String> a = TestSupport.strings(cluster, ns).lockTimeout(Duration.ofSeconds(30)).build();
        DistributedCache<String> b1 = waiter(ns, nanos);
        DistributedCache<String> b2 = waiter(ns, nanos);
        DistributedCache<String> b3 = waiter(ns, nanos)) {
      CountDownLatch aHoldsLock = new CountDownLatch(1);
      CountDownLatch unblockA = new CountDownLatch(1);
      Future<String> fa = pool.submit(() -> a.getOrLoad("k", Duration.ofMinutes(1), () -> {
        aHoldsLock.countDown();
        await(unblockA);
        return "from-a";
      }));
      assertTrue(aHoldsLock.await(10, TimeUnit.SECONDS));
      AtomicInteger waiterLoads = new AtomicInteger();
      List<Future<String>> waiters = new ArrayList<>();
      for (DistributedCache<String> b : List.of(b1, b2, b3)) {
        waiters.add(pool.submit(() -> b.getOrLoad("k", Duration.ofMinutes(1), () -> {
          waiterLoads.incrementAndGet();
          return "from-waiter";
        })));
      }
      for (DistributedCache<String> b : List.of(b1, b2, b3)) {
        TestSupport.await("waiting on a's lock", Duration.ofSeconds(10), () -> b.stats().lockWaits() == 1);
      }
      nanos.addAndGet(Duration.ofMillis(1_500).toNanos()); // past the waiters' lockTimeout (1 s)
      raw.del(bytes(ns + ":#lock:0:k")); // a's lock is gone (its JVM died) and no value came
      for (Future<String> w : waiters) {
        assertEquals("from-waiter", w.get(10, TimeUnit.SECONDS));
      }
      assertEquals(1, waiterLoads.get(), "one waiter took the free lock and loaded; the others waited for it");
      unblockA.countDown();
      assertEquals("from-waiter", fa.get(10, TimeUnit.SECONDS));
    }
  }

  private static DistributedCache<String> waiter(String ns, AtomicLong nanos) {
    return TestSupport.strings(cluster, ns).lockTimeout(Duration.ofSeconds(1)).ticker(nanos::get).build();
  }

  @Test
  void singleFlightFollowersOfAHungLeaderReplaceItWithOneFlight() throws Exception {
    String ns = TestSupport.ns("sf-timeout");
    AtomicLong frozen = new AtomicLong(); // the lock wait never reaches its own deadline
    byte[] lock = bytes(ns + ":#lock:0:k");
    // Another JVM holds the lock for long: every load in this JVM waits on it.
    assertEquals("OK", raw.set(lock, bytes("another-jvm"), SetParams.setParams().px(60_000)));
    try (DistributedCache<String> cache = TestSupport.strings(cluster, ns)
            .lockTimeout(Duration.ofSeconds(1)).ticker(frozen::get).build();
        DistributedCache<String> other = TestSupport.strings(cluster, ns).build()) {
      AtomicInteger loads = new AtomicInteger();
      Future<String> leader = pool.submit(() -> cache.getOrLoad("k", Duration.ofMinutes(1), () -> {
        loads.incrementAndGet();
        return "loaded";
      }));
      TestSupport.await("the leader waits on the lock", Duration.ofSeconds(10), () -> cache.stats().lockWaits() == 1);
      CyclicBarrier go = new CyclicBarrier(4);
      List<Future<String>> followers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        followers.add(pool.submit(() -> {
          go.await(30, TimeUnit.SECONDS);
          return cache.getOrLoad("k", Duration.ofMinutes(1), () -> {
            loads.incrementAndGet();
            return "loaded";
          });
        }));
      }
      // After 1 s the followers give up on the leader: exactly one starts a fresh flight.
      TestSupport.await("a follower leads a fresh flight", Duration.ofSeconds(10), () -> cache.stats().lockWaits() == 2);
      assertTrue(other.set("k", "stored"));
      raw.del(lock);
      assertEquals("stored", leader.get(10, TimeUnit.SECONDS));
      for (Future<String> f : followers) {
        assertEquals("stored", f.get(10, TimeUnit.SECONDS));
      }
      assertEquals(2, cache.stats().lockWaits(), "one fresh flight, not one lock wait per timed-out follower");
      assertEquals(0, loads.get());
    }
  }

  static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
