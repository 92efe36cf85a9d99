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
 * Nodes whose certificate, though signed by the trusted CA, does not name the address the cluster
 * announces (127.0.0.1): refused by default with the hostname wording; accepted only after the
 * explicit opt-out.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTlsHostnameTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(
      RedisCluster.builder().tlsNodeCertificateNames("redis.example.invalid"));

  private static RedisClusterConnection.Builder trusting(RedisCluster cluster) {
    RedisTls tls = cluster.tls();
    return RedisAuthTest.connection(cluster).tlsTrustStore(tls.trustStore(), tls.storePassword());
  }

  @Test
  void aCertificateThatDoesNotNameTheNodeIsRefusedByDefault() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection c = trusting(cluster).build()) {
      String m = RedisTlsTest.strictFailure(c, cluster.tls().storePassword());
      assertTrue(m.contains("TLS failed: the node's certificate does not name the host connected to"), m);
    }
  }

  @Test
  void theExplicitOptOutAcceptsIt() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection c = trusting(cluster).dangerouslyDisableTlsHostnameVerification().build();
        DistributedCache<String> cache = DistributedCache.builder(c, String.class)
            .namespace(TestSupport.ns("no-hostname")).strict(true).build()) {
      assertTrue(cache.set("k", "v"));
      assertEquals("v", cache.get("k"));
    }
  }
}
