package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.spring.boot.autoconfigure.internal.Listeners;
import io.mesh4j.spring.boot.autoconfigure.internal.ConsulTlsBundle;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link ConsulDiscovery} from {@code mesh4j.consul.*}, unless the application defines its own
 * {@link ServiceDiscovery} or sets {@code mesh4j.consul.enabled=false}. Building it makes no request:
 * the application starts while Consul is down, and calls fail until it answers.
 */
@AutoConfiguration
@ConditionalOnClass(ConsulDiscovery.class)
@EnableConfigurationProperties(Mesh4jProperties.class)
public class Mesh4jDiscoveryAutoConfiguration {
  /** The Consul discovery (closed with the context, after the client that uses it). */
  @Bean
  @ConditionalOnMissingBean(ServiceDiscovery.class)
  @ConditionalOnProperty(prefix = "mesh4j.consul", name = "enabled", havingValue = "true", matchIfMissing = true)
  public ConsulDiscovery consulDiscovery(Mesh4jProperties properties, ObjectProvider<MeshEventListener> listeners,
      ObjectProvider<SslBundles> sslBundles) {
    Mesh4jProperties.Consul consul = properties.getConsul();
    ConsulDiscovery.Builder builder = ConsulDiscovery.builder();
    PropertyChecks.apply("mesh4j.consul.url", consul.getUrl(), "http://host:port or https://host:port",
        () -> builder.url(consul.getUrl()));
    ConsulTlsBundle.apply(consul.getSslBundle(), sslBundles, builder);
    if (consul.getToken() != null) {
      PropertyChecks.applySecret("mesh4j.consul.token", "a non-blank Consul ACL token",
          () -> builder.token(consul.getToken()));
    }
    if (consul.getDatacenter() != null) {
      PropertyChecks.apply("mesh4j.consul.datacenter", consul.getDatacenter(), "a datacenter name",
          () -> builder.datacenter(consul.getDatacenter()));
    }
    MeshEventListener listener = Listeners.combine(listeners);
    if (listener != null) {
      builder.eventListener(listener);
    }
    return PropertyChecks.get("mesh4j.consul.url", consul.getUrl(), "http://host:port or https://host:port",
        builder::build);
  }
}
