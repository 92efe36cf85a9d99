package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slots move between masters with their keys, and the cluster stays whole. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisReshardingTest {
  @Test
  void slotsMoveWithTheirKeysAndTheClusterStaysHealthy() {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      List<InetSocketAddress> masters = cluster.masterAddresses();
      InetSocketAddress from = masters.get(0);
      InetSocketAddress to = masters.get(1);
      RedisResharding resharding = RedisResharding.of(cluster);
      List<Integer> before = resharding.slotsOf(from);
      int lowest = before.get(0);
      // Keys in the slot about to move: found by asking Redis which slot a key hashes to.
      int written = 0;
      for (int i = 0; written < 5 && i < 200_000; i++) {
        String key = "key-" + i;
        if (((Long) cluster.command(from, "CLUSTER", "KEYSLOT", key)).intValue() == lowest) {
          assertEquals("OK", cluster.command(from, "SET", key, "value-" + i));
          written++;
        }
      }
      assertEquals(5, written);

      List<Integer> moved = resharding.moveSlots(from, to, 10);

      assertEquals(before.subList(0, 10), moved);
      assertEquals(before.size() - 10, resharding.slotsOf(from).size());
      assertEquals(to.getPort(), cluster.masterOfSlot(lowest).getPort());
      assertEquals(5L, cluster.command(to, "CLUSTER", "COUNTKEYSINSLOT", Integer.toString(lowest)));
      assertEquals(0L, cluster.command(from, "CLUSTER", "COUNTKEYSINSLOT", Integer.toString(lowest)));
      cluster.awaitHealthy(Duration.ofSeconds(30));
      assertTrue(resharding.slotsOf(to).containsAll(moved));
    }
  }

  @Test
  void refusesWhatCannotBeAResharding() {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      InetSocketAddress m = cluster.masterAddresses().get(0);
      RedisResharding r = RedisResharding.of(cluster);
      assertThrows(IllegalArgumentException.class, () -> r.moveSlots(m, m, 1));
      assertThrows(IllegalArgumentException.class, () -> r.moveSlots(m, cluster.masterAddresses().get(1), 0));
    }
  }
}
