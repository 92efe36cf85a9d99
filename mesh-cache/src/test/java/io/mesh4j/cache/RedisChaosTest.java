package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.cache.spi.JedisClusterAdapter;
import io.mesh4j.testkit.FaultProxy;
import io.mesh4j.testkit.FaultProxy.Direction;
import io.mesh4j.testkit.FaultProxyExtension;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.HostAndPortMapper;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Redis faults that hurt, between the cache and a real Redis Cluster: every node sits behind a
 * {@link FaultProxy}. Nodes announce their own addresses in CLUSTER SLOTS, so the client reaches
 * them through a Jedis {@link HostAndPortMapper} that maps each node's address to its proxy at
 * connect time (the cluster itself, gossip and replication, is untouched: a partition here is
 * between this client and one node only, as when one client host loses its route to one shard).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisChaosTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  @RegisterExtension static final FaultProxyExtension PROXIES = new FaultProxyExtension();

  /** The client's timeouts: what bounds a cache call while a node does not answer. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
  private static final Duration SOCKET_TIMEOUT = Duration.ofMillis(500);
  private static final Duration MAX_TOTAL_RETRIES = Duration.ofSeconds(1);
  /**
   * One Redis command's worst case: Jedis retries within its total retry duration, and the last
   * attempt may start just before it ends and wait a connect plus a socket timeout. Plus slack for
   * a loaded machine.
   */
  private static final Duration ONE_COMMAND = MAX_TOTAL_RETRIES.plus(CONNECT_TIMEOUT).plus(SOCKET_TIMEOUT)
      .plusMillis(1_000);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final Map<Integer, FaultProxy> PROXY_BY_NODE_PORT = new HashMap<>();
  private static RedisCluster cluster;
  private static RedisClusterClient raw;

  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeAll
  static void proxyEveryNode(RedisCluster c) {
    cluster = c;
    raw = TestSupport.raw(c);
    for (InetSocketAddress node : c.seedNodes()) {
      PROXY_BY_NODE_PORT.put(node.getPort(), PROXIES.start(node));
    }
  }

  @BeforeEach
  void noFault() {
    PROXIES.clearAll();
  }

  @AfterEach
  void close() throws Exception {
    PROXIES.clearAll();
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  @Test
  void aPartitionedMasterDegradesToTheLoaderWithinTheTimeoutAndRecoversAfterTheHeal() {
    String ns = TestSupport.ns("partition");
    List<CacheEvent> events = Collections.synchronizedList(new ArrayList<>());
    DistributedCache<String> cache = track(DistributedCache.builder(String.class).connection(proxiedConnection())
        .namespace(ns).listener(TestSupport.recording(events)).build());
    int victim = masterOf(slotOf(ns, "a-key"));
    String cut = keyOn(ns, victim);
    String healthy = keyOnAnotherMaster(ns, victim);
    AtomicInteger loads = new AtomicInteger();
    assertEquals("stored", cache.getOrLoad(cut, () -> "stored"));
    assertEquals("stored", cache.getOrLoad(healthy, () -> "stored"));

    proxyOf(victim).partition();

    long start = System.nanoTime();
    String v = cache.getOrLoad(cut, () -> {
      loads.incrementAndGet();
      return "from the loader";
    });
    Duration took = since(start);
    assertEquals("from the loader", v, "degraded to the loader, no exception");
    assertEquals(1, loads.get());
    // A GET that fails, then the loader, then a SET that fails: two commands' worth at most.
    assertTrue(took.compareTo(ONE_COMMAND.multipliedBy(2)) <= 0, "getOrLoad took " + took);
    assertTrue(TestSupport.count(events, CacheEvent.Kind.REDIS_FAILURE) >= 1, "the failure is an event");

    start = System.nanoTime();
    assertNull(cache.get(cut), "a plain get is a miss");
    assertTrue(since(start).compareTo(ONE_COMMAND) <= 0, "get took " + since(start));
    assertEquals("stored", cache.getOrLoad(healthy, () -> "not loaded"), "the other masters still serve");

    proxyOf(victim).clear();
    long healed = System.nanoTime();
    TestSupport.await("the partitioned master serves again", WAIT, () -> "stored".equals(cache.get(cut)));
    assertTrue(since(healed).compareTo(ONE_COMMAND.multipliedBy(2)) <= 0, "recovered after " + since(healed));
    assertEquals("stored", cache.getOrLoad(cut, () -> "not loaded"));
  }

  /**
   * While the node of the channel's slot is partitioned from this client, invalidations from
   * elsewhere cannot arrive, and the subscription cannot notice (its connection waits without a
   * timeout): the sequence check, which cannot reach the node either, turns L1 off once the node has
   * not answered for two check intervals, so reads go to L2 (the key lives on another master).
   */
  @Test
  void l1IsBypassedWhileItsInvalidationChannelsNodeIsUnreachable() {
    Pair pair = twoJvms("channel");
    pair.channel.partition();
    // Invalidations from elsewhere can no longer reach this JVM: its L1 must not answer any more.
    pair.elsewhere.set(pair.key, "v2");
    TestSupport.await("the new value here (L1 bypassed)", Duration.ofSeconds(10), () -> "v2".equals(pair.here.get(pair.key)));
    assertFalse(pair.here.isL1Active());
    assertTrue(pair.here.stats().l1Bypassed() > 0, "reads went to L2");

    pair.channel.clear();
    TestSupport.await("L1 back on after the resubscription", WAIT, pair.here::isL1Active);
    long seen = pair.here.stats().invalidationsReceived();
    pair.elsewhere.set(pair.key, "v3");
    TestSupport.await("the channel delivers again", WAIT, () -> pair.here.stats().invalidationsReceived() > seen);
    assertEquals("v3", pair.here.get(pair.key));
  }

  @Test
  void afterItsInvalidationChannelsNodeHealsL1IsCoherentAgain() {
    Pair pair = twoJvms("heal");
    pair.channel.partition();
    pair.elsewhere.set(pair.key, "v2");
    assertEquals("v2", pair.elsewhere.l2().get(pair.key));

    pair.channel.clear();
    TestSupport.await("the held invalidation arrived here", WAIT, () -> "v2".equals(pair.here.get(pair.key)));
    TestSupport.await("L1 active here", WAIT, pair.here::isL1Active);
    long seen = pair.here.stats().invalidationsReceived();
    pair.elsewhere.set(pair.key, "v3");
    TestSupport.await("the channel delivers again", WAIT, () -> pair.here.stats().invalidationsReceived() > seen);
    assertEquals("v3", pair.here.get(pair.key));
  }

  /** Two JVMs' caches on one namespace: one through the proxies, one direct; a key in "here"'s L1. */
  private record Pair(TwoLevelCache<String> here, TwoLevelCache<String> elsewhere, FaultProxy channel, String key) {}

  private Pair twoJvms(String prefix) {
    String ns = TestSupport.ns(prefix);
    TwoLevelCache<String> here = track(TwoLevelCache.builder(DistributedCache.builder(String.class)
        .connection(proxiedConnection()).namespace(ns).build())
        .sequenceCheckInterval(Duration.ofMillis(200)).recordStats().build());
    TwoLevelCache<String> elsewhere = track(TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .sequenceCheckInterval(Duration.ofMillis(200)).recordStats().build());
    TestSupport.await("L1 active here", WAIT, here::isL1Active);
    TestSupport.await("L1 active elsewhere", WAIT, elsewhere::isL1Active);
    int channelNode = masterOf(JedisClusterCRC16.getSlot("mesh4j:inv:{" + ns + "}"));
    String key = keyOnAnotherMaster(ns, channelNode);
    elsewhere.set(key, "v1");
    TestSupport.await("the write's invalidation arrived here", WAIT, () -> here.stats().invalidationsReceived() >= 1);
    assertEquals("v1", here.get(key));
    assertEquals(1, here.stats().l1Size(), "in L1 here");
    return new Pair(here, elsewhere, proxyOf(channelNode), key);
  }

  @Test
  void latencyOnRedisLeavesL1ServingAndL2CallsBoundedByTheTimeout() {
    String ns = TestSupport.ns("latency");
    TwoLevelCache<String> cache = track(TwoLevelCache.builder(DistributedCache.builder(String.class)
        .connection(proxiedConnection()).namespace(ns).build()).recordStats().build());
    TestSupport.await("L1 active", WAIT, cache::isL1Active);
    cache.set("warm", "in L1");
    // The write's own invalidation comes back over the channel and evicts the key: let it first.
    TestSupport.await("own invalidation received", WAIT, () -> cache.stats().invalidationsReceived() >= 1);
    assertEquals("in L1", cache.get("warm"));
    cache.l2().set("cold", "in L2 only");

    // Below the socket timeout: slower, still working.
    for (FaultProxy p : PROXIES.proxies()) {
      p.latency(Direction.DOWNSTREAM, Duration.ofMillis(200), Duration.ZERO);
    }
    long hits = cache.stats().l1Hits();
    CacheStats l2Before = cache.l2().stats();
    for (int i = 0; i < 100; i++) {
      assertEquals("in L1", cache.get("warm"));
    }
    assertEquals(hits + 100, cache.stats().l1Hits(), "served by L1");
    CacheStats l2After = cache.l2().stats();
    assertEquals(l2Before.hits() + l2Before.misses(), l2After.hits() + l2After.misses(), "no L2 read");
    long start = System.nanoTime();
    assertEquals("in L2 only", cache.l2().get("cold"));
    Duration slow = since(start);
    assertTrue(slow.toMillis() >= 200, "L2 paid the latency: " + slow);

    // Far above it: L2 calls fail within their timeout, as misses; L1 still serves.
    int coldNode = masterOf(slotOf(ns, "cold"));
    proxyOf(coldNode).latency(Direction.DOWNSTREAM, Duration.ofSeconds(5), Duration.ZERO);
    start = System.nanoTime();
    assertNull(cache.l2().get("cold"), "a timed-out read is a miss, not an exception");
    Duration bounded = since(start);
    assertTrue(bounded.compareTo(ONE_COMMAND) <= 0, "L2 get took " + bounded);
    long l1Hits = cache.stats().l1Hits();
    assertEquals("in L1", cache.get("warm"));
    assertEquals(l1Hits + 1, cache.stats().l1Hits());
  }

  // ------------------------------------------------------------------------------------------

  private <T extends AutoCloseable> T track(T c) {
    closeAfter.add(c);
    return c;
  }

  /** A connection whose every socket goes through the node's proxy. */
  private RedisClusterConnection proxiedConnection() {
    HostAndPortMapper toProxy = node -> {
      FaultProxy p = PROXY_BY_NODE_PORT.get(node.getPort());
      return p == null ? node : new HostAndPort(p.host(), p.port());
    };
    DefaultJedisClientConfig config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) CONNECT_TIMEOUT.toMillis())
        .socketTimeoutMillis((int) SOCKET_TIMEOUT.toMillis())
        .clientName("mesh4j-chaos")
        .hostAndPortMapper(toProxy)
        .build();
    Set<HostAndPort> seeds = new LinkedHashSet<>();
    for (InetSocketAddress a : cluster.seedNodes()) {
      seeds.add(new HostAndPort(a.getHostString(), a.getPort()));
    }
    RedisClusterClient client = track(RedisClusterClient.builder().nodes(seeds).clientConfig(config)
        .maxAttempts(3).maxTotalRetriesDuration(MAX_TOTAL_RETRIES)
        .topologyRefreshPeriod(Duration.ofSeconds(5)).build());
    return JedisClusterAdapter.wrap(client, config);
  }

  private static FaultProxy proxyOf(int nodePort) {
    return PROXY_BY_NODE_PORT.get(nodePort);
  }

  /** The slot of a cache key (namespace version 0: "ns:0:key"). */
  private static int slotOf(String ns, String key) {
    return JedisClusterCRC16.getSlot(ns + ":0:" + key);
  }

  private static int masterOf(int slot) {
    try (Connection c = raw.getConnectionFromSlot(slot)) {
      return c.getHostAndPort().getPort();
    }
  }

  private static String keyOn(String ns, int master) {
    for (int i = 0; i < 10_000; i++) {
      if (masterOf(slotOf(ns, "key-" + i)) == master) {
        return "key-" + i;
      }
    }
    throw new AssertionError("no key on " + master);
  }

  private static String keyOnAnotherMaster(String ns, int master) {
    for (int i = 0; i < 10_000; i++) {
      int owner = masterOf(slotOf(ns, "other-" + i));
      if (owner != master) {
        assertNotEquals(master, owner);
        return "other-" + i;
      }
    }
    throw new AssertionError("no key off " + master);
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
