package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A cluster with an ACL user and the default user switched off: the cache authenticates as the
 * user everywhere (pool and subscription); the default user is refused. With SSUBSCRIBE taken
 * from the user, the invalidation channel cannot subscribe, which shows L1 bypassed until the
 * first subscription.
 */
class RedisAclUserTest {
  private static final String USER = "mesh-app";
  private static final String PASSWORD = "pw-" + TestSupport.ns("acl");
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(
      RedisCluster.builder().aclUser(USER, PASSWORD));
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static RedisClusterConnection.Builder asUser(RedisCluster cluster) {
    return RedisAuthTest.connection(cluster).credentials(USER, PASSWORD);
  }

  @Test
  void asTheAclUserEverythingWorksIncludingTheSubscription() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection a = asUser(cluster).build(); RedisClusterConnection b = asUser(cluster).build()) {
      RedisAuthTest.dataAndInvalidationsFlow(a, b);
    }
  }

  @Test
  void theDefaultUserAndAWrongPasswordAreRefusedWithoutNamingThePassword() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection asDefault = RedisAuthTest.connection(cluster).password(PASSWORD).build()) {
      RedisAuthTest.refused(asDefault, PASSWORD);
    }
    String wrong = "wrong-" + PASSWORD;
    try (RedisClusterConnection bad = RedisAuthTest.connection(cluster).credentials(USER, wrong).build()) {
      RedisAuthTest.refused(bad, wrong);
    }
  }

  @Test
  void l1IsBypassedUntilTheFirstSubscription() {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("first-sub");
    InetSocketAddress channelMaster = cluster.masterOfSlot(JedisClusterCRC16.getSlot("mesh4j:inv:{" + ns + "}"));
    aclOnEveryNode(cluster, "-ssubscribe");
    cluster.command(channelMaster, "ACL", "LOG", "RESET");
    List<CacheEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (RedisClusterConnection connection = asUser(cluster).build();
        TwoLevelCache<String> c = TwoLevelCache.builder(DistributedCache.builder(connection, String.class)
            .namespace(ns).build()).listener(TestSupport.recording(events)).recordStats().build()) {
      assertFalse(c.isL1Active(), "off from construction, before any subscription attempt");
      // The subscriber has tried, and Redis refused it: only now is "not subscribed yet" certain.
      TestSupport.await("an SSUBSCRIBE refused by the ACL", WAIT,
          () -> String.valueOf(cluster.command(channelMaster, "ACL", "LOG")).contains("ssubscribe"));
      assertTrue(c.set("k", "v"));
      for (int i = 0; i < 3; i++) {
        assertEquals("v", c.get("k"), "read " + i + " from L2");
      }
      assertEquals("v", c.getOrLoad("k", () -> "loader must not run"));
      assertEquals(Map.of("k", "v"), c.getMulti(List.of("k")));
      assertFalse(c.isL1Active());
      TwoLevelCacheStats before = c.stats();
      assertEquals(0, before.l1Hits(), "no L1 hit before the first subscription");
      assertEquals(0, before.l1Misses(), "nor an L1 lookup");
      assertEquals(5, before.l1Bypassed(), "every read bypassed L1");
      assertEquals(0, before.l1Size(), "and none filled it");
      assertEquals(0, TestSupport.count(events, CacheEvent.Kind.L1_RESUMED));

      aclOnEveryNode(cluster, "+ssubscribe");
      TestSupport.await("subscribed once allowed", WAIT, c::isL1Active);
      // The event follows the activation on the subscriber's thread: wait for it, then exactly one.
      TestSupport.await("L1_RESUMED published", WAIT, () -> TestSupport.count(events, CacheEvent.Kind.L1_RESUMED) >= 1);
      assertEquals(1, TestSupport.count(events, CacheEvent.Kind.L1_RESUMED));
      assertEquals("v", c.get("k"));
      assertEquals("v", c.get("k"));
      assertEquals(1, c.stats().l1Hits(), "L1 in use from the first subscription on");
      assertEquals(5, c.stats().l1Bypassed());
    } finally {
      aclOnEveryNode(cluster, "+ssubscribe");
    }
  }

  private static void aclOnEveryNode(RedisCluster cluster, String rule) {
    for (InetSocketAddress node : cluster.seedNodes()) {
      assertEquals("OK", cluster.command(node, "ACL", "SETUSER", USER, rule), "ACL SETUSER on " + node);
    }
  }
}
