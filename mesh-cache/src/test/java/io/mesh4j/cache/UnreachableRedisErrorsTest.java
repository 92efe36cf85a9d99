package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a user reads when Redis cannot be reached (issue 17, item 1): the seed nodes tried, that no
 * node ever answered, and the cause in words, for a refused port and a black-holed address, in
 * strict exceptions and lenient WARN lines alike; never a Jedis class name; and how fast it fails.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnreachableRedisErrorsTest {

  /** A loopback port nobody listens on: bound once, then closed. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void assertNamesSeedAndNoJedisClass(String message, String seed) {
    assertTrue(message.contains(seed), "names the seed: " + message);
    assertTrue(message.contains("never connected"), message);
    assertFalse(message.contains("Jedis"), "a Jedis class name in: " + message);
    assertFalse(message.contains("recently"), message);
  }

  @Test
  void aRefusedPortSaysConnectionRefusedNamesTheSeedAndFailsAtOnce() throws IOException {
    String seed = "127.0.0.1:" + closedPort();
    try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(seed)
        .namespace("refused").strict(true).build()) {
      long start = System.nanoTime();
      CacheException first = assertThrows(CacheException.class, () -> cache.get("k"));
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(first.getMessage().contains("connection refused"), first.getMessage());
      assertNamesSeedAndNoJedisClass(first.getMessage(), seed);
      assertTrue(tookMillis < 1_000, "a refused port fails at once, took " + tookMillis + " ms");

      // Within the next second the client is not rebuilt: the same cause, from the last attempt.
      CacheException again = assertThrows(CacheException.class, () -> cache.set("k", "v"));
      assertTrue(again.getMessage().contains("connection refused at the last attempt"), again.getMessage());
      assertNamesSeedAndNoJedisClass(again.getMessage(), seed);
    }
  }

  @Test
  void aBlackHoledAddressSaysTimedOut() throws IOException {
    // Accepts TCP connections (the kernel completes them into the backlog) and never answers.
    try (ServerSocket hole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String seed = "127.0.0.1:" + hole.getLocalPort();
      try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(seed)
          .namespace("black-hole").strict(true).build()) {
        long start = System.nanoTime();
        CacheException e = assertThrows(CacheException.class, () -> cache.get("k"));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertNamesSeedAndNoJedisClass(e.getMessage(), seed);
        // One seed: a connect and a handshake, each bounded by half the default operation timeout.
        assertTrue(tookMillis < 1_000, "bounded by the operation timeout, took " + tookMillis + " ms");
      }
    }
  }

  @Test
  void theLenientWarningSaysTheSameAndWhatItMeansForTheCaller() throws IOException {
    String seed = "127.0.0.1:" + closedPort();
    String logs = TestSupport.logsDuring(() -> {
      try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(seed)
          .namespace("refused-lenient").build()) {
        assertNull(cache.get("k"));
      }
    });
    String warn = logs.lines().filter(l -> l.contains("WARN") && l.contains("refused-lenient")).findFirst()
        .orElseThrow(() -> new AssertionError("no WARN in: " + logs));
    assertTrue(warn.contains("connection refused"), warn);
    assertTrue(warn.contains("load from the source"), warn);
    assertNamesSeedAndNoJedisClass(warn.substring(warn.indexOf("mesh-cache")), seed);
  }
}
