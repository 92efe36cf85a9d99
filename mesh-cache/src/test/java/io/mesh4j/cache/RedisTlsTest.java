package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import io.mesh4j.testkit.RedisTls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster that serves TLS only (client, bus and replication), with an ACL user limited to what
 * the cache needs and a second user that may only read: the cache works over TLS as the limited
 * user, invalidations included; an untrusted CA, a plain-text client, a wrong password and a
 * missing permission each fail with words that say what to check, never with a password.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTlsTest {
  private static final String USER = "mesh-app";
  private static final String PASSWORD = "pw-" + TestSupport.ns("tls");
  private static final String READER = "reader";
  private static final String READER_PASSWORD = "rpw-" + TestSupport.ns("tls");
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(RedisCluster.builder().tls()
      .aclUser(USER, PASSWORD, RedisCluster.Builder.CACHE_ACL_RULES)
      .addAclUser(READER, READER_PASSWORD, "~* &* -@all +@read +@connection +@pubsub +cluster|slots +cluster|shards"
          + " +cluster|nodes"));

  /** TLS trusting the cluster's CA, as the application user. */
  static RedisClusterConnection.Builder overTls(RedisCluster cluster) {
    RedisTls tls = cluster.tls();
    return RedisAuthTest.connection(cluster).tlsTrustStore(tls.trustStore(), tls.storePassword())
        .credentials(USER, PASSWORD);
  }

  private static String seed(RedisCluster cluster) {
    InetSocketAddress a = cluster.seedNodes().get(0);
    return a.getHostString() + ":" + a.getPort();
  }

  /** A strict cache over {@code connection} fails its first read; the message, checked for no secret. */
  static String strictFailure(RedisClusterConnection connection, String... secrets) {
    try (DistributedCache<String> cache = DistributedCache.builder(connection, String.class)
        .namespace(TestSupport.ns("tls-refused")).strict(true).build()) {
      CacheException e = assertThrows(CacheException.class, () -> cache.get("k"));
      for (String m : RedisAuthTest.messages(e)) {
        for (String secret : secrets) {
          assertFalse(m.contains(secret), "a secret in: " + m);
        }
      }
      assertFalse(e.getMessage().contains("Jedis"), e.getMessage());
      assertFalse(e.getMessage().contains("javax") || e.getMessage().contains("sun."), e.getMessage());
      return e.getMessage();
    }
  }

  @Test
  void overTlsTheLimitedUserStoresReadsAndInvalidatesAcrossTwoCaches() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection a = overTls(cluster).build(); RedisClusterConnection b = overTls(cluster).build()) {
      RedisAuthTest.dataAndInvalidationsFlow(a, b);
      String ns = TestSupport.ns("tls-pattern");
      try (DistributedCache<String> c = DistributedCache.builder(a, String.class).namespace(ns).strict(true).build()) {
        assertTrue(c.set("user:1", "x"));
        assertTrue(c.set("user:2", "y"));
        c.invalidate("user:*");
        assertEquals(null, c.get("user:1"), "pattern invalidation (SCAN, UNLINK) works for the limited user");
      }
    }
  }

  @Test
  void aTrustStoreWithoutTheClustersCaIsRefusedWithTheTlsWording() {
    RedisCluster cluster = REDIS.cluster();
    RedisTls tls = cluster.tls();
    try (RedisClusterConnection c = RedisAuthTest.connection(cluster)
        .tlsTrustStore(tls.untrustedTrustStore(), tls.storePassword()).credentials(USER, PASSWORD).build()) {
      String m = strictFailure(c, PASSWORD, tls.storePassword());
      assertTrue(m.contains("TLS failed"), m);
      assertTrue(m.contains("not signed by a CA this client trusts") && m.contains("tlsTrustStore"), m);
      assertTrue(m.contains(seed(cluster)), m);
    }
  }

  @Test
  void aPlainTextClientAgainstTheTlsPortsIsToldToUseTls() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection c = RedisAuthTest.connection(cluster).credentials(USER, PASSWORD).build()) {
      String m = strictFailure(c, PASSWORD);
      assertTrue(m.contains("connection closed by the node") && m.contains("rediss://"), m);
      assertTrue(m.contains(seed(cluster)), m);
    }
  }

  @Test
  void aWrongPasswordOverTlsGivesTheAuthenticationWording() {
    RedisCluster cluster = REDIS.cluster();
    String wrong = "wrong-" + PASSWORD;
    try (RedisClusterConnection c = overTls(cluster).credentials(USER, wrong).build()) {
      String m = strictFailure(c, wrong, PASSWORD, cluster.tls().storePassword());
      assertTrue(m.contains("authentication failed") && m.contains("WRONGPASS"), m);
    }
  }

  @Test
  void aUserThatMayOnlyReadIsToldWhichPermissionIsMissing() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection c = overTls(cluster).credentials(READER, READER_PASSWORD).build();
        DistributedCache<String> cache = DistributedCache.builder(c, String.class)
            .namespace(TestSupport.ns("reader")).strict(true).build()) {
      CacheException e = assertThrows(CacheException.class, () -> cache.set("k", "v"));
      String m = e.getMessage();
      assertTrue(m.contains("permission denied by the Redis ACL") && m.contains("NOPERM"), m);
      assertTrue(m.contains("ACL SETUSER"), m);
      assertFalse(m.contains(READER_PASSWORD), m);
    }
  }

  @Test
  void storeProblemsAreReportedByBuildWithoutThePassword() {
    RedisCluster cluster = REDIS.cluster();
    RedisTls tls = cluster.tls();
    Path missing = tls.trustStore().resolveSibling("missing.p12");
    IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class,
        () -> RedisAuthTest.connection(cluster).tlsTrustStore(missing, "x").build());
    assertTrue(noFile.getMessage().contains("tlsTrustStore") && noFile.getMessage().contains(missing.toString()),
        noFile.getMessage());
    String wrong = "not-" + tls.storePassword();
    IllegalArgumentException badPassword = assertThrows(IllegalArgumentException.class,
        () -> RedisAuthTest.connection(cluster).tlsTrustStore(tls.trustStore(), wrong).build());
    assertTrue(badPassword.getMessage().contains("tlsTrustStore password does not open"), badPassword.getMessage());
    assertFalse(badPassword.getMessage().contains(wrong), badPassword.getMessage());
    IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
        () -> RedisAuthTest.connection(cluster).tlsKeyStore(tls.trustStore(), tls.storePassword()).build());
    assertTrue(noKey.getMessage().contains("tlsKeyStore holds no private key"), noKey.getMessage());
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
        () -> RedisClusterConnection.builder().seedNodes("rediss://127.0.0.1:1", "redis://127.0.0.1:2").build());
    assertTrue(mixed.getMessage().contains("redis://127.0.0.1:2"), mixed.getMessage());
    IllegalArgumentException optOut = assertThrows(IllegalArgumentException.class,
        () -> RedisClusterConnection.builder().seedNodes(List.of(cluster.seedNodes().get(0)))
            .dangerouslyDisableTlsHostnameVerification().build());
    assertTrue(optOut.getMessage().contains("needs TLS"), optOut.getMessage());
  }
}
