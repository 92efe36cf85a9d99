package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceRegistry;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.spring.boot.autoconfigure.internal.Listeners;
import io.mesh4j.spring.boot.autoconfigure.internal.ConsulTlsBundle;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import io.mesh4j.spring.boot.autoconfigure.internal.SelfRegistration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * With {@code mesh4j.registration.enabled=true}: a {@link ConsulRegistry} (unless the application
 * defines a {@link ServiceRegistry}) and the self-registration, which registers the application
 * when it is ready (with a TTL check the registry keeps passing) and deregisters it as the first
 * step of the shutdown, before any bean is closed.
 */
@AutoConfiguration(after = Mesh4jMicrometerAutoConfiguration.class)
@ConditionalOnClass(ConsulRegistry.class)
@ConditionalOnProperty(prefix = "mesh4j.registration", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(Mesh4jProperties.class)
public class Mesh4jRegistrationAutoConfiguration {
  /** The registry, on the Consul agent of {@code mesh4j.consul.*}. */
  @Bean
  @ConditionalOnMissingBean(ServiceRegistry.class)
  public ConsulRegistry consulRegistry(Mesh4jProperties properties, ObjectProvider<MeshEventListener> listeners,
      ObjectProvider<SslBundles> sslBundles) {
    Mesh4jProperties.Consul consul = properties.getConsul();
    ConsulRegistry.Builder builder = ConsulRegistry.builder();
    PropertyChecks.apply("mesh4j.consul.url", consul.getUrl(), "http://host:port or https://host:port",
        () -> builder.url(consul.getUrl()));
    ConsulTlsBundle.apply(consul.getSslBundle(), sslBundles, builder);
    if (consul.getToken() != null) {
      PropertyChecks.applySecret("mesh4j.consul.token", "a non-blank Consul ACL token",
          () -> builder.token(consul.getToken()));
    }
    MeshEventListener listener = Listeners.combine(listeners);
    if (listener != null) {
      builder.eventListener(listener);
    }
    return PropertyChecks.get("mesh4j.consul.url", consul.getUrl(), "http://host:port or https://host:port",
        builder::build);
  }

  /** Registers on ApplicationReadyEvent, deregisters on ContextClosedEvent. */
  @Bean
  @ConditionalOnMissingBean
  public SelfRegistration meshSelfRegistration(ServiceRegistry registry, Mesh4jProperties properties,
      Environment environment) {
    return new SelfRegistration(registry, properties.getRegistration(), environment);
  }
}
