package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring CacheManager on the real testkit Redis Cluster, in two application contexts with
 * separate connections (two JVMs as far as the cache can tell): {@code @Cacheable(sync = true)}
 * loads a missing key once across both under 16 concurrent callers, and an {@code @CacheEvict}
 * in one context is seen by the other's L1.
 */
@Timeout(value = 60, unit = SECONDS)
class MeshCacheManagerRedisTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  /** Loads counted across both contexts (same class loader). */
  static final AtomicInteger LOADS = new AtomicInteger();

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(Mesh4jAutoConfigurationTest.ALL)
        .withUserConfiguration(Users.class)
        .withPropertyValues("mesh4j.consul.enabled=false",
            "mesh4j.redis.nodes=" + String.join(",", REDIS.cluster().seedNodeStrings()),
            "mesh4j.cache.namespaces.users.value-type=java.lang.String",
            "mesh4j.cache.namespaces.users.ttl=1m");
  }

  @Test
  void sixteenCallersInTwoContextsLoadAMissingKeyOnceAndAnEvictionReachesTheOtherL1() {
    String key = "user-" + UUID.randomUUID();
    runner().run(a -> runner().run(b -> {
      assertThat(a.getBean(CacheManager.class)).isInstanceOf(MeshCacheManager.class);
      assertThat(a.getBean(io.mesh4j.cache.RedisClusterConnection.class))
          .isNotSameAs(b.getBean(io.mesh4j.cache.RedisClusterConnection.class));
      UserService inA = a.getBean(UserService.class);
      UserService inB = b.getBean(UserService.class);
      LOADS.set(0);

      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          UserService service = i % 2 == 0 ? inA : inB;
          results.add(pool.submit(() -> {
            if (!start.await(30, SECONDS)) {
              throw new IllegalStateException("the callers were never released");
            }
            return service.find(key);
          }));
        }
        start.countDown();
        for (Future<String> r : results) {
          assertThat(r.get(30, SECONDS)).isEqualTo("loaded " + key);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(LOADS.get()).as("loads of one missing key by 16 callers in two contexts").isEqualTo(1);

      // Both L1s now hold the value; B serves it without loading.
      assertThat(inB.find(key)).isEqualTo("loaded " + key);
      assertThat(LOADS.get()).isEqualTo(1);
      Cache cacheOfB = b.getBean(CacheManager.class).getCache("users");
      assertThat(cacheOfB.get(key)).isNotNull();

      inA.evict(key);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cacheOfB.get(key)).isNull());
      assertThat(inB.find(key)).isEqualTo("loaded " + key);
      assertThat(LOADS.get()).as("B loads again after A's eviction").isEqualTo(2);
    }));
  }

  @Test
  void aLoaderFailureReachesTheCallerAndNothingIsStored() {
    String key = "user-" + UUID.randomUUID();
    runner().run(context -> {
      Cache users = context.getBean(CacheManager.class).getCache("users");
      Exception thrown = null;
      try {
        users.get(key, () -> {
          throw new java.io.IOException("database down");
        });
      } catch (Cache.ValueRetrievalException e) {
        thrown = e;
      }
      assertThat(thrown).isNotNull();
      assertThat(thrown.getCause()).hasMessage("database down");
      assertThat(users.get(key)).isNull();
      users.put(key, "put " + key);
      assertThat(users.get(key, String.class)).isEqualTo("put " + key);
      users.clear();
      assertThat(users.get(key)).isNull();
    });
  }

  /** A service with the annotations a user writes. */
  public static class UserService {
    @Cacheable(cacheNames = "users", sync = true)
    public String find(String id) throws InterruptedException {
      LOADS.incrementAndGet();
      Thread.sleep(300); // a slow database: the other callers arrive while it loads
      return "loaded " + id;
    }

    @CacheEvict(cacheNames = "users")
    public void evict(String id) {}
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class Users {
    @Bean
    UserService userService() {
      return new UserService();
    }
  }
}
