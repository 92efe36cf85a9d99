package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.micrometer.DefaultMeshCallObservationConvention;
import io.mesh4j.micrometer.MeshCallContext;
import io.mesh4j.micrometer.MeshMeterObservationHandler;
import io.mesh4j.micrometer.MeshMeters;
import io.mesh4j.micrometer.MeshObservations;
import io.mesh4j.spring.boot.autoconfigure.web.MeshRestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.support.NoOpCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which beans the auto-configuration makes, from which properties, and that each backs off when
 * the application defines its own. No server is needed: nothing here connects at start-up.
 */
@Timeout(value = 60, unit = SECONDS)
class Mesh4jAutoConfigurationTest {
  static final AutoConfigurations ALL = AutoConfigurations.of(Mesh4jMicrometerAutoConfiguration.class,
      Mesh4jDiscoveryAutoConfiguration.class, Mesh4jClientAutoConfiguration.class, Mesh4jRedisAutoConfiguration.class,
      Mesh4jCacheAutoConfiguration.class, Mesh4jRestClientAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ALL);

  @Test
  void byDefaultConsulOnTheLocalAgentAndAClientButNoRedis() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(ConsulDiscovery.class).hasSingleBean(ServiceMeshClient.class);
      assertThat(context.getBean(ConsulDiscovery.class).toString()).contains("http://127.0.0.1:8500");
      assertThat(context).doesNotHaveBean(RedisClusterConnection.class)
          .doesNotHaveBean(MeshCacheFactory.class).doesNotHaveBean(CacheManager.class);
      assertThat(context).doesNotHaveBean(MeshMeters.class).doesNotHaveBean(MeshObservations.class);
    });
  }

  @Test
  void consulPropertiesReachTheDiscovery() {
    runner.withPropertyValues("mesh4j.consul.url=http://10.1.2.3:18500", "mesh4j.consul.datacenter=dc2",
            "mesh4j.consul.token=secret-token")
        .run(context -> {
          ConsulDiscovery discovery = context.getBean(ConsulDiscovery.class);
          assertThat(discovery.toString()).contains("http://10.1.2.3:18500").doesNotContain("secret-token");
          assertThat(context.getBean(Mesh4jProperties.class).getConsul().getDatacenter()).isEqualTo("dc2");
        });
  }

  @Test
  void theApplicationsOwnDiscoveryWinsAndTheClientUsesIt() {
    runner.withUserConfiguration(OwnDiscovery.class).run(context -> {
      assertThat(context).doesNotHaveBean(ConsulDiscovery.class).hasSingleBean(ServiceDiscovery.class);
      assertThat(context).hasSingleBean(ServiceMeshClient.class);
      assertThat(context.getBean(ServiceDiscovery.class)).isSameAs(OwnDiscovery.DISCOVERY);
    });
  }

  @Test
  void consulDisabledAndNoDiscoveryMeansNoClient() {
    runner.withPropertyValues("mesh4j.consul.enabled=false").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(ServiceDiscovery.class).doesNotHaveBean(ServiceMeshClient.class);
    });
  }

  @Test
  void theApplicationsOwnClientWins() {
    runner.withUserConfiguration(OwnDiscovery.class, OwnClient.class).run(context -> {
      assertThat(context).hasSingleBean(ServiceMeshClient.class);
      assertThat(context.getBean(ServiceMeshClient.class)).isSameAs(context.getBean("myClient"));
    });
  }

  @Test
  void clientPropertiesAreAccepted() {
    runner.withPropertyValues("mesh4j.client.load-balancer=peak-ewma", "mesh4j.client.retry.max-attempts=2",
            "mesh4j.client.attempt-timeout=750ms")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ServiceMeshClient.class));
  }

  @Test
  void redisNodesGiveAConnectionAFactoryAndACacheManagerWithTheConfiguredNames() {
    runner.withPropertyValues("mesh4j.redis.nodes=127.0.0.1:1,127.0.0.1:2",
            "mesh4j.cache.namespaces.users.value-type=java.lang.String",
            "mesh4j.cache.namespaces.counts.value-type=java.lang.Long",
            "mesh4j.cache.namespaces.counts.l1-enabled=false")
        .run(context -> {
          assertThat(context).hasSingleBean(RedisClusterConnection.class).hasSingleBean(MeshCacheFactory.class);
          assertThat(context).hasSingleBean(CacheManager.class);
          CacheManager manager = context.getBean(CacheManager.class);
          assertThat(manager).isInstanceOf(MeshCacheManager.class);
          assertThat(manager.getCacheNames()).containsExactly("users", "counts");
          assertThat(manager.getCache("users").getNativeCache()).isInstanceOf(io.mesh4j.cache.TwoLevelCache.class);
          assertThat(manager.getCache("counts").getNativeCache()).isInstanceOf(io.mesh4j.cache.DistributedCache.class);
          assertThat(manager.getCache("unknown")).isNull();
        });
  }

  @Test
  void redisNodesWrittenAsAYamlListAlsoCount() {
    runner.withPropertyValues("mesh4j.redis.nodes[0]=127.0.0.1:1", "mesh4j.redis.nodes[1]=127.0.0.1:2")
        .run(context -> assertThat(context).hasSingleBean(RedisClusterConnection.class));
  }

  @Test
  void theApplicationsOwnConnectionWinsAndStillGetsTheCacheBeans() {
    runner.withUserConfiguration(OwnConnection.class)
        .withPropertyValues("mesh4j.redis.nodes=127.0.0.1:1")
        .run(context -> {
          assertThat(context).hasSingleBean(RedisClusterConnection.class);
          assertThat(context.getBean(RedisClusterConnection.class)).isSameAs(context.getBean("myConnection"));
          assertThat(context).hasSingleBean(MeshCacheFactory.class).hasSingleBean(MeshCacheManager.class);
        });
  }

  @Test
  void theApplicationsOwnCacheManagerWins() {
    runner.withUserConfiguration(OwnCacheManager.class)
        .withPropertyValues("mesh4j.redis.nodes=127.0.0.1:1")
        .run(context -> {
          assertThat(context).hasSingleBean(CacheManager.class).doesNotHaveBean(MeshCacheManager.class);
          assertThat(context).hasSingleBean(MeshCacheFactory.class);
        });
  }

  @Test
  void registriesGiveMetersAndObservations() {
    runner.withUserConfiguration(Registries.class).run(context -> {
      assertThat(context).hasSingleBean(MeshMeters.class).hasSingleBean(MeshObservations.class);
      assertThat(context).hasSingleBean(ServiceMeshClient.class);
    });
  }

  /** Boot's own metrics and observation auto-configuration (a simple registry). */
  static final AutoConfigurations BOOT_METRICS_AND_OBSERVATIONS = AutoConfigurations.of(
      org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration.class,
      org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
      org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class,
      org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class);

  private static ObservationRegistry observeOneMeshCall(ObservationRegistry observations) {
    Observation.createNotStarted(DefaultMeshCallObservationConvention.INSTANCE,
        () -> new MeshCallContext("users", "GET", "/users/{id}", "r-1"), observations).start().stop();
    return observations;
  }

  @Test
  void withBootsMetricsAndObservationsMeshTimersAreRecordedOnceByTheMeshHandlerAndOthersByBoots() {
    runner.withConfiguration(BOOT_METRICS_AND_OBSERVATIONS)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(MeshMeterObservationHandler.class);
          assertThat(context.getBeanProvider(io.micrometer.core.instrument.observation.MeterObservationHandler.class)
              .orderedStream().findFirst()).as("first in Boot's first-matching group of meter handlers")
              .containsInstanceOf(MeshMeterObservationHandler.class);
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          ObservationRegistry observations = observeOneMeshCall(context.getBean(ObservationRegistry.class));
          Observation.start("not.a.mesh.call", observations).stop();
          assertThat(meters.get(DefaultMeshCallObservationConvention.NAME).timer().count())
              .as("one timer sample per mesh call, not one per handler").isEqualTo(1);
          assertThat(meters.get("not.a.mesh.call").timer().count()).isEqualTo(1);
          assertThat(meters.find(DefaultMeshCallObservationConvention.NAME + ".active").longTaskTimer()).isNotNull();
        });
  }

  @Test
  void bootsIgnoredLongTaskTimersAreIgnoredByTheMeshHandlerToo() {
    runner.withConfiguration(BOOT_METRICS_AND_OBSERVATIONS)
        .withPropertyValues("management.metrics.observations.ignored-meters=long-task-timer")
        .run(context -> {
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          ObservationRegistry observations = observeOneMeshCall(context.getBean(ObservationRegistry.class));
          assertThat(meters.get(DefaultMeshCallObservationConvention.NAME).timer().count()).isEqualTo(1);
          assertThat(meters.find(DefaultMeshCallObservationConvention.NAME + ".active").longTaskTimer()).isNull();
        });
  }

  @Test
  void withoutMeshMicrometerOnTheClassPathNothingOfItIsMade() {
    runner.withUserConfiguration(Registries.class)
        .withClassLoader(new FilteredClassLoader("io.mesh4j.micrometer"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(MeshMeters.class).doesNotHaveBean(MeshObservations.class);
          assertThat(context).hasSingleBean(ServiceMeshClient.class);
        });
  }

  @Test
  void aClientGivesRestClientsOnTheMeshUnlessSpringWebIsMissingOrTheApplicationHasItsOwn() {
    runner.run(context -> assertThat(context).hasSingleBean(MeshRestClients.class));
    runner.withPropertyValues("mesh4j.consul.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(MeshRestClients.class));
    runner.withClassLoader(new FilteredClassLoader(org.springframework.web.client.RestClient.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshRestClients.class));
    runner.withBean("myRestClients", MeshRestClients.class,
            () -> new MeshRestClients(ServiceMeshClient.builder().discovery(OwnDiscovery.DISCOVERY).build(),
                org.springframework.web.client.RestClient::builder))
        .run(context -> assertThat(context.getBean(MeshRestClients.class)).isSameAs(context.getBean("myRestClients")));
  }

  @Test
  void aRestClientOfTheMeshHasTheServiceAsBaseUrlAndTheMeshAsRequestFactory() {
    runner.run(context -> {
      MeshRestClients clients = context.getBean(MeshRestClients.class);
      assertThat(clients.requestFactory()).isNotNull();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> clients.builder(" "))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serviceName");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> clients.builder("user-service:8080"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a port");
      assertThat(clients.builder("user-service").build()).isNotNull();
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnDiscovery {
    static final StaticServiceDiscovery DISCOVERY = StaticServiceDiscovery.of(java.util.Map.of());

    @Bean
    ServiceDiscovery myDiscovery() {
      return DISCOVERY;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnClient {
    @Bean
    ServiceMeshClient myClient(ServiceDiscovery discovery) {
      return ServiceMeshClient.builder().discovery(discovery).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnConnection {
    @Bean
    RedisClusterConnection myConnection() {
      return RedisClusterConnection.builder().seedNodes("127.0.0.1:3").build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnCacheManager {
    @Bean
    CacheManager myCacheManager() {
      return new NoOpCacheManager();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Registries {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    ObservationRegistry observationRegistry() {
      return ObservationRegistry.create();
    }
  }
}
