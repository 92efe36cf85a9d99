package io.mesh4j.benchmarks.spring;

import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cloud.client.circuitbreaker.CircuitBreaker;
import org.springframework.cloud.client.circuitbreaker.CircuitBreakerFactory;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.web.client.RestClient;

/**
 * The same application on Spring Cloud: Consul discovery, a {@code @LoadBalanced} RestClient
 * (Spring Cloud LoadBalancer, retry on the next instance through Spring Retry), a Resilience4j
 * circuit breaker around each call, and a Spring Data Redis cache on the Redis Cluster
 * ({@link SpringSideBySideBench#SPRING_CLOUD_PROPERTIES}).
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableCaching
class CloudStack {
  @Bean
  @LoadBalanced
  RestClient.Builder loadBalanced() {
    return RestClient.builder();
  }

  @Bean
  RestClient users(RestClient.Builder loadBalanced) {
    return loadBalanced.baseUrl("http://" + SpringSideBySideBench.SERVICE).defaultHeader("X-Stack", "spring-cloud").build();
  }

  @Bean
  Supplier<CircuitBreaker> breaker(CircuitBreakerFactory<?, ?> factory) {
    CircuitBreaker breaker = factory.create(SpringSideBySideBench.SERVICE);
    return () -> breaker;
  }

  /** Values as strings (Spring Data Redis's default would be Java serialization). */
  @Bean
  RedisCacheManager cacheManager(RedisConnectionFactory connections) {
    return RedisCacheManager.builder(connections).cacheDefaults(RedisCacheConfiguration.defaultCacheConfig()
        .entryTtl(Duration.ofMinutes(10)).serializeValuesWith(SerializationPair.fromSerializer(RedisSerializer.string())))
        .build();
  }
}
