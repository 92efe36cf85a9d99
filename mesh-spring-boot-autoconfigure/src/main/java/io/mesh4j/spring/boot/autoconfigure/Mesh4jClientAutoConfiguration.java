package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.client.CallObserver;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.resilience.TimeoutConfig;
import io.mesh4j.spring.boot.autoconfigure.internal.Listeners;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link ServiceMeshClient} over the context's {@link ServiceDiscovery}, with the defaults of
 * {@code mesh4j.client.*}, every {@link MeshEventListener} bean as listener and a
 * {@link CallObserver} bean (mesh-micrometer's {@code MeshObservations}) as observer. Backs off
 * when the application defines its own client.
 */
@AutoConfiguration(after = {Mesh4jDiscoveryAutoConfiguration.class, Mesh4jMicrometerAutoConfiguration.class})
@ConditionalOnClass(ServiceMeshClient.class)
@EnableConfigurationProperties(Mesh4jProperties.class)
public class Mesh4jClientAutoConfiguration {
  static final String LOAD_BALANCERS = "round-robin, least-outstanding, peak-ewma";

  /** The client (closed with the context, before the discovery it uses). */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(ServiceDiscovery.class)
  public ServiceMeshClient serviceMeshClient(Mesh4jProperties properties, ServiceDiscovery discovery,
      ObjectProvider<MeshEventListener> listeners, ObjectProvider<CallObserver> observer) {
    Mesh4jProperties.Client client = properties.getClient();
    ServiceMeshClient.Builder builder = ServiceMeshClient.builder().discovery(discovery);
    builder.loadBalancer(loadBalancer(client.getLoadBalancer()));
    Integer maxAttempts = client.getRetry().getMaxAttempts();
    if (maxAttempts != null) {
      PropertyChecks.apply("mesh4j.client.retry.max-attempts", maxAttempts, "an integer >= 1",
          () -> builder.retry(r -> r.maxAttempts(maxAttempts)));
    }
    if (client.getAttemptTimeout() != null) {
      PropertyChecks.apply("mesh4j.client.attempt-timeout", client.getAttemptTimeout(),
          "a positive duration (e.g. 2s, 500ms)",
          () -> builder.timeouts(TimeoutConfig.builder().attemptTimeout(client.getAttemptTimeout()).build()));
    }
    MeshEventListener listener = Listeners.combine(listeners);
    if (listener != null) {
      builder.listener(listener);
    }
    observer.ifAvailable(builder::observer);
    return builder.build();
  }

  static LoadBalancer loadBalancer(String name) {
    String normalized = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    switch (normalized) {
      case "round-robin":
        return LoadBalancer.roundRobin();
      case "least-outstanding":
        return LoadBalancer.leastOutstanding();
      case "peak-ewma":
        return LoadBalancer.peakEwma();
      default:
        throw new InvalidMeshPropertyException("mesh4j.client.load-balancer", String.valueOf(name),
            LOAD_BALANCERS, null);
    }
  }
}
