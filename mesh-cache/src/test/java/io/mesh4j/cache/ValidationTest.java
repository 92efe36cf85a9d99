package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input fails at once with a message naming the argument. No Redis needed: caches connect lazily. */
class ValidationTest {
  private static final String NOWHERE = "127.0.0.1:1";

  private static void fails(Class<? extends Throwable> type, String named, Executable call) {
    Throwable t = assertThrows(type, call);
    assertTrue(t.getMessage() != null && t.getMessage().contains(named),
        "message should name '" + named + "': " + t.getMessage());
  }

  private static DistributedCache<String> cache() {
    return DistributedCache.builder(String.class).seedNodes(NOWHERE).namespace("v").build();
  }

  @Test
  void builderSettings() {
    fails(NullPointerException.class, "namespace", () -> DistributedCache.builder(String.class).namespace(null));
    fails(IllegalArgumentException.class, "namespace", () -> DistributedCache.builder(String.class).namespace(""));
    fails(IllegalArgumentException.class, "namespace", () -> DistributedCache.builder(String.class).namespace("a{b}"));
    fails(IllegalArgumentException.class, "namespace", () -> DistributedCache.builder(String.class).namespace("a b"));
    // ':' would let namespace "a"'s invalidate("*") (SCAN MATCH a:0:*) delete namespace "a:0"'s keys.
    fails(IllegalArgumentException.class, "namespace", () -> DistributedCache.builder(String.class).namespace("a:0"));
    for (String glob : new String[] {"a*", "a?", "a[0]", "a]"}) {
      fails(IllegalArgumentException.class, "namespace", () -> DistributedCache.builder(String.class).namespace(glob));
    }
    fails(IllegalArgumentException.class, "namespace", () -> DistributedCache.builder(String.class).namespace("x".repeat(129)));
    fails(NullPointerException.class, "namespace", () -> DistributedCache.builder(String.class).seedNodes(NOWHERE).build());
    fails(IllegalStateException.class, "seedNodes", () -> DistributedCache.builder(String.class).namespace("n").build());
    fails(NullPointerException.class, "type", () -> DistributedCache.builder((Class<String>) null));
    fails(NullPointerException.class, "codec", () -> DistributedCache.builder((CacheCodec<String>) null));
    fails(IllegalArgumentException.class, "defaultTtl", () -> DistributedCache.builder(String.class).defaultTtl(Duration.ofSeconds(-1)));
    fails(IllegalArgumentException.class, "defaultTtl", () -> DistributedCache.builder(String.class).defaultTtl(Duration.ZERO));
    fails(IllegalArgumentException.class, "lockTimeout", () -> DistributedCache.builder(String.class).lockTimeout(Duration.ofMillis(-5)));
    fails(IllegalArgumentException.class, "earlyRefreshBeta", () -> DistributedCache.builder(String.class).earlyRefreshBeta(-1));
    fails(IllegalArgumentException.class, "earlyRefreshBeta", () -> DistributedCache.builder(String.class).earlyRefreshBeta(Double.NaN));
    fails(IllegalArgumentException.class, "namespaceVersionCheckInterval",
        () -> DistributedCache.builder(String.class).namespaceVersionCheckInterval(Duration.ofSeconds(-1)));
    fails(IllegalArgumentException.class, "seedNodes[1]", () -> DistributedCache.builder(String.class).seedNodes("h:1", "nocolon"));
    fails(IllegalArgumentException.class, "seedNodes[0]", () -> DistributedCache.builder(String.class).seedNodes("h:99999"));
    // Issue 17: a redis:// URI is a host and port (it was taken as host 'redis://127.0.0.1' and every call missed).
    assertEquals(java.util.List.of(java.net.InetSocketAddress.createUnresolved("127.0.0.1", 7000)),
        java.util.List.of(RedisClusterConnection.Builder.parse("redis://127.0.0.1:7000", "seedNodes[0]")));
    assertEquals(java.net.InetSocketAddress.createUnresolved("10.0.0.1", 7001),
        RedisClusterConnection.Builder.parse(" REDIS://10.0.0.1:7001/ ", "seedNodes[0]"));
    IllegalArgumentException tls = assertThrows(IllegalArgumentException.class,
        () -> DistributedCache.builder(String.class).seedNodes("rediss://cache.internal:6380"));
    assertTrue(tls.getMessage().contains("seedNodes[0]") && tls.getMessage().contains("TLS")
        && tls.getMessage().contains("rediss://cache.internal:6380"), tls.getMessage());
    IllegalArgumentException creds = assertThrows(IllegalArgumentException.class,
        () -> DistributedCache.builder(String.class).seedNodes("redis://app:s3cr3t@cache.internal:6379"));
    assertTrue(creds.getMessage().contains("credentials(user, password)") && !creds.getMessage().contains("s3cr3t"),
        creds.getMessage());
    fails(IllegalArgumentException.class, "seedNodes[0]", () -> DistributedCache.builder(String.class).seedNodes("http://h:1"));
    fails(NullPointerException.class, "seedNodes[0]",
        () -> DistributedCache.builder(String.class).seedNodes(Arrays.asList((InetSocketAddress) null)));
    fails(IllegalArgumentException.class, "connection",
        () -> DistributedCache.builder(String.class).connection(new RedisClusterConnection() {
          @Override
          public List<InetSocketAddress> seedNodes() {
            return List.of();
          }

          @Override
          public void close() {}
        }));
    fails(IllegalArgumentException.class, "seedNodes", () -> RedisClusterConnection.builder().build());
    fails(IllegalArgumentException.class, "maxAttempts", () -> RedisClusterConnection.builder().maxAttempts(0));
    fails(IllegalArgumentException.class, "socketTimeout", () -> RedisClusterConnection.builder().socketTimeout(Duration.ZERO));
    try (RedisClusterConnection shared = RedisClusterConnection.builder().seedNodes(NOWHERE).build()) {
      fails(IllegalStateException.class, "exclusive",
          () -> DistributedCache.builder(String.class).seedNodes(NOWHERE).connection(shared).namespace("n").build());
      fails(IllegalStateException.class, "RedisClusterConnection.builder().operationTimeout",
          () -> DistributedCache.builder(String.class).connection(shared).operationTimeout(Duration.ofSeconds(1))
              .namespace("n").build());
    }
  }

