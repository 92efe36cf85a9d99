package io.mesh4j.cache;

import static io.mesh4j.cache.TestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/** Every DistributedCache operation against the shared real Redis Cluster. */
class DistributedCacheTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  /** A value type with a nested list, to show the typed codec round trip. */
  record Item(String name, int qty, List<String> tags) {}

  private static RedisCluster cluster;
  private static RedisClusterConnection shared;
  private static RedisClusterClient raw;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
    shared = TestSupport.connection(cluster);
    raw = TestSupport.raw(cluster);
  }

  @AfterAll
  static void stop() {
    shared.close();
    raw.close();
  }

  private static DistributedCache<Item> items(String ns) {
    return DistributedCache.builder(shared, Item.class).namespace(ns).build();
  }

  @Test
  void getSetDeleteExistsExpire() {
    try (DistributedCache<Item> cache = items(TestSupport.ns("basic"))) {
      Item a = new Item("apple", 3, List.of("red", "fruit"));
      assertNull(cache.get("a"));
      assertFalse(cache.exists("a"));
      assertTrue(cache.set("a", a, Duration.ofMinutes(1)));
      assertEquals(a, cache.get("a"));
      assertTrue(cache.exists("a"));

      long pttl = raw.pttl(bytes(cache.namespace() + ":0:a"));
      assertTrue(pttl > 50_000 && pttl <= 60_000, "TTL set on write, was " + pttl);
      assertTrue(cache.expire("a", Duration.ofSeconds(5)));
      pttl = raw.pttl(bytes(cache.namespace() + ":0:a"));
      assertTrue(pttl > 0 && pttl <= 5_000, "expire changed the TTL, was " + pttl);
      assertFalse(cache.expire("missing", Duration.ofSeconds(5)));

      assertTrue(cache.delete("a"));
      assertFalse(cache.delete("a"));
      assertNull(cache.get("a"));
      CacheStats s = cache.stats();
      assertEquals(1, s.hits());
      assertEquals(2, s.misses());
      assertEquals(0, s.redisErrors());
    }
  }

  @Test
  void setIfAbsentAndSetIfPresent() {
    try (DistributedCache<Item> cache = items(TestSupport.ns("nxxx"))) {
      Item one = new Item("one", 1, List.of());
      Item two = new Item("two", 2, List.of());
      assertFalse(cache.setIfPresent("k", one, Duration.ofMinutes(1)), "XX on a missing key");
      assertNull(cache.get("k"));
      assertTrue(cache.setIfAbsent("k", one, Duration.ofMinutes(1)));
      assertFalse(cache.setIfAbsent("k", two, Duration.ofMinutes(1)), "NX on a present key");
      assertEquals(one, cache.get("k"));
      assertTrue(cache.setIfPresent("k", two, Duration.ofMinutes(1)));
      assertEquals(two, cache.get("k"));
    }
  }

  @Test
  void keysOverAllSlotsAndHashTagsLandOnEveryMaster() {
    String ns = TestSupport.ns("slots");
    try (DistributedCache<Item> cache = items(ns)) {
      Set<Integer> slots = new HashSet<>();
      for (int i = 0; i < 600; i++) {
        String key = "key-" + i;
        assertTrue(cache.set(key, new Item(key, i, List.of()), Duration.ofMinutes(1)));
        slots.add(JedisClusterCRC16.getSlot(ns + ":0:" + key));
      }
      // Hash-tagged keys: all of one tag share a slot, whatever the rest of the key.
      for (int i = 0; i < 20; i++) {
        cache.set("{user42}:field-" + i, new Item("f" + i, i, List.of()), Duration.ofMinutes(1));
      }
      assertTrue(slots.size() > 500, "keys spread over many slots: " + slots.size());
      assertEquals(1, java.util.stream.IntStream.range(0, 20)
          .map(i -> JedisClusterCRC16.getSlot(ns + ":0:{user42}:field-" + i)).distinct().count());
      for (InetSocketAddress master : cluster.masterAddresses()) {
        assertTrue(TestSupport.keysOn(cluster, master, ns + ":") > 100, "keys on master " + master);
      }
      for (int i = 0; i < 600; i += 7) {
        assertEquals(i, cache.get("key-" + i).qty());
      }
      for (int i = 0; i < 20; i++) {
        assertEquals(i, cache.get("{user42}:field-" + i).qty());
      }
    }
  }

  @Test
  void getMultiAndSetMultiAcrossNodes() {
    String ns = TestSupport.ns("multi");
    try (DistributedCache<Item> cache = items(ns)) {
      Map<String, Item> entries = new LinkedHashMap<>();
      for (int i = 0; i < 150; i++) {
        entries.put("m" + i, new Item("m" + i, i, List.of("t" + i)));
      }
      entries.put("{tag}a", new Item("ta", 1, List.of()));
      entries.put("{tag}b", new Item("tb", 2, List.of()));
      assertEquals(entries.size(), cache.setMulti(entries, Duration.ofMinutes(1)));

      List<String> ask = new ArrayList<>(entries.keySet());
      ask.add("absent-1");
      ask.add("absent-2");
      ask.add("m3"); // a duplicate is answered once
      Map<String, Item> got = cache.getMulti(ask);
      assertEquals(entries, got);
      assertEquals(List.copyOf(entries.keySet()), List.copyOf(got.keySet()), "request order kept");
      assertEquals(cache.stats().hits(), entries.size());
      assertEquals(2, cache.stats().misses());
      assertEquals(Map.of(), cache.getMulti(List.of()));

      // The keys really are on every master: the pipeline had to talk to all of them.
      for (InetSocketAddress master : cluster.masterAddresses()) {
        assertTrue(TestSupport.keysOn(cluster, master, ns + ":") > 10);
      }
    }
  }

  @Test
  void countersWithTtlOnCreation() {
    try (DistributedCache<Item> cache = items(TestSupport.ns("ctr"))) {
      assertTrue(cache.counter("hits").isEmpty());
      assertEquals(5, cache.increment("hits", 5, Duration.ofSeconds(30)).getAsLong());
      long pttl = raw.pttl(bytes(cache.namespace() + ":0:hits"));
      assertTrue(pttl > 0 && pttl <= 30_000, "TTL given on creation, was " + pttl);
      raw.pexpire(bytes(cache.namespace() + ":0:hits"), 90_000);
      assertEquals(7, cache.increment("hits", 2, Duration.ofSeconds(30)).getAsLong());
      assertTrue(raw.pttl(bytes(cache.namespace() + ":0:hits")) > 30_000, "TTL kept on later increments");
      assertEquals(4, cache.decrement("hits", 3, Duration.ofSeconds(30)).getAsLong());
      assertEquals(4, cache.counter("hits").getAsLong());
    }
  }

  @Test
  void setsAndQueues() throws Exception {
    try (DistributedCache<Item> cache = items(TestSupport.ns("coll"))) {
      Item a = new Item("a", 1, List.of());
      Item b = new Item("b", 2, List.of());
      assertTrue(cache.addToSet("s", a));
      assertFalse(cache.addToSet("s", a), "already a member");
      assertTrue(cache.addToSet("s", b));
      assertEquals(Set.of(a, b), cache.setMembers("s"));
      assertTrue(raw.pttl(bytes(cache.namespace() + ":0:s")) > 0, "a new set gets the default TTL");
      assertTrue(cache.removeFromSet("s", a));
      assertFalse(cache.removeFromSet("s", a));
      assertEquals(Set.of(b), cache.setMembers("s"));
      assertEquals(Set.of(), cache.setMembers("no-such-set"));

      assertTrue(cache.push("q", a));
      assertTrue(cache.push("q", b));
      assertEquals(a, cache.pop("q"), "FIFO");
      assertEquals(b, cache.pop("q"));
      assertNull(cache.pop("q"));
      assertNull(cache.pop("q", Duration.ofMillis(100)), "blocking pop times out empty");

      CompletableFuture<Item> waiting = CompletableFuture.supplyAsync(() -> cache.pop("q2", Duration.ofSeconds(10)));
      TestSupport.await("blocked pop registered", Duration.ofSeconds(5), () -> blockedClients() > 0);
      cache.push("q2", b);
      assertEquals(b, waiting.get(30, TimeUnit.SECONDS));
    }
  }

  private static long blockedClients() {
    long n = 0;
    for (InetSocketAddress m : cluster.masterAddresses()) {
      String info = String.valueOf(cluster.command(m, "INFO", "clients"));
      for (String line : info.split("\r?\n")) {
        if (line.startsWith("blocked_clients:")) {
          n += Long.parseLong(line.substring("blocked_clients:".length()).trim());
        }
      }
    }
    return n;
  }

  @Test
  void invalidatePatternDeletesMatchingKeysOnEveryMaster() {
    String ns = TestSupport.ns("inv");
    try (DistributedCache<Item> cache = items(ns)) {
      Map<String, Item> entries = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        entries.put("user:" + i, new Item("u", i, List.of()));
        entries.put("order:" + i, new Item("o", i, List.of()));
      }
      cache.setMulti(entries, Duration.ofMinutes(1));
      for (InetSocketAddress master : cluster.masterAddresses()) {
        assertTrue(TestSupport.keysOn(cluster, master, ns + ":0:user:") > 30, "user keys on " + master);
      }

      assertEquals(300, cache.invalidate("user:*"));

      for (InetSocketAddress master : cluster.masterAddresses()) {
        assertEquals(0, TestSupport.keysOn(cluster, master, ns + ":0:user:"), "none left on " + master);
      }
      assertNull(cache.get("user:7"));
      assertEquals(7, cache.get("order:7").qty());
      assertEquals(0, cache.invalidate("user:*"));
      assertEquals(1, cache.invalidate("order:1[0]"));
      assertNull(cache.get("order:10"));
      assertEquals(11, cache.get("order:11").qty());
    }
  }

  @Test
  void invalidateAllBumpsTheNamespaceVersion() {
    String ns = TestSupport.ns("all");
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    try (DistributedCache<Item> a = DistributedCache.builder(shared, Item.class).namespace(ns)
            .ticker(nanos::get).build();
        DistributedCache<Item> b = DistributedCache.builder(shared, Item.class).namespace(ns)
            .namespaceVersionCheckInterval(Duration.ZERO).build()) {
      Item v = new Item("v", 1, List.of());
      a.set("k1", v);
      a.set("k2", v);
      assertEquals(v, b.get("k1"));
      assertEquals(1, a.invalidateAll());
      assertNull(a.get("k1"), "the writer sees the new version at once");
      assertNull(b.get("k2"), "another instance re-reads the version (interval 0 here)");
      a.set("k1", new Item("v2", 2, List.of()));
      assertEquals(2, b.get("k1").qty());
      assertTrue(raw.exists(bytes(ns + ":0:k2")), "old entries are only unreachable; they die by TTL");
      assertEquals(2, b.invalidateAll());
      assertEquals(2, a.get("k1").qty(), "a re-reads the version once per interval (1 s default)");
      nanos.addAndGet(Duration.ofSeconds(1).toNanos());
      assertNull(a.get("k1"), "...and sees the bump once the interval has passed");
    }
  }

  @Test
  void getMultiAnswersInRequestOrderWhenKeysShareASlot() {
    try (DistributedCache<Item> cache = items(TestSupport.ns("order"))) {
      List<String> keys = List.of("{s}b", "a", "{s}a"); // the first and the last share a slot
      Map<String, Item> entries = new LinkedHashMap<>();
      keys.forEach(k -> entries.put(k, new Item(k, 1, List.of())));
      assertEquals(3, cache.setMulti(entries, Duration.ofMinutes(1)));
      assertEquals(keys, List.copyOf(cache.getMulti(keys).keySet()));
    }
  }

  @Test
  void corruptPayloadIsAMissDeletedAndCounted() {
    String ns = TestSupport.ns("corrupt");
    List<CacheEvent> events = new ArrayList<>();
    try (DistributedCache<Item> cache = DistributedCache.builder(shared, Item.class).namespace(ns)
        .listener(TestSupport.recording(events)).build()) {
      raw.set(bytes(ns + ":0:garbage"), bytes("\u00ac\u00ed not ours"));
      byte[] badJson = new byte[] {(byte) 0xCA, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '{', 'x'};
      raw.set(bytes(ns + ":0:bad-json"), badJson);

      assertNull(cache.get("garbage"));
      assertNull(cache.get("bad-json"));
      assertFalse(raw.exists(bytes(ns + ":0:garbage")), "deleted");
      assertFalse(raw.exists(bytes(ns + ":0:bad-json")), "deleted");
      assertEquals(2, cache.stats().decodeFailures());
      assertEquals(2, cache.stats().misses());
      assertEquals(2, TestSupport.count(events, CacheEvent.Kind.DECODE_FAILURE));

      raw.set(bytes(ns + ":0:g2"), bytes("junk"));
      AtomicInteger loads = new AtomicInteger();
      Item loaded = cache.getOrLoad("g2", Duration.ofMinutes(1), () -> {
        loads.incrementAndGet();
        return new Item("fresh", 1, List.of());
      });
      assertEquals("fresh", loaded.name());
      assertEquals(1, loads.get(), "a corrupt entry is a miss for getOrLoad too");
      assertEquals("fresh", cache.get("g2").name());
    }
  }

  @Test
  void genericTypesThroughTypeReference() {
    try (DistributedCache<List<Item>> cache = DistributedCache.builder(new TypeReference<List<Item>>() {})
        .connection(shared).namespace(TestSupport.ns("generic")).build()) {
      List<Item> value = List.of(new Item("a", 1, List.of("x")), new Item("b", 2, List.of()));
      cache.set("list", value);
      List<Item> back = cache.get("list");
      assertEquals(value, back);
      assertEquals(Item.class, back.get(0).getClass(), "elements are Items, not maps");
    }
  }

  @Test
  void aWrappedJedisClientIsSharedAndLeftOpen() {
    String ns = TestSupport.ns("adapter");
    try (RedisClusterClient mine = TestSupport.raw(cluster)) {
      RedisClusterConnection wrapped = io.mesh4j.cache.spi.JedisClusterAdapter.wrap(mine);
      try (DistributedCache<Item> cache = DistributedCache.builder(wrapped, Item.class).namespace(ns).build()) {
        cache.set("k", new Item("k", 1, List.of()));
        assertEquals(1, cache.get("k").qty());
        assertEquals(1, cache.invalidate("*"));
      }
      wrapped.close();
      assertEquals("OK", mine.set(ns + ":probe", "still open"), "closing the wrapper left the client open");
      mine.del(ns + ":probe");
    }
  }

  @Test
  void cacheAsideAndWriteThrough() {
    try (DistributedCache<Item> cache = items(TestSupport.ns("helpers"))) {
      AtomicInteger calls = new AtomicInteger();
      Function<Integer, Item> lookup = cache.cacheAside(id -> {
        calls.incrementAndGet();
        return new Item("item" + id, id, List.of());
      }, id -> "item:" + id, Duration.ofMinutes(1));
      assertEquals(5, lookup.apply(5).qty());
      assertEquals(5, lookup.apply(5).qty());
      assertEquals(6, lookup.apply(6).qty());
      assertEquals(2, calls.get(), "one call per distinct argument");

      Map<String, Item> database = new HashMap<>();
      Item updated = new Item("item5", 50, List.of());
      cache.writeThrough("item:5", updated, Duration.ofMinutes(1), v -> database.put("5", v));
      assertEquals(updated, database.get("5"));
      assertEquals(50, cache.get("item:5").qty());

      RuntimeException dbDown = new IllegalStateException("database down");
      IllegalStateException thrown = assertThrows(IllegalStateException.class,
          () -> cache.writeThrough("item:6", new Item("x", 60, List.of()), Duration.ofMinutes(1), v -> {
            throw dbDown;
          }));
      assertSame(dbDown, thrown, "the writer's own exception reaches the caller");
      assertEquals(6, cache.get("item:6").qty(), "a failed source write leaves the cache untouched");
    }
  }
  /**
   * The source of truth took the new value but Redis refused the cache write (the master of the
   * key is out of memory: SET is refused, DEL still allowed): the old value must not stay cached.
   */
  @Test
  void writeThroughWhoseCacheWriteFailsLeavesNoOldValueBehind() {
    String ns = TestSupport.ns("wt-fail");
    List<CacheEvent> events = new ArrayList<>();
    try (DistributedCache<Item> cache = DistributedCache.builder(shared, Item.class).namespace(ns)
        .listener(TestSupport.recording(events)).build()) {
      Item old = new Item("old", 1, List.of());
      assertTrue(cache.set("item:7", old));
      Map<String, Item> database = new HashMap<>();
      Item updated = new Item("new", 2, List.of());
      InetSocketAddress master = cluster.masterOfSlot(JedisClusterCRC16.getSlot(ns + ":0:item:7"));
      assertTrue(raw.exists(ns + ":0:item:7"), "the stored key format this test derives the slot from");
      outOfMemory(master, () -> {
        assertFalse(cache.set("item:7", old), "the master refuses writes now");
        assertEquals(updated, cache.writeThrough("item:7", updated, Duration.ofMinutes(1), v -> database.put("7", v)));
      });
      assertEquals(updated, database.get("7"), "the source of truth has the new value");
      assertNull(cache.get("item:7"), "the old value was deleted, so the next read reloads");
      assertTrue(TestSupport.count(events, CacheEvent.Kind.REDIS_FAILURE) >= 2, "the refused writes were reported");
      assertEquals(updated, cache.getOrLoad("item:7", () -> database.get("7")));
    }
  }

  /** Runs {@code body} while {@code master} refuses every write that needs memory (OOM). */
  private static void outOfMemory(InetSocketAddress master, Runnable body) {
    Object policy = cluster.command(master, "CONFIG", "GET", "maxmemory-policy");
    assertEquals("noeviction", ((List<?>) policy).get(1), "the master evicts nothing, so SET is refused");
    assertEquals("OK", cluster.command(master, "CONFIG", "SET", "maxmemory", "1"));
    try {
      body.run();
    } finally {
      assertEquals("OK", cluster.command(master, "CONFIG", "SET", "maxmemory", "0"));
    }
  }
}
