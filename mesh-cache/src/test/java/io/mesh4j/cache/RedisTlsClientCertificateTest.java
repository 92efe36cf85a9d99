package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import io.mesh4j.testkit.RedisTls;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nodes that require a client certificate ({@code tls-auth-clients yes}): with the key store the
 * cache works, the `rediss://` seed form included; without it the failure says to check the client
 * certificate.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTlsClientCertificateTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(
      RedisCluster.builder().tlsWithClientCertificates());

  private static RedisClusterConnection.Builder trusting(RedisCluster cluster) {
    RedisTls tls = cluster.tls();
    String[] seeds = cluster.seedNodeStrings().stream().map(s -> "rediss://" + s).toArray(String[]::new);
    return RedisClusterConnection.builder().seedNodes(seeds).tlsTrustStore(tls.trustStore(), tls.storePassword());
  }

  @Test
  void withTheClientCertificateDataAndInvalidationsFlow() {
    RedisCluster cluster = REDIS.cluster();
    RedisTls tls = cluster.tls();
    try (RedisClusterConnection a = trusting(cluster).tlsKeyStore(tls.clientKeyStore(), tls.storePassword()).build();
        RedisClusterConnection b = trusting(cluster).tlsKeyStore(tls.clientKeyStore(), tls.storePassword()).build()) {
      RedisAuthTest.dataAndInvalidationsFlow(a, b);
    }
  }

  @Test
  void withoutAClientCertificateTheNodesRefuseAndTheMessageSaysToCheckIt() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection c = trusting(cluster).build()) {
      String m = RedisTlsTest.strictFailure(c, cluster.tls().storePassword());
      assertTrue(m.contains("TLS failed"), m);
      assertTrue(m.contains("tlsKeyStore"), m);
      assertEquals(true, m.contains(cluster.seedNodeStrings().get(0)), m);
    }
  }
}
