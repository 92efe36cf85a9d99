package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.discovery.WatchFailedEvent;
import io.mesh4j.discovery.WatchSyncedEvent;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshActivity;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshEndpoint;
import io.mesh4j.spring.boot.autoconfigure.internal.MeshHealthIndicators;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The actuator part: which indicators and the endpoint exist under which conditions, the property
 * checks, and the staleness rule on a clock the test moves. No server: nothing here connects.
 */
@Timeout(value = 60, unit = SECONDS)
class MeshHealthAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(Mesh4jAutoConfigurationTest.ALL)
      .withConfiguration(AutoConfigurations.of(Mesh4jActuatorAutoConfiguration.class));

  @Test
  void withTheActuatorThereAreConsulAndBreakerIndicatorsAndTheEndpointAndRedisOnlyWithNodes() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasBean("meshConsulHealthIndicator").hasBean("meshBreakersHealthIndicator")
          .doesNotHaveBean("meshRedisHealthIndicator");
      assertThat(context).as("an endpoint is made only when exposed").doesNotHaveBean(MeshEndpoint.class);
    });
    runner.withPropertyValues("management.endpoints.web.exposure.include=health,mesh")
        .run(context -> assertThat(context).hasSingleBean(MeshEndpoint.class));
    runner.withPropertyValues("mesh4j.redis.nodes=127.0.0.1:1")
        .run(context -> assertThat(context).hasBean("meshRedisHealthIndicator"));
  }

  @Test
  void withoutTheActuatorNothingOfItIsMade() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health", "org.springframework.boot.actuate"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(MeshActivity.class).doesNotHaveBean("meshConsulHealthIndicator")
              .doesNotHaveBean(MeshEndpoint.class);
        });
  }

  @Test
  void eachIndicatorCanBeTurnedOffAndTheEndpointToo() {
    runner.withPropertyValues("management.health.mesh-consul.enabled=false",
            "management.health.mesh-breakers.enabled=false", "management.endpoint.mesh.access=NONE",
            "management.endpoints.web.exposure.include=health,mesh")
        .run(context -> assertThat(context).doesNotHaveBean("meshConsulHealthIndicator")
            .doesNotHaveBean("meshBreakersHealthIndicator").doesNotHaveBean(MeshEndpoint.class));
  }

  @Test
  void aBadStatusOrThresholdStopsTheStartNamingTheProperty() {
    runner.withPropertyValues("mesh4j.health.consul.stale-status=SICK").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().isInstanceOfSatisfying(InvalidMeshPropertyException.class,
          e -> {
            assertThat(e.property()).isEqualTo("mesh4j.health.consul.stale-status");
            assertThat(e.accepted()).contains("OUT_OF_SERVICE");
          });
    });
    runner.withPropertyValues("mesh4j.health.consul.stale-after=0s").run(context ->
        assertThat(context.getStartupFailure()).rootCause().isInstanceOfSatisfying(InvalidMeshPropertyException.class,
            e -> assertThat(e.property()).isEqualTo("mesh4j.health.consul.stale-after")));
    runner.withPropertyValues("mesh4j.health.breakers.open-status=broken").run(context ->
        assertThat(context.getStartupFailure()).rootCause().isInstanceOfSatisfying(InvalidMeshPropertyException.class,
            e -> assertThat(e.property()).isEqualTo("mesh4j.health.breakers.open-status")));
  }

  @Test
  void aWatchUnconfirmedBeyondTheThresholdIsStaleWithTheConfiguredStatus() {
    MutableClock clock = new MutableClock(1_000_000);
    MeshActivity activity = new MeshActivity(clock);
    HealthIndicator indicator = MeshHealthIndicators.consulWatches(activity, Set::of, Duration.ofMinutes(3),
        Status.DOWN);
    assertThat(indicator.health().getStatus()).as("nothing watched yet").isEqualTo(Status.UP);

    activity.onEvent(new WatchSyncedEvent("users", clock.millis(), 2, 10, true));
    clock.advance(Duration.ofMinutes(2));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

    activity.onEvent(new WatchFailedEvent("users", clock.millis(), WatchFailedEvent.Reason.UNREACHABLE, 0,
        "connection refused", 1, Duration.ofSeconds(1), 2));
    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    Health stale = indicator.health();
    assertThat(stale.getStatus()).isEqualTo(Status.DOWN);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) stale.getDetails().get("services");
    assertThat(services.get("users")).containsEntry("state", "stale").containsEntry("instances", 2)
        .containsEntry("lastFailure", "UNREACHABLE: connection refused");

    activity.onEvent(new WatchSyncedEvent("users", clock.millis(), 3, 11, true));
    assertThat(indicator.health().getStatus()).as("confirmed again").isEqualTo(Status.UP);
  }

  @Test
  void aWatchThatNeverLoadedTurnsStaleFromWhenItWasFirstSeen() {
    MutableClock clock = new MutableClock(5_000);
    MeshActivity activity = new MeshActivity(clock);
    HealthIndicator indicator = MeshHealthIndicators.consulWatches(activity, () -> Set.of("orders"),
        Duration.ofSeconds(30), Status.OUT_OF_SERVICE);
    activity.onEvent(new WatchFailedEvent("orders", clock.millis(), WatchFailedEvent.Reason.NO_LEADER, 500,
        "no cluster leader", 1, Duration.ofSeconds(1), -1));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    clock.advance(Duration.ofSeconds(31));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile long millis;

    MutableClock(long millis) {
      this.millis = millis;
    }

    void advance(Duration d) {
      millis += d.toMillis();
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
