package io.mesh4j.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad settings fail when set or at build(), with a message that names the setting. No agent needed. */
class BuilderValidationTest {

  private static void assertNames(String setting, Executable e) {
    RuntimeException ex = assertThrows(RuntimeException.class, e);
    assertTrue(ex instanceof IllegalArgumentException || ex instanceof NullPointerException,
        "unexpected type " + ex);
    assertTrue(ex.getMessage().contains(setting), "message should name '" + setting + "': " + ex.getMessage());
  }

  @Test
  void serviceName_blank() {
    assertNames("serviceName", () -> ServiceInstance.newBuilder().serviceName("  ").host("127.0.0.1").port(80).build());
  }

  @Test
  void port_outOfRange() {
    assertNames("port", () -> ServiceInstance.newBuilder().serviceName("s").host("h").port(0).build());
    assertNames("port", () -> ServiceInstance.newBuilder().serviceName("s").host("h").port(65536).build());
  }

  @Test
  void healthCheckIntervals_zeroOrNegative() {
    assertNames("interval", () -> HealthCheck.http("/health").interval(Duration.ZERO).build());
    assertNames("timeout", () -> HealthCheck.http("/health").timeout(Duration.ofSeconds(-1)).build());
    assertNames("ttl", () -> HealthCheck.ttl(Duration.ofSeconds(-5)).build());
    assertNames("heartbeatInterval", () -> HealthCheck.ttl(Duration.ofSeconds(5)).heartbeatInterval(Duration.ZERO).build());
    assertNames("deregisterCriticalAfter",
        () -> HealthCheck.ttl(Duration.ofSeconds(5)).deregisterCriticalAfter(Duration.ofSeconds(-1)).build());
  }

  @Test
  void ttl_shorterThanHeartbeat() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HealthCheck.ttl(Duration.ofSeconds(2)).heartbeatInterval(Duration.ofSeconds(3)).build());
    assertTrue(e.getMessage().contains("ttl") && e.getMessage().contains("heartbeatInterval"), e.getMessage());
  }

  @Test
  void discoveryDurations_zeroOrNegative() {
    assertNames("queryWait", () -> ConsulDiscovery.builder().queryWait(Duration.ZERO).build());
    assertNames("queryWait", () -> ConsulDiscovery.builder().queryWait(Duration.ofMinutes(11)).build());
    assertNames("firstLoadTimeout", () -> ConsulDiscovery.builder().firstLoadTimeout(Duration.ofMillis(-1)).build());
    assertNames("minQueryInterval", () -> ConsulDiscovery.builder().minQueryInterval(Duration.ZERO).build());
    assertNames("errorBackoff min", () -> ConsulDiscovery.builder()
        .errorBackoff(Duration.ZERO, Duration.ofSeconds(1)).build());
    assertNames("errorBackoff min", () -> ConsulDiscovery.builder()
        .errorBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build());
    assertNames("connectTimeout", () -> ConsulDiscovery.builder().connectTimeout(Duration.ZERO).build());
    assertNames("requestTimeout", () -> ConsulRegistry.builder().requestTimeout(Duration.ofSeconds(-3)).build());
    assertNames("reconcileInterval", () -> ConsulRegistry.builder().reconcileInterval(Duration.ZERO));
  }

  /** Issue 17: a URL without its scheme says what was given and what to add. */
  @Test
  void url_withoutScheme_echoesTheValueAndSaysToAddTheScheme() {
    for (String given : new String[] {"127.0.0.1:8500", "localhost", "localhost:8500"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ConsulDiscovery.builder().url(given).build());
      assertTrue(e.getMessage().startsWith("url must start with http:// or https://, was '" + given + "'"),
          e.getMessage());
      assertTrue(e.getMessage().contains("for example http://" + given), e.getMessage());
    }
    IllegalArgumentException secret = assertThrows(IllegalArgumentException.class,
        () -> ConsulRegistry.builder().url("admin:pa55word@consul.internal:8500/?token=t0k3n").build());
    assertTrue(secret.getMessage().contains("'consul.internal:8500/'"), secret.getMessage());
    assertFalse(secret.getMessage().contains("pa55word") || secret.getMessage().contains("t0k3n"), secret.getMessage());
    IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
        () -> ConsulDiscovery.builder().url("http://consul agent:8500").build());
    assertTrue(syntax.getMessage().startsWith("url must look like http://host:port, was 'http://consul agent:8500'"),
        syntax.getMessage());
  }

  @Test
  void url_blankOrWrongSchemeOrWithSecrets() {
    assertNames("url", () -> ConsulDiscovery.builder().url(" "));
    assertNames("url", () -> ConsulDiscovery.builder().url("ftp://127.0.0.1:8500").build());
    assertNames("url", () -> ConsulRegistry.builder().url("not a url").build());
    IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
        () -> ConsulDiscovery.builder().url("http://127.0.0.1:8500/?token=s3cr3t-in-url").build());
    assertTrue(q.getMessage().contains("url") && !q.getMessage().contains("s3cr3t"), q.getMessage());
    IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
        () -> ConsulDiscovery.builder().url("http://user:pa55word@127.0.0.1:8500").build());
    assertTrue(u.getMessage().contains("url") && !u.getMessage().contains("pa55word"), u.getMessage());
  }

  @Test
  void tokenAndFilters_blank() {
    assertNames("token", () -> ConsulDiscovery.builder().token(""));
    assertNames("tag", () -> ConsulDiscovery.builder().tags("ok", " "));
    assertNames("datacenter", () -> ConsulDiscovery.builder().datacenter(""));
    assertNames("serviceName", () -> {
      try (ConsulDiscovery d = ConsulDiscovery.builder().url("http://127.0.0.1:1").build()) {
        d.instances(null);
      }
    });
  }

  @Test
  void build_makesNoRequest_soConsulMayBeDown() {
    // Port 1 has no Consul; building must still work, and close must be clean.
    ConsulDiscovery d = ConsulDiscovery.builder().url("http://127.0.0.1:1").build();
    ConsulRegistry r = ConsulRegistry.builder().url("http://127.0.0.1:1").build();
    assertEquals(Set.of(), d.watchedServices());
    assertTrue(r.registeredIds().isEmpty());
    d.close();
    r.close();
    d.close(); // idempotent
    r.close();
  }
}
