package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import io.mesh4j.testkit.RedisResharding;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis Cluster resharded under traffic (issue 15, part 5), on a private cluster: slots move
 * between masters, keys included, while four threads run get, set, getMulti and getOrLoad in
 * strict mode (so a failure reaches the caller instead of being counted). No call may fail and no
 * read may return a wrong value: MOVED and ASK must be followed, and a getMulti that spans a slot
 * in migration must still answer every key.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReshardingTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance();
  private static final int KEYS = 2000;
  private static final int SLOTS_TO_MOVE = 300;

  @Test
  void cacheCallsKeepWorkingWhileSlotsMove() throws Exception {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("reshard");
    try (DistributedCache<String> cache = TestSupport.strings(cluster, ns).strict(true).build()) {
      for (int i = 0; i < KEYS; i++) {
        cache.set("k" + i, "v" + i);
      }
      List<InetSocketAddress> masters = cluster.masterAddresses();
      InetSocketAddress from = masters.get(0);
      InetSocketAddress to = masters.get(1);
      RedisResharding resharding = RedisResharding.of(cluster);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ops = new AtomicLong();
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      List<String> wrong = Collections.synchronizedList(new ArrayList<>());
      List<Thread> traffic = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int kind = t;
        Thread thread = new Thread(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          int own = 0;
          while (!stop.get()) {
            int i = random.nextInt(KEYS);
            try {
              switch (kind) {
                case 0 -> check(wrong, "get k" + i, "v" + i, cache.get("k" + i));
                case 1 -> {
                  String key = "w" + kind + "-" + (own++ % 500);
                  String value = "x" + random.nextInt();
                  cache.set(key, value);
                  check(wrong, "read-back " + key, value, cache.get(key));
                }
                case 2 -> {
                  List<String> keys = new ArrayList<>();
                  for (int j = 0; j < 20; j++) {
                    keys.add("k" + ((i + j * 97) % KEYS));
                  }
                  Map<String, String> got = cache.getMulti(keys);
                  for (String k : keys) {
                    check(wrong, "getMulti " + k, "v" + k.substring(1), got.get(k));
                  }
                }
                default -> {
                  String key = "l" + i;
                  check(wrong, "getOrLoad " + key, "L" + i, cache.getOrLoad(key, () -> "L" + key.substring(1)));
                }
              }
              ops.incrementAndGet();
            } catch (RuntimeException e) {
              failures.add(e);
            }
          }
        }, "reshard-traffic-" + t);
        thread.start();
        traffic.add(thread);
      }

      List<Integer> moved;
      try {
        long before = ops.get();
        TestSupport.await("traffic running", Duration.ofSeconds(10), () -> ops.get() > before + 100);
        moved = resharding.moveSlots(from, to, SLOTS_TO_MOVE);
        long during = ops.get() - before;
        assertTrue(during > 500, "traffic ran while slots moved: " + during + " operations");
      } finally {
        stop.set(true);
        for (Thread thread : traffic) {
          thread.join(10_000);
        }
      }

      assertEquals(SLOTS_TO_MOVE, moved.size());
      for (int slot : List.of(moved.get(0), moved.get(moved.size() - 1))) {
        assertEquals(to.getPort(), cluster.masterOfSlot(slot).getPort(), "slot " + slot + " moved");
      }
      long keysMoved = 0;
      for (int slot : moved) {
        keysMoved += (Long) cluster.command(to, "CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot));
      }
      assertTrue(keysMoved > 50, "the moved slots carried keys over: " + keysMoved);
      assertTrue(failures.isEmpty(), failures.size() + " calls failed, first: " + (failures.isEmpty() ? "" : failures.get(0)));
      assertTrue(wrong.isEmpty(), wrong.size() + " wrong values, first: " + (wrong.isEmpty() ? "" : wrong.get(0)));
      // Every key still reads back after the move.
      for (int i = 0; i < KEYS; i++) {
        assertEquals("v" + i, cache.get("k" + i), "k" + i);
      }
      // Pattern invalidation still reaches every key on every master.
      cache.invalidate("k*");
      for (int i = 0; i < KEYS; i += 50) {
        assertEquals(null, cache.get("k" + i), "k" + i + " invalidated");
      }
    }
  }

  private static void check(List<String> wrong, String what, String expected, String actual) {
    if (!expected.equals(actual)) {
      wrong.add(what + ": expected " + expected + ", was " + actual);
    }
  }
}
