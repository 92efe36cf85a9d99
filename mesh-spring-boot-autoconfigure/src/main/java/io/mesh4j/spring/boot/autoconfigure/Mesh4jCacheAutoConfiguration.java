package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.spring.boot.autoconfigure.internal.Listeners;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshSpringCache;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * With a {@link RedisClusterConnection} (from {@link Mesh4jRedisAutoConfiguration} or the
 * application's): a {@link MeshCacheFactory} and a {@link MeshCacheManager} for Spring's
 * cache abstraction. Each backs off when the application defines its own. Runs before Spring Boot's
 * own cache auto-configuration, which then backs off from our {@link CacheManager}.
 */
@AutoConfiguration(after = {Mesh4jMicrometerAutoConfiguration.class, Mesh4jRedisAutoConfiguration.class},
    beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass(DistributedCache.class)
@EnableConfigurationProperties(Mesh4jProperties.class)
public class Mesh4jCacheAutoConfiguration {

  /** The factory and the Spring cache manager, when there is a connection. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(RedisClusterConnection.class)
  static class Caches {
    @Bean
    @ConditionalOnMissingBean
    MeshCacheFactory meshCacheFactory(RedisClusterConnection connection, Mesh4jProperties properties,
        ObjectProvider<MeshEventListener> listeners) {
      return new MeshCacheFactory(connection, properties.getCache(), Listeners.combine(listeners));
    }

    @Bean
    @ConditionalOnMissingBean(CacheManager.class)
    MeshCacheManager cacheManager(MeshCacheFactory factory) {
      Map<String, Cache> caches = new LinkedHashMap<>();
      try {
        factory.settings().getNamespaces().forEach((name, ns) -> caches.put(name, springCache(factory, name, ns)));
      } catch (RuntimeException e) {
        new MeshCacheManager(caches).close();
        throw e;
      }
      return new MeshCacheManager(caches);
    }

    private static Cache springCache(MeshCacheFactory factory, String name, Mesh4jProperties.Namespace ns) {
      String property = "mesh4j.cache.namespaces." + name + ".value-type";
      String typeName = ns.getValueType();
      if (typeName == null || typeName.isBlank()) {
        throw new InvalidMeshPropertyException(property, "(not set)",
            "the fully qualified class of the cached values, e.g. com.example.User", null);
      }
      Class<?> type = PropertyChecks.get(property, typeName,
          "the fully qualified class of the cached values, on the class path", () -> {
            try {
              return ClassUtils.forName(typeName.trim(), Mesh4jCacheAutoConfiguration.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
              throw new IllegalArgumentException("class " + typeName + " not found", e);
            }
          });
      return factory.l1Enabled(name)
          ? MeshSpringCache.of(name, factory.twoLevel(name, type), factory.ttl(name))
          : MeshSpringCache.of(name, factory.distributed(name, type), factory.ttl(name));
    }
  }
}
