package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshActivity;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshEndpoint;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshHealthIndicators;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With Spring Boot's actuator on the class path: health indicators {@code meshConsul} (a watched
 * service's list unconfirmed by Consul beyond {@code mesh4j.health.consul.stale-after}),
 * {@code meshBreakers} (an open circuit breaker) and {@code meshRedis} (the Redis Cluster answers),
 * and the endpoint {@code /actuator/mesh}. Each indicator can be turned off with
 * {@code management.health.mesh-consul|mesh-breakers|mesh-redis.enabled=false}.
 */
@AutoConfiguration(after = {Mesh4jDiscoveryAutoConfiguration.class, Mesh4jClientAutoConfiguration.class,
    Mesh4jRedisAutoConfiguration.class, Mesh4jCacheAutoConfiguration.class})
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@EnableConfigurationProperties(Mesh4jProperties.class)
public class Mesh4jActuatorAutoConfiguration {
  static final String STATUSES = "UP, DOWN, OUT_OF_SERVICE or UNKNOWN";

  /** The events' view of each service, fed by the discovery and the client built here. */
  @Bean
  @ConditionalOnMissingBean
  MeshActivity meshActivity() {
    return new MeshActivity(Clock.systemUTC());
  }

  static Status status(String property, String code) {
    String normalized = code == null ? "" : code.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    return switch (normalized) {
      case "UP" -> Status.UP;
      case "DOWN" -> Status.DOWN;
      case "OUT_OF_SERVICE" -> Status.OUT_OF_SERVICE;
      case "UNKNOWN" -> Status.UNKNOWN;
      default -> throw new InvalidMeshPropertyException(property, String.valueOf(code), STATUSES, null);
    };
  }

  static Supplier<Set<String>> watched(ServiceDiscovery discovery) {
    return discovery instanceof ConsulDiscovery consul ? consul::watchedServices : Set::of;
  }

  /** Consul watch staleness. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(ServiceDiscovery.class)
  @ConditionalOnEnabledHealthIndicator("mesh-consul")
  static class ConsulHealth {
    @Bean
    @ConditionalOnMissingBean(name = "meshConsulHealthIndicator")
    HealthIndicator meshConsulHealthIndicator(MeshActivity activity, ServiceDiscovery discovery,
        Mesh4jProperties properties) {
      Mesh4jProperties.ConsulHealth settings = properties.getHealth().getConsul();
      Duration staleAfter = settings.getStaleAfter();
      if (staleAfter == null || staleAfter.isNegative() || staleAfter.isZero()) {
        throw new InvalidMeshPropertyException("mesh4j.health.consul.stale-after", String.valueOf(staleAfter),
            "a positive duration longer than the watch's query wait (55s by default), e.g. 3m", null);
      }
      return MeshHealthIndicators.consulWatches(activity, watched(discovery), staleAfter,
          status("mesh4j.health.consul.stale-status", settings.getStaleStatus()));
    }
  }

  /** Open breakers. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(ServiceMeshClient.class)
  @ConditionalOnEnabledHealthIndicator("mesh-breakers")
  static class BreakerHealth {
    @Bean
    @ConditionalOnMissingBean(name = "meshBreakersHealthIndicator")
    HealthIndicator meshBreakersHealthIndicator(MeshActivity activity, ServiceMeshClient mesh,
        ObjectProvider<ServiceDiscovery> discovery, Mesh4jProperties properties) {
      Status open = status("mesh4j.health.breakers.open-status", properties.getHealth().getBreakers().getOpenStatus());
      Supplier<Set<String>> watched = watched(discovery.getIfAvailable());
      return MeshHealthIndicators.breakers(mesh, () -> {
        Set<String> all = new HashSet<>(activity.services());
        all.addAll(watched.get());
        return all;
      }, open);
    }
  }

  /** The Redis Cluster. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(RedisClusterConnection.class)
  @ConditionalOnEnabledHealthIndicator("mesh-redis")
  static class RedisHealth {
    @Bean
    @ConditionalOnMissingBean(name = "meshRedisHealthIndicator")
    MeshHealthIndicators.Redis meshRedisHealthIndicator(RedisClusterConnection connection) {
      return new MeshHealthIndicators.Redis(PropertyChecks.get("mesh4j.redis.nodes", connection.seedNodes(),
          "a list of host:port seed nodes", () -> DistributedCache.builder(connection, String.class)
              .namespace("mesh4j-health").strict(true).build()));
    }
  }

  /** {@code /actuator/mesh}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  static class Endpoint {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(MeshEndpoint.class)
    MeshEndpoint meshEndpoint(MeshActivity activity, ObjectProvider<ServiceDiscovery> discovery,
        ObjectProvider<ServiceMeshClient> mesh, ObjectProvider<CacheManager> caches) {
      return new MeshEndpoint(activity, discovery, mesh, caches);
    }
  }
}
