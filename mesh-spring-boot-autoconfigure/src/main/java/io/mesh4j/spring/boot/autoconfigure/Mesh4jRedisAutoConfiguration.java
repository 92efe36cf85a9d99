package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import io.mesh4j.spring.boot.autoconfigure.internal.RedisNodesCondition;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * A {@link RedisClusterConnection} from {@code mesh4j.redis.*} when {@code mesh4j.redis.nodes} is
 * set, unless the application defines its own. Building it opens nothing: the application starts
 * while Redis is down, and the caches treat Redis failures as misses until it answers.
 */
@AutoConfiguration
@ConditionalOnClass(RedisClusterConnection.class)
@Conditional(RedisNodesCondition.class)
@EnableConfigurationProperties(Mesh4jProperties.class)
public class Mesh4jRedisAutoConfiguration {
  /** The connection (closed with the context, after the caches on it). */
  @Bean
  @ConditionalOnMissingBean
  public RedisClusterConnection redisClusterConnection(Mesh4jProperties properties) {
    Mesh4jProperties.Redis redis = properties.getRedis();
    RedisClusterConnection.Builder builder = RedisClusterConnection.builder();
    List<String> nodes = redis.getNodes();
    PropertyChecks.apply("mesh4j.redis.nodes", nodes, "a list of host:port seed nodes",
        () -> builder.seedNodes(nodes.toArray(String[]::new)));
    if (redis.getUser() != null) {
      PropertyChecks.applySecret("mesh4j.redis.user", "a user name with mesh4j.redis.password set",
          () -> builder.credentials(redis.getUser(), redis.getPassword()));
    } else if (redis.getPassword() != null) {
      PropertyChecks.applySecret("mesh4j.redis.password", "a non-empty password",
          () -> builder.password(redis.getPassword()));
    }
    RedisTlsProperties tls = redis.getTls();
    if (tls.isEnabled()) {
      builder.tls();
    }
    if (tls.getTrustStore() != null) {
      PropertyChecks.apply("mesh4j.redis.tls.trust-store", tls.getTrustStore(),
          "a readable trust store file with mesh4j.redis.tls.trust-store-password set",
          () -> builder.tlsTrustStore(Path.of(tls.getTrustStore()), tls.getTrustStorePassword(), tls.getTrustStoreType()));
    }
    if (tls.getKeyStore() != null) {
      PropertyChecks.apply("mesh4j.redis.tls.key-store", tls.getKeyStore(),
          "a readable key store file with mesh4j.redis.tls.key-store-password set",
          () -> builder.tlsKeyStore(Path.of(tls.getKeyStore()), tls.getKeyStorePassword(), tls.getKeyStoreType()));
    }
    String what = tls.getTrustStore() != null ? "mesh4j.redis.tls.trust-store" : "mesh4j.redis.nodes";
    Object value = tls.getTrustStore() != null ? tls.getTrustStore() : nodes;
    return PropertyChecks.get(what, value, tls.getTrustStore() != null
        ? "a readable trust store file, its password and type" : "a list of host:port seed nodes", builder::build);
  }
}
