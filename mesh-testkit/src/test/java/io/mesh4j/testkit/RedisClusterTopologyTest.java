package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/** Masters added to and removed from a running cluster (issue 15, part 1): no key is lost on the way. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RedisClusterTopologyTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int KEYS = 2000;

  @Test
  void anAddedMasterJoinsEveryNodeTakesSlotsWithTheirKeysAndServesThem() {
    RedisCluster cluster = RedisCluster.startPrivate();
    try (RedisClusterClient jedis = RedisClusterTest.client(cluster)) {
      writeKeys(jedis);
      List<Long> pidsBefore = cluster.pids();

      InetSocketAddress added = cluster.addMaster(TIMEOUT);

      assertEquals(7, cluster.seedNodes().size());
      assertTrue(cluster.seedNodes().contains(added));
      assertEquals(4, cluster.masterAddresses().size());
      assertTrue(cluster.masterAddresses().contains(added));
      assertEquals(7, cluster.pids().size());
      String id = (String) cluster.command(added, "CLUSTER", "MYID");
      for (InetSocketAddress node : cluster.seedNodes()) {
        assertTrue(cluster.command(node, "CLUSTER", "NODES").toString().contains(id), node + " knows the new master");
        assertTrue(cluster.command(node, "CLUSTER", "INFO").toString().contains("cluster_state:ok"));
      }
      assertTrue(RedisResharding.of(cluster).slotsOf(added).isEmpty(), "a new master holds no slot");

      InetSocketAddress from = cluster.masterAddresses().get(0);
      List<Integer> moved = RedisResharding.of(cluster).moveSlots(from, added, 200);

      assertEquals(200, moved.size());
      assertEquals(added, cluster.masterOfSlot(moved.get(0)));
      long onAdded = 0;
      for (int slot : moved) {
        onAdded += (Long) cluster.command(added, "CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot));
      }
      assertTrue(onAdded > 0, "keys moved with their slots to the new master");
      assertKeys(jedis);
      // The new master serves its slots: a write through the client lands on it.
      String key = keyInSlot(moved.get(moved.size() - 1));
      jedis.set(key, "fresh");
      assertEquals("fresh", cluster.command(added, "GET", key));
      cluster.awaitHealthy(TIMEOUT);

      List<Long> addedPids = new ArrayList<>(cluster.pids());
      addedPids.removeAll(pidsBefore);
      assertEquals(1, addedPids.size());
      cluster.close();
      assertFalse(ProcessHandle.of(addedPids.get(0)).map(ProcessHandle::isAlive).orElse(false),
          "close() stops the added node too");
    } finally {
      cluster.close();
    }
  }

  @Test
  void removedMastersLoseNoKeyStopAndAreForgotten() {
    try (RedisCluster cluster = RedisCluster.startPrivate(); RedisClusterClient jedis = RedisClusterTest.client(cluster)) {
      InetSocketAddress added = cluster.addMaster(TIMEOUT);
      RedisResharding.of(cluster).moveSlots(cluster.masterAddresses().get(0), added, 300);
      writeKeys(jedis);
      assertTrue((Long) cluster.command(added, "DBSIZE") > 0, "the added master holds keys before its removal");

      // The added master (no replica) ...
      assertRemoved(cluster, jedis, added, 3, 6);
      // ... and an original one, whose replica must find another master.
      InetSocketAddress original = cluster.masterAddresses().get(1);
      assertRemoved(cluster, jedis, original, 2, 5);
      long replicas = cluster.seedNodes().stream()
          .filter(n -> cluster.command(n, "ROLE").toString().startsWith("[slave")).count();
      assertEquals(3, replicas, "the removed master's replica replicates a remaining master");
      // Down to one master, which cannot go.
      assertRemoved(cluster, jedis, cluster.masterAddresses().get(0), 1, 4);
      InetSocketAddress last = cluster.masterAddresses().get(0);
      IllegalStateException lastOne = assertThrows(IllegalStateException.class, () -> cluster.removeMaster(last, TIMEOUT));
      assertTrue(lastOne.getMessage().contains("last master"), lastOne.getMessage());
    }
  }

  @Test
  void anAddedMasterSpeaksTlsAndKnowsTheAclUsersOfTheOthers() {
    try (RedisCluster cluster = RedisCluster.builder().tlsWithClientCertificates()
            .aclUser("app", "app-secret-1", RedisCluster.Builder.CACHE_ACL_RULES).startPrivate();
        RedisClusterClient jedis = RedisTlsClusterTest.client(cluster, true)) {
      InetSocketAddress added = cluster.addMaster(TIMEOUT);
      RedisResharding.of(cluster).moveSlots(cluster.masterAddresses().get(0), added, 100);
      writeKeys(jedis);
      assertTrue((Long) cluster.command(added, "DBSIZE") > 0, "the app user wrote to the new master over TLS");

      cluster.removeMaster(added, TIMEOUT);

      assertKeys(jedis);
      assertEquals(3, cluster.masterAddresses().size());
      assertEquals(6, cluster.pids().size());
    }
  }

  @Test
  void aMasterThatLosesItsLastSlotBecomesAReplicaAndTheMoveSucceeds() {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      InetSocketAddress owner = cluster.masterAddresses().get(0);
      RedisResharding resharding = RedisResharding.of(cluster);
      // The emptied master turns replica as soon as gossip tells it the new owner: a race with the
      // resharding's own SETSLOT on it, so a few rounds.
      for (int round = 0; round < 4; round++) {
        InetSocketAddress added = cluster.addMaster(TIMEOUT);
        List<Integer> slot = resharding.moveSlots(owner, added, 1);
        assertEquals(List.of(slot.get(0)), resharding.moveSlots(added, owner, 1), "round " + round);
        assertEquals(owner, cluster.masterOfSlot(slot.get(0)));
        cluster.awaitHealthy(TIMEOUT);
        assertFalse(cluster.masterAddresses().contains(added), "an empty master turned replica, round " + round);
      }
    }
  }

  @Test
  void refusesWhatCannotBeATopologyChange() {
    RedisCluster cluster = RedisCluster.startPrivate();
    try {
      InetSocketAddress master = cluster.masterAddresses().get(0);
      InetSocketAddress replica = cluster.seedNodes().stream().filter(n -> !cluster.masterAddresses().contains(n))
          .findFirst().orElseThrow();
      IllegalArgumentException notMaster = assertThrows(IllegalArgumentException.class,
          () -> cluster.removeMaster(replica, TIMEOUT));
      assertTrue(notMaster.getMessage().contains(replica.toString()), notMaster.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> cluster.removeMaster(new InetSocketAddress("127.0.0.1", 1), TIMEOUT));
      assertThrows(IllegalArgumentException.class, () -> cluster.addMaster(Duration.ZERO));
      assertThrows(IllegalArgumentException.class, () -> cluster.removeMaster(master, Duration.ofSeconds(-1)));
      assertThrows(NullPointerException.class, () -> cluster.removeMaster(null, TIMEOUT));
      IllegalStateException tooSlow = assertThrows(IllegalStateException.class,
          () -> cluster.removeMaster(master, Duration.ofMillis(1)));
      assertTrue(tooSlow.getMessage().contains("timed out"), tooSlow.getMessage());
      cluster.awaitHealthy(TIMEOUT);
      assertEquals(3, cluster.masterAddresses().size(), "a removal that timed out leaves the master in place");
      cluster.close();
      assertThrows(IllegalStateException.class, () -> cluster.addMaster(TIMEOUT));
    } finally {
      cluster.close();
    }
  }

  private static void assertRemoved(RedisCluster cluster, RedisClusterClient jedis, InetSocketAddress master,
      int mastersLeft, int nodesLeft) {
    String id = (String) cluster.command(master, "CLUSTER", "MYID");
    List<Long> pidsBefore = cluster.pids();

    cluster.removeMaster(master, TIMEOUT);

    assertEquals(mastersLeft, cluster.masterAddresses().size());
    assertFalse(cluster.masterAddresses().contains(master));
    assertFalse(cluster.seedNodes().contains(master));
    assertEquals(nodesLeft, cluster.seedNodes().size());
    assertEquals(nodesLeft, cluster.pids().size());
    List<Long> gone = new ArrayList<>(pidsBefore);
    gone.removeAll(cluster.pids());
    assertEquals(1, gone.size());
    assertFalse(ProcessHandle.of(gone.get(0)).map(ProcessHandle::isAlive).orElse(false), "its process is gone");
    for (InetSocketAddress node : cluster.seedNodes()) {
      assertFalse(cluster.command(node, "CLUSTER", "NODES").toString().contains(id), node + " forgot " + master);
    }
    assertKeys(jedis);
    cluster.awaitHealthy(TIMEOUT);
  }

  private static void writeKeys(RedisClusterClient jedis) {
    for (int i = 0; i < KEYS; i++) {
      jedis.set("topo:" + i, "v" + i);
    }
  }

  private static void assertKeys(RedisClusterClient jedis) {
    for (int i = 0; i < KEYS; i++) {
      assertEquals("v" + i, jedis.get("topo:" + i), "topo:" + i);
    }
  }

  private static String keyInSlot(int slot) {
    for (int i = 0; ; i++) {
      String key = "fresh:" + i;
      if (JedisClusterCRC16.getSlot(key) == slot) {
        return key;
      }
    }
  }
}