  @Test
  void noSingleAttemptMayOutlastTheOperationTimeout() {
    fails(IllegalArgumentException.class, "operationTimeout",
        () -> RedisClusterConnection.builder().operationTimeout(Duration.ZERO));
    fails(IllegalArgumentException.class, "operationTimeout",
        () -> DistributedCache.builder(String.class).operationTimeout(Duration.ofNanos(10)));
    for (String setting : new String[] {"connectTimeout", "socketTimeout", "maxTotalRetriesDuration"}) {
      RedisClusterConnection.Builder b = RedisClusterConnection.builder().seedNodes(NOWHERE);
      Duration twoSeconds = Duration.ofSeconds(2);
      switch (setting) {
        case "connectTimeout" -> b.connectTimeout(twoSeconds);
        case "socketTimeout" -> b.socketTimeout(twoSeconds);
        default -> b.maxTotalRetriesDuration(twoSeconds);
      }
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
      // The setting, its value, the bound and the fix.
      assertTrue(e.getMessage().startsWith(setting + " must not exceed operationTimeout (PT0.5S), was PT2S"),
          e.getMessage());
      assertTrue(e.getMessage().contains("raise operationTimeout"), e.getMessage());
      b.operationTimeout(twoSeconds).build().close();
    }
  }

  @Test
  void operationArguments() {
    try (DistributedCache<String> cache = cache()) {
      Supplier<String> loader = () -> "x";
      fails(NullPointerException.class, "key", () -> cache.get(null));
      fails(IllegalArgumentException.class, "key", () -> cache.get(""));
      fails(NullPointerException.class, "key", () -> cache.set(null, "v"));
      fails(NullPointerException.class, "value", () -> cache.set("k", null));
      fails(IllegalArgumentException.class, "ttl", () -> cache.set("k", "v", Duration.ofSeconds(-1)));
      fails(IllegalArgumentException.class, "ttl", () -> cache.setIfAbsent("k", "v", Duration.ZERO));
      fails(NullPointerException.class, "ttl", () -> cache.setIfPresent("k", "v", null));
      fails(IllegalArgumentException.class, "ttl", () -> cache.expire("k", Duration.ofMillis(-1)));
      fails(NullPointerException.class, "key", () -> cache.getOrLoad(null, loader));
      fails(IllegalArgumentException.class, "ttl", () -> cache.getOrLoad("k", Duration.ofSeconds(-3), loader));
      fails(NullPointerException.class, "loader", () -> cache.getOrLoad("k", Duration.ofSeconds(3), null));
      fails(NullPointerException.class, "keys[1]", () -> cache.getMulti(Arrays.asList("a", null)));
      fails(NullPointerException.class, "keys", () -> cache.getMulti(null));
      fails(IllegalArgumentException.class, "ttl", () -> cache.setMulti(Map.of("a", "b"), Duration.ofSeconds(-1)));
      fails(IllegalArgumentException.class, "ttlOnCreate", () -> cache.increment("c", 1, Duration.ofSeconds(-1)));
      fails(NullPointerException.class, "member", () -> cache.addToSet("s", null));
      fails(IllegalArgumentException.class, "timeout", () -> cache.pop("q", Duration.ZERO));
      fails(NullPointerException.class, "pattern", () -> cache.invalidate(null));
      fails(IllegalArgumentException.class, "pattern", () -> cache.invalidate(""));
      fails(NullPointerException.class, "writer", () -> cache.writeThrough("k", "v", Duration.ofSeconds(1), null));
      fails(NullPointerException.class, "keyOf", () -> cache.cacheAside(x -> "v", null, Duration.ofSeconds(1)));
    }
  }

  @Test
  void twoLevelSettings() {
    DistributedCache<String> l2 = DistributedCache.builder(String.class).seedNodes(NOWHERE).namespace("v")
        .defaultTtl(Duration.ofMinutes(1)).build();
    try (l2) {
      fails(NullPointerException.class, "l2", () -> TwoLevelCache.builder((DistributedCache<String>) null));
      fails(IllegalArgumentException.class, "l1Ttl", () -> TwoLevelCache.builder(l2).l1Ttl(Duration.ofMinutes(2)).build());
      fails(IllegalArgumentException.class, "l1Ttl", () -> TwoLevelCache.builder(l2).l1Ttl(Duration.ofSeconds(-1)));
      fails(IllegalArgumentException.class, "l1MaximumSize", () -> TwoLevelCache.builder(l2).l1MaximumSize(0));
      fails(IllegalArgumentException.class, "sequenceCheckInterval",
          () -> TwoLevelCache.builder(l2).sequenceCheckInterval(Duration.ofMillis(1)));
    }
  }
}
