package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A plain {@code @EnableAutoConfiguration} application finds the auto-configuration through
 * {@code META-INF/spring/...AutoConfiguration.imports}, as a user's application would: setting
 * {@code mesh4j.redis.nodes} is all it takes to get the cache beans too.
 */
@Timeout(value = 60, unit = SECONDS)
class AutoConfigurationImportsTest {
  @Test
  void anAutoConfiguredApplicationGetsTheMeshBeans() {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
        .web(WebApplicationType.NONE)
        .properties("mesh4j.redis.nodes=127.0.0.1:1", "mesh4j.cache.namespaces.users.value-type=java.lang.String")
        .run()) {
      assertThat(context.getBeansOfType(ConsulDiscovery.class)).hasSize(1);
      assertThat(context.getBeansOfType(ServiceMeshClient.class)).hasSize(1);
      assertThat(context.getBeansOfType(RedisClusterConnection.class)).hasSize(1);
      assertThat(context.getBean(CacheManager.class)).isInstanceOf(MeshCacheManager.class);
      assertThat(context.getBean(CacheManager.class).getCacheNames()).containsExactly("users");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}
}
