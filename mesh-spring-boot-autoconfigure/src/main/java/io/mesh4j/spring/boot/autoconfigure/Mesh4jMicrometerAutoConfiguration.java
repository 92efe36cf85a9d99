package io.mesh4j.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;
import io.micrometer.observation.ObservationRegistry;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.micrometer.MeshMeterObservationHandler;
import io.mesh4j.micrometer.MeshMeters;
import io.mesh4j.micrometer.MeshObservations;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import java.util.Set;

/**
 * mesh-micrometer's {@link MeshMeters} (a listener of the discovery, client and caches) when a
 * {@link MeterRegistry} bean exists, and {@link MeshObservations} (the client's observer) when an
 * {@link ObservationRegistry} bean exists, with {@link MeshMeterObservationHandler} for the timers of
 * its Observations when both exist. Needs {@code io.mesh4j:mesh-micrometer} on the class path.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass(name = "io.mesh4j.micrometer.MeshMeters")
public class Mesh4jMicrometerAutoConfiguration {

  /** Meters, when there is a registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnBean(MeterRegistry.class)
  static class Meters {
    @Bean
    @ConditionalOnMissingBean
    MeshMeters meshMeters(MeterRegistry registry) {
      return MeshMeters.create(registry);
    }

    /** Binds the meters to the client once both exist: the retry budget gauges read it. */
    @Bean
    static SmartInitializingSingleton meshMetersClientBinding(ObjectProvider<MeshMeters> meters,
        ObjectProvider<ServiceMeshClient> client) {
      return () -> meters.ifAvailable(m -> client.ifAvailable(m::bind));
    }
  }

  /** Observations, when there is a registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ObservationRegistry.class)
  @ConditionalOnBean(ObservationRegistry.class)
  static class Observations {
    @Bean
    @ConditionalOnMissingBean
    MeshObservations meshObservations(ObservationRegistry registry) {
      return MeshObservations.create(registry);
    }

    /**
     * The timers of mesh4j's call and attempt Observations, first in Boot's group of meter
     * handlers (the default handler takes every other Observation): the same meters, looked up
     * once per tag set instead of at every start and stop. Honours
     * {@code management.metrics.observations.ignored-meters=long-task-timer}.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    @ConditionalOnBean(MeterRegistry.class)
    @ConditionalOnMissingBean
    MeshMeterObservationHandler meshMeterObservationHandler(MeterRegistry registry, Environment environment) {
      Set<IgnoredMeters> ignored = Binder.get(environment)
          .bind("management.metrics.observations.ignored-meters", Bindable.setOf(IgnoredMeters.class))
          .orElse(Set.of());
      return new MeshMeterObservationHandler(registry, !ignored.contains(IgnoredMeters.LONG_TASK_TIMER));
    }
  }
}
