package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Consul watch indicator fed by the real discovery bean: synced and UP on the real testkit
 * agent; stale (the configured status) once a watch on an agent that does not answer has gone
 * unconfirmed beyond the threshold.
 */
@Timeout(value = 60, unit = SECONDS)
class ConsulWatchHealthTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(Mesh4jDiscoveryAutoConfiguration.class,
          Mesh4jClientAutoConfiguration.class, Mesh4jActuatorAutoConfiguration.class));

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(Health health, String name) {
    return (Map<String, Object>) ((Map<String, Object>) health.getDetails().get("services")).get(name);
  }

  @Test
  void aWatchOnTheRealAgentIsSyncedAndUp() {
    String name = "health-" + UUID.randomUUID().toString().substring(0, 8);
    try (ConsulRegistry registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build()) {
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(name)
          .id(name + "-1").host("127.0.0.1").port(9).build()));
      runner.withPropertyValues("mesh4j.consul.url=" + CONSUL.agent().baseUrl(),
          "mesh4j.health.consul.stale-after=30s").run(context -> {
            HealthIndicator indicator = context.getBean("meshConsulHealthIndicator", HealthIndicator.class);
            assertThat(context.getBean(ServiceDiscovery.class).instances(name)).hasSize(1);
            // The sync event reaches the indicator on the discovery's listener thread, just after the first load.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
              Health health = indicator.health();
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(service(health, name)).containsEntry("state", "synced").containsEntry("instances", 1);
            });
          });
    }
  }

  @Test
  void aWatchOnAnAgentThatDoesNotAnswerTurnsStale() {
    runner.withPropertyValues("mesh4j.consul.url=http://127.0.0.1:1", "mesh4j.health.consul.stale-after=1s",
        "mesh4j.health.consul.stale-status=down").run(context -> {
          HealthIndicator indicator = context.getBean("meshConsulHealthIndicator", HealthIndicator.class);
          context.getBean(ServiceDiscovery.class).subscribe("payments", change -> { });
          await().atMost(Duration.ofSeconds(20)).until(() -> indicator.health().getStatus().equals(Status.DOWN));
          assertThat(service(indicator.health(), "payments")).containsEntry("state", "stale")
              .hasEntrySatisfying("lastFailure", f -> assertThat(f.toString()).startsWith("UNREACHABLE"));
        });
  }
}
