package io.mesh4j.api;

import static io.mesh4j.api.ServiceInstanceTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
  @Test
  void ttlDefaultsHeartbeatToAThird() {
    HealthCheck c = HealthCheck.ttl(Duration.ofSeconds(9)).build();
    assertEquals(HealthCheck.Kind.TTL, c.kind());
    assertEquals(Duration.ofSeconds(3), c.heartbeatInterval().orElseThrow());
    assertEquals(Duration.ofSeconds(9), c.ttl().orElseThrow());
  }

  @Test
  void httpDefaults() {
    HealthCheck c = HealthCheck.http("/health").deregisterCriticalAfter(Duration.ofMinutes(1)).build();
    assertEquals("/health", c.path().orElseThrow());
    assertEquals(Duration.ofSeconds(10), c.interval().orElseThrow());
    assertEquals(Duration.ofMinutes(1), c.deregisterCriticalAfter().orElseThrow());
  }

  @Test
  void badSettingsAreNamed() {
    assertMessage(IllegalArgumentException.class, "interval", () -> HealthCheck.http("/h").interval(Duration.ZERO).build());
    assertMessage(IllegalArgumentException.class, "timeout", () -> HealthCheck.http("/h").timeout(Duration.ofSeconds(-1)).build());
    assertMessage(IllegalArgumentException.class, "path", () -> HealthCheck.http("health"));
    assertMessage(IllegalArgumentException.class, "ttl", () -> HealthCheck.ttl(Duration.ZERO).build());
    assertMessage(IllegalArgumentException.class, "heartbeatInterval",
        () -> HealthCheck.ttl(Duration.ofSeconds(5)).heartbeatInterval(Duration.ofSeconds(5)).build());
    assertMessage(IllegalArgumentException.class, "deregisterCriticalAfter",
        () -> HealthCheck.ttl(Duration.ofSeconds(5)).deregisterCriticalAfter(Duration.ofSeconds(-5)).build());
    assertMessage(IllegalArgumentException.class, "heartbeatInterval",
        () -> HealthCheck.http("/h").heartbeatInterval(Duration.ofSeconds(1)).build());
  }
}
