package io.mesh4j.examples;

import io.mesh4j.cache.CacheStats;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.testkit.RedisCluster;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * mesh-cache on its own, against a Redis Cluster (started here unless {@code REDIS_CLUSTER_NODES}
 * names one): cache-aside with {@code getOrLoad}, a cached function, write-through, counters,
 * pattern invalidation, and two {@link TwoLevelCache}s in two threads showing an invalidation
 * crossing from one to the other. No Consul, no HTTP.
 *
 * <p>{@code DEMO_MAIN=io.mesh4j.examples.CacheExample scripts/demo.sh}
 */
public final class CacheExample {
  /** The value type: a plain Jackson-mapped class (public fields for brevity). */
  public static final class User {
    /** Id. */
    public String id;
    /** Display name. */
    public String name;

    /** For Jackson. */
    public User() {}

    User(String id, String name) {
      this.id = id;
      this.name = name;
    }

    @Override
    public String toString() {
      return "User{" + id + ", " + name + "}";
    }
  }

  private CacheExample() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    String env = System.getenv("REDIS_CLUSTER_NODES");
    RedisCluster cluster = null;
    String[] seeds;
    if (env == null || env.isBlank()) {
      System.out.println("Starting a 6-node Redis Cluster on loopback...");
      cluster = RedisCluster.startPrivate();
      seeds = cluster.seedNodeStrings().toArray(new String[0]);
    } else {
      seeds = env.split(",");
    }
    boolean ok;
    try {
      ok = run(seeds);
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
    System.out.println(ok ? "\nCache example finished." : "\nCACHE EXAMPLE FAILED");
    System.exit(ok ? 0 : 1);
  }

  private static boolean run(String[] seeds) throws Exception {
    String ns = "example-" + ProcessHandle.current().pid();
    Map<String, User> database = new ConcurrentHashMap<>();
    database.put("1", new User("1", "Ada"));
    database.put("2", new User("2", "Grace"));
    AtomicInteger dbReads = new AtomicInteger();
    boolean ok = true;

    try (DistributedCache<User> users = DistributedCache.builder(User.class).seedNodes(seeds)
        .namespace(ns).defaultTtl(Duration.ofMinutes(10)).build();
        DistributedCache<Long> counters = DistributedCache.builder(Long.class).seedNodes(seeds)
            .namespace(ns + "-counters").build()) {

      System.out.println("\n== Cache-aside: getOrLoad loads once, then serves from Redis");
      for (int i = 0; i < 3; i++) {
        User u = users.getOrLoad("user:1", Duration.ofMinutes(5), () -> {
          dbReads.incrementAndGet();
          return database.get("1");
        });
        System.out.printf("   getOrLoad(user:1) -> %s   (database reads so far: %d)%n", u, dbReads.get());
      }
      ok &= dbReads.get() == 1;

      System.out.println("\n== A cached function: results cached by argument");
      Function<String, User> findUser = users.cacheAside(id -> {
        dbReads.incrementAndGet();
        return database.get(id);
      }, id -> "user:" + id, Duration.ofMinutes(5));
      System.out.printf("   findUser(2) -> %s, again -> %s   (database reads: %d)%n", findUser.apply("2"), findUser.apply("2"), dbReads.get());
      ok &= dbReads.get() == 2;

      System.out.println("\n== Write-through: the database first, then the cache");
      users.writeThrough("user:1", new User("1", "Ada Lovelace"), Duration.ofMinutes(5), u -> database.put(u.id, u));
      System.out.printf("   database has %s, cache has %s%n", database.get("1"), users.get("user:1"));
      ok &= "Ada Lovelace".equals(users.get("user:1").name);

      System.out.println("\n== Counters: INCRBY with a TTL set when the counter is created");
      for (int i = 0; i < 5; i++) {
        counters.increment("page-views:home", 1, Duration.ofMinutes(1));
      }
      long views = counters.counter("page-views:home").orElse(-1);
      System.out.printf("   page-views:home = %d%n", views);
      ok &= views == 5;

      System.out.println("\n== Pattern invalidation: SCAN MATCH on every master, deletes in slot-grouped batches");
      for (int i = 0; i < 50; i++) {
        users.set("session:" + i, new User("s" + i, "session user"));
      }
      long removed = users.invalidate("session:*");
      System.out.printf("   invalidate(\"session:*\") removed %d keys; user:1 still cached: %s%n", removed, users.exists("user:1"));
      ok &= removed == 50 && users.exists("user:1");

      System.out.println("\n== Two-level caches in two threads: an invalidation crosses over");
      try (DistributedCache<User> l2a = DistributedCache.builder(User.class).seedNodes(seeds).namespace(ns + "-2l").build();
          DistributedCache<User> l2b = DistributedCache.builder(User.class).seedNodes(seeds).namespace(ns + "-2l").build();
          TwoLevelCache<User> a = TwoLevelCache.builder(l2a).l1MaximumSize(10_000).build();
          TwoLevelCache<User> b = TwoLevelCache.builder(l2b).l1MaximumSize(10_000).recordStats().build()) {
        a.set("user:7", new User("7", "Linus"));
        System.out.printf("   A set user:7; B reads %s (now in B's L1)%n", b.get("user:7"));
        CountDownLatch seen = new CountDownLatch(1);
        long[] elapsedMicros = new long[1];
        Thread reader = new Thread(() -> {
          long t0 = System.nanoTime();
          while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
            User u = b.get("user:7");
            if (u != null && "Linus Torvalds".equals(u.name)) {
              elapsedMicros[0] = (System.nanoTime() - t0) / 1000;
              seen.countDown();
              return;
            }
          }
        }, "reader-B");
        reader.start();
        a.set("user:7", new User("7", "Linus Torvalds"));
        boolean crossed = seen.await(5, TimeUnit.SECONDS);
        System.out.printf("   A set user:7 again; thread B saw the new value after %.2f ms: %s%n",
            elapsedMicros[0] / 1000.0, crossed ? b.get("user:7") : "NOT SEEN");
        System.out.printf("   B stats: %s%n", b.stats());
        ok &= crossed;
      }

      CacheStats s = users.stats();
      System.out.printf("%n== Stats of the user cache: %s%n", s);
    }
    return ok;
  }
}
