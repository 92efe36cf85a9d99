package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisClusterTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  static RedisClusterClient client(RedisCluster cluster) {
    Set<HostAndPort> nodes = new HashSet<>();
    for (InetSocketAddress a : cluster.seedNodes()) {
      nodes.add(new HostAndPort(a.getHostString(), a.getPort()));
    }
    return RedisClusterClient.create(nodes);
  }

  @Test
  void threeMastersCoverEverySlot(RedisCluster cluster) {
    assertEquals(3, cluster.masterAddresses().size());
    assertEquals(6, cluster.seedNodes().size());
    Object info = cluster.command(cluster.seedNodes().get(0), "CLUSTER", "INFO");
    assertTrue(info.toString().contains("cluster_state:ok"));
    assertTrue(info.toString().contains("cluster_slots_assigned:16384"));
    assertTrue(info.toString().contains("cluster_known_nodes:6"));
  }

  @Test
  void writesAndReadsThousandKeysOverAllSlots(RedisCluster cluster) {
    try (RedisClusterClient jedis = client(cluster)) {
      Set<Integer> masterPortsHit = new HashSet<>();
      for (int i = 0; i < 1000; i++) {
        jedis.set("testkit:key:" + i, "value-" + i);
      }
      for (int i = 0; i < 1000; i++) {
        assertEquals("value-" + i, jedis.get("testkit:key:" + i));
        int slot = JedisClusterCRC16.getSlot("testkit:key:" + i);
        masterPortsHit.add(slot * 3 / 16384);
      }
      assertEquals(3, masterPortsHit.size(), "keys landed on all three masters' slot ranges");
      long total = 0;
      for (InetSocketAddress m : cluster.masterAddresses()) {
        long n = (Long) cluster.command(m, "DBSIZE");
        assertTrue(n > 0, "master " + m + " holds keys");
        total += n;
      }
      assertTrue(total >= 1000);
    }
  }

  @Test
  void killMasterPromotesReplicaAndKillClients() throws Exception {
    try (RedisCluster cluster = RedisCluster.startPrivate(); RedisClusterClient jedis = client(cluster)) {
      for (int i = 0; i < 100; i++) {
        jedis.set("k" + i, "v" + i);
      }
      // A pub/sub connection, which killClients("TYPE","pubsub") must cut.
      JedisPubSub sub = new JedisPubSub() {};
      Thread subscriber = new Thread(() -> {
        try {
          jedis.subscribe(sub, "testkit-channel");
        } catch (RuntimeException expected) {
          // Ends when the connection is killed.
        }
      });
      subscriber.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!sub.isSubscribed() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(sub.isSubscribed());
      assertTrue(cluster.killClients("TYPE", "pubsub") >= 1);
      subscriber.join(10_000);
      assertFalse(subscriber.isAlive(), "the subscriber's connection was killed");

      List<InetSocketAddress> before = cluster.masterAddresses();
      InetSocketAddress killed = cluster.killMasterAndAwaitFailover(Duration.ofSeconds(30));
      assertTrue(before.contains(killed));
      List<InetSocketAddress> after = cluster.masterAddresses();
      assertEquals(3, after.size());
      assertFalse(after.contains(killed));
      jedis.refreshClusterTopology();
      for (int i = 0; i < 100; i++) {
        jedis.set("after" + i, "v" + i);
        assertEquals("v" + i, jedis.get("after" + i));
      }
      cluster.restartNode(killed);
      cluster.awaitHealthy(Duration.ofSeconds(30));
      assertEquals(3, cluster.masterAddresses().size(), "the old master came back as a replica");
    }
  }
}
