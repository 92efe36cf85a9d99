package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.internal.Resp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A cluster serving TLS only, requiring client certificates, with a limited ACL user: a client with
 * the CA and the client certificate reads and writes as that user; a plain client, a client without
 * a certificate and the limited user's admin commands are refused; the testkit's own admin
 * commands (FLUSHALL, failover) work over TLS as its own user.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTlsClusterTest {
  private static final String USER = "app";
  private static final String PASSWORD = "app-secret-1";
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(RedisCluster.builder()
      .tlsWithClientCertificates().aclUser(USER, PASSWORD, RedisCluster.Builder.CACHE_ACL_RULES));

  static RedisClusterClient client(RedisCluster cluster, boolean withClientCertificate) {
    RedisTls tls = cluster.tls();
    char[] pw = tls.storePassword().toCharArray();
    SslOptions.Builder ssl = SslOptions.builder().truststore(tls.trustStore().toFile(), pw)
        .sslVerifyMode(SslVerifyMode.FULL);
    if (withClientCertificate) {
      ssl.keystore(tls.clientKeyStore().toFile(), pw);
    }
    Set<HostAndPort> nodes = new HashSet<>();
    for (InetSocketAddress a : cluster.seedNodes()) {
      nodes.add(new HostAndPort(a.getHostString(), a.getPort()));
    }
    return RedisClusterClient.builder().nodes(nodes).clientConfig(DefaultJedisClientConfig.builder()
        .sslOptions(ssl.build()).user(USER).password(PASSWORD).build()).build();
  }

  @Test
  void theAppUserReadsAndWritesOverTlsWithItsCertificate() throws Exception {
    RedisCluster cluster = REDIS.cluster();
    assertTrue(Files.isReadable(cluster.tls().caCertificatePem()));
    assertEquals(USER, cluster.user());
    try (RedisClusterClient jedis = client(cluster, true)) {
      for (int i = 0; i < 30; i++) {
        jedis.set("tls:" + i, "v" + i);
      }
      assertEquals("v7", jedis.get("tls:7"));
      JedisException e = assertThrows(JedisException.class, () -> jedis.flushAll());
      assertTrue(String.valueOf(e.getMessage()).contains("NOPERM"), e.getMessage());
    }
    cluster.flushAll();
    try (RedisClusterClient jedis = client(cluster, true)) {
      assertEquals(null, jedis.get("tls:7"), "the testkit's FLUSHALL went through over TLS");
    }
  }

  @Test
  void aPlainClientAndOneWithoutCertificateAreRefused() {
    RedisCluster cluster = REDIS.cluster();
    InetSocketAddress node = cluster.seedNodes().get(0);
    assertThrows(IOException.class, () -> Resp.call(node, "PING"), "plain text on a TLS-only port");
    assertThrows(Exception.class, () -> {
      try (RedisClusterClient jedis = client(cluster, false)) {
        jedis.get("k");
      }
    }, "no client certificate while the nodes require one");
  }

  @Test
  void aMasterFailsOverOnTheTlsBusAndReplication() throws Exception {
    RedisCluster cluster = REDIS.cluster();
    InetSocketAddress killed = cluster.killMasterAndAwaitFailover(Duration.ofSeconds(60));
    assertFalse(cluster.masterAddresses().contains(killed));
    cluster.restartNode(killed);
    cluster.awaitHealthy(Duration.ofSeconds(60));
    try (RedisClusterClient jedis = client(cluster, true)) {
      jedis.set("after-failover", "yes");
      assertEquals("yes", jedis.get("after-failover"));
    }
  }
}
