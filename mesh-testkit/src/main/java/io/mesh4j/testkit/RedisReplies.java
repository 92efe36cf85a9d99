package io.mesh4j.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Reading replies and polling, for {@link RedisCluster}'s own set-up and health checks. */
final class RedisReplies {
  private static final int SLOTS = 16384;

  private RedisReplies() {}

  interface Condition {
    boolean holds() throws IOException;
  }

  static void awaitFor(String what, Duration timeout, Condition c) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (c.holds()) {
          return;
        }
      } catch (IOException | RuntimeException e) {
        if (e instanceof IllegalStateException) {
          throw (IllegalStateException) e;
        }
        last = e;
      }
      ConsulAgent.sleep(50);
    }
    throw new IllegalStateException("timed out after " + timeout + " waiting for: " + what
        + (last == null ? "" : " (last error: " + last + ")"));
  }

  /** Per slot, the port of the master a {@code CLUSTER SLOTS} reply gives it; 0 for none. */
  static int[] slotOwnerPorts(Object clusterSlotsReply) {
    int[] owners = new int[SLOTS];
    if (clusterSlotsReply instanceof List) {
      for (Object range : (List<?>) clusterSlotsReply) {
        List<?> r = (List<?>) range;
        int port = ((Long) ((List<?>) r.get(2)).get(1)).intValue();
        for (long slot = (Long) r.get(0); slot <= (Long) r.get(1); slot++) {
          owners[(int) slot] = port;
        }
      }
    }
    return owners;
  }

  static String str(Object o) {
    return o == null ? "" : o.toString();
  }

  static void expectOk(Object reply) {
    if (!"OK".equals(reply)) {
      throw new IllegalStateException("redis answered " + reply);
    }
  }
}
