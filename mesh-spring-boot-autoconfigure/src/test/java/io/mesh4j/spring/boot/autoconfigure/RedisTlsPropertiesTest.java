package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import io.mesh4j.testkit.RedisTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code mesh4j.redis.tls.*} against a real TLS-only Redis Cluster that requires client
 * certificates: the trust store and key store properties give a working connection; a missing
 * trust store file stops start-up with a message naming the property, never the password.
 */
@Timeout(value = 120, unit = SECONDS)
class RedisTlsPropertiesTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(
      RedisCluster.builder().tlsWithClientCertificates());

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(Mesh4jAutoConfigurationTest.ALL)
        .withPropertyValues("mesh4j.consul.enabled=false",
            "mesh4j.redis.nodes=" + String.join(",", REDIS.cluster().seedNodeStrings()));
  }

  @Test
  void trustAndKeyStorePropertiesConnectOverTls() {
    RedisTls tls = REDIS.cluster().tls();
    runner().withPropertyValues("mesh4j.redis.tls.enabled=true",
        "mesh4j.redis.tls.trust-store=" + tls.trustStore(),
        "mesh4j.redis.tls.trust-store-password=" + tls.storePassword(),
        "mesh4j.redis.tls.key-store=" + tls.clientKeyStore(),
        "mesh4j.redis.tls.key-store-password=" + tls.storePassword()).run(context -> {
          assertThat(context).hasNotFailed();
          RedisClusterConnection connection = context.getBean(RedisClusterConnection.class);
          try (DistributedCache<String> cache = DistributedCache.builder(connection, String.class)
              .namespace("spring-tls").strict(true).build()) {
            assertThat(cache.set("k", "over tls")).isTrue();
            assertThat(cache.get("k")).isEqualTo("over tls");
          }
        });
  }

  @Test
  void aMissingTrustStoreNamesThePropertyAndNotThePassword() {
    FailureAnalysis analysis = MeshPropertyFailureAnalyzerTest.analysisOf(runner(),
        "mesh4j.redis.tls.enabled=true",
        "mesh4j.redis.tls.trust-store=/nonexistent/redis-ca.p12",
        "mesh4j.redis.tls.trust-store-password=s3cret-store-pw");
    assertThat(analysis.getDescription()).contains("mesh4j.redis.tls.trust-store").contains("/nonexistent/redis-ca.p12")
        .doesNotContain("s3cret-store-pw");
    assertThat(analysis.getAction()).doesNotContain("s3cret-store-pw");
  }
}
