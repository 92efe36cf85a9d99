package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.client.CallObserver;
import io.mesh4j.client.CredentialsProvider;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.client.ServiceSettings;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import io.mesh4j.spring.boot.autoconfigure.internal.ClientDrain;
import io.mesh4j.spring.boot.autoconfigure.internal.ClientSettingsApplier;
import io.mesh4j.spring.boot.autoconfigure.internal.InFlightCalls;
import java.time.Duration;
import io.mesh4j.spring.boot.autoconfigure.internal.Listeners;
import java.util.List;
import java.util.Locale;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link ServiceMeshClient} over the context's {@link ServiceDiscovery}, with the settings of
 * {@code mesh4j.client.*} and the per-service overrides of {@code mesh4j.client.services.<name>.*}, every {@link MeshEventListener} bean as listener and a
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
      ObjectProvider<MeshEventListener> listeners, ObjectProvider<CallObserver> observer, InFlightCalls inFlight,
      ListableBeanFactory beans) {
    Mesh4jProperties.Client client = properties.getClient();
    ServiceMeshClient.Builder builder = ServiceMeshClient.builder().discovery(discovery);
    builder.loadBalancer(loadBalancer("mesh4j.client.load-balancer",
        client.getLoadBalancer() == null ? "round-robin" : client.getLoadBalancer()));
    ClientSettingsApplier.applyDefaults(client, clientTarget(builder));
    if (client.getCredentials() != null) {
      builder.credentialsForAllServices(credentials(beans, "mesh4j.client.credentials", client.getCredentials()));
    }
    if (client.getAllowCleartextCredentials() != null) {
      throw new InvalidMeshPropertyException("mesh4j.client.allow-cleartext-credentials",
          String.valueOf(client.getAllowCleartextCredentials()),
          "set it per service: mesh4j.client.services.<name>.allow-cleartext-credentials", null);
    }
    client.getServices().forEach((name, settings) -> {
      if (name == null || name.isBlank()) {
        throw new InvalidMeshPropertyException("mesh4j.client.services", String.valueOf(name), "a service name", null);
      }
      builder.service(name, s -> {
        ClientSettingsApplier.applyService(name, settings, client, serviceTarget(s));
        if (settings.getLoadBalancer() != null) {
          s.loadBalancer(loadBalancer("mesh4j.client.services." + name + ".load-balancer", settings.getLoadBalancer()));
        }
        if (settings.getCredentials() != null) {
          s.credentials(credentials(beans, "mesh4j.client.services." + name + ".credentials", settings.getCredentials()));
        }
        if (settings.getAllowCleartextCredentials() != null) {
          s.allowCleartextCredentials(settings.getAllowCleartextCredentials());
        }
      });
    });
    MeshEventListener listener = Listeners.combine(listeners);
    if (listener != null) {
      builder.listener(listener);
    }
    builder.observer(inFlight.wrap(observer.getIfAvailable(CallObserver::none)));
    return builder.build();
  }

  /** The CredentialsProvider bean named by {@code property}, or a failure naming the beans there are. */
  private static CredentialsProvider credentials(ListableBeanFactory beans, String property, String beanName) {
    List<String> known = List.of(beans.getBeanNamesForType(CredentialsProvider.class));
    if (!known.contains(beanName)) {
      throw new InvalidMeshPropertyException(property, beanName, known.isEmpty()
          ? "the name of a CredentialsProvider bean (the application defines none)"
          : "the name of a CredentialsProvider bean: " + String.join(", ", known), null);
    }
    return beans.getBean(beanName, CredentialsProvider.class);
  }

  /** Counts the client's calls in flight, for the shutdown. */
  @Bean
  @ConditionalOnMissingBean
  InFlightCalls meshInFlightCalls() {
    return new InFlightCalls();
  }

  /** On shutdown, after the deregistration and before the client closes: waits for its calls in flight. */
  @Bean
  @ConditionalOnMissingBean
  ClientDrain meshClientDrain(InFlightCalls inFlight, Mesh4jProperties properties) {
    Duration timeout = properties.getClient().getDrainTimeout();
    if (timeout == null || timeout.isNegative()) {
      throw new InvalidMeshPropertyException("mesh4j.client.drain-timeout", String.valueOf(timeout),
          "a duration >= 0 (0 to not wait)", null);
    }
    return new ClientDrain(inFlight, timeout);
  }

  private static ClientSettingsApplier.Target clientTarget(ServiceMeshClient.Builder b) {
    return new ClientSettingsApplier.Target() {
      @Override public void retry(RetryConfig c) { b.retry(c); }
      @Override public void retryBudget(RetryBudgetConfig c) { b.retryBudget(c); }
      @Override public void circuitBreaker(CircuitBreakerConfig c) { b.circuitBreaker(c); }
      @Override public void outlierEjection(OutlierEjectionConfig c) { b.outlierEjection(c); }
      @Override public void timeouts(TimeoutConfig c) { b.timeouts(c); }
      @Override public void bulkhead(BulkheadConfig c) { b.bulkhead(c); }
      @Override public void rateLimiter(RateLimiterConfig c) { b.rateLimiter(c); }
      @Override public void maxResponseBytes(long bytes) { b.maxResponseBytes(bytes); }
      @Override public void hedging(HedgingConfig config) { b.hedging(config); }
    };
  }

  private static ClientSettingsApplier.Target serviceTarget(ServiceSettings s) {
    return new ClientSettingsApplier.Target() {
      @Override public void retry(RetryConfig c) { s.retry(c); }
      @Override public void retryBudget(RetryBudgetConfig c) { s.retryBudget(c); }
      @Override public void circuitBreaker(CircuitBreakerConfig c) { s.circuitBreaker(c); }
      @Override public void outlierEjection(OutlierEjectionConfig c) { s.outlierEjection(c); }
      @Override public void timeouts(TimeoutConfig c) { s.timeouts(c); }
      @Override public void bulkhead(BulkheadConfig c) { s.bulkhead(c); }
      @Override public void rateLimiter(RateLimiterConfig c) { s.rateLimiter(c); }
      @Override public void maxResponseBytes(long bytes) { s.maxResponseBytes(bytes); }
      @Override public void hedging(HedgingConfig config) { s.hedging(config); }
    };
  }

  static LoadBalancer loadBalancer(String property, String name) {
    String normalized = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    switch (normalized) {
      case "round-robin":
        return LoadBalancer.roundRobin();
      case "least-outstanding":
        return LoadBalancer.leastOutstanding();
      case "peak-ewma":
        return LoadBalancer.peakEwma();
      default:
        throw new InvalidMeshPropertyException(property, String.valueOf(name),
            LOAD_BALANCERS, null);
    }
  }
}
