package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.api.internal.Redaction;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The value types, exceptions and checks of mesh-api: what they carry and how they read. */
@Timeout(30)
class ApiValuesTest {
  private static ServiceInstance instance(int port) {
    return ServiceInstance.newBuilder().serviceName("users").host("127.0.0.1").port(port).build();
  }

  /** A named event type (an anonymous one has no simple name). */
  static final class SampleEvent extends MeshEvent {
    SampleEvent(String serviceName, long timestampMillis) {
      super(serviceName, timestampMillis);
    }
  }

  @Test
  void exceptionMessagesSayOnlyWhatIsKnown() {
    CallFailedException withInstance = new CallFailedException("users", "users-1", 500, Map.of(), "boom\n  here");
    assertEquals("call to service 'users' (instance users-1) failed with status 500: boom here", withInstance.getMessage());
    assertEquals("users-1", withInstance.instanceId());
    assertEquals("boom\n  here", withInstance.bodyExcerpt());
    CallFailedException bare = new CallFailedException("users", null, 502, null, null);
    assertEquals("call to service 'users' failed with status 502", bare.getMessage());
    assertEquals(null, bare.instanceId());
    assertEquals(Map.of(), bare.headers());
    assertEquals("call to service 'users' failed with status 503",
        new CallFailedException("users", null, 503, Map.of(), "").getMessage());

    CircuitOpenException open = new CircuitOpenException("users", Duration.ofSeconds(3));
    assertEquals("circuit breaker of service 'users' is open, retry in about 3000 ms", open.getMessage());
    assertEquals(Duration.ofSeconds(3), open.remaining());
    CircuitOpenException unknown = new CircuitOpenException("users", null);
    assertEquals("circuit breaker of service 'users' is open", unknown.getMessage());
    assertEquals(Duration.ZERO, unknown.remaining());
    assertEquals("circuit breaker of service 'users' is open",
        new CircuitOpenException("users", Duration.ZERO).getMessage());

    assertEquals("no instance available for service 'users' (3 known, 1 ejected)",
        new NoInstanceAvailableException("users", 3, 1).getMessage());
    assertEquals("no instance available for service 'users' (3 known, 1 ejected): trials taken",
        new NoInstanceAvailableException("users", 3, 1, "trials taken", null).getMessage());
    assertEquals("call to service 'users' rejected: BULKHEAD",
        new RejectedException("users", RejectedException.Reason.BULKHEAD, null, null).getMessage());
    assertEquals("call to service 'users' rejected: BULKHEAD (max 2)",
        new RejectedException("users", RejectedException.Reason.BULKHEAD, "max 2", null).getMessage());

    MeshTimeoutException timeout = new MeshTimeoutException("users", "attempt", Duration.ofMillis(250), null);
    assertEquals(Duration.ofMillis(250), timeout.timeout());
    assertEquals("attempt to service 'users' timed out after 250 ms", timeout.getMessage());
  }

  @Test
  void redactionExcerptCutsAndSaysHowMuch() {
    assertEquals("", Redaction.excerpt(null, 5));
    assertEquals("abcde", Redaction.excerpt("abcde", 5));
    assertEquals("abcde...(2 more chars)", Redaction.excerpt("abcdefg", 5));
    assertEquals(Map.of(), Redaction.redactHeaders(null));
  }

  @Test
  void checksReturnWhatTheyChecked() {
    Duration d = Duration.ofSeconds(2);
    assertSame(d, Checks.positive(d, "d"));
    assertSame(Duration.ZERO, Checks.notNegative(Duration.ZERO, "d"));
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> Checks.notNegative(Duration.ofMillis(-1), "refreshBefore"));
    assertTrue(negative.getMessage().contains("refreshBefore"));
    assertEquals(1, Checks.inRange(1, 1, 5, "n"));
    assertEquals(5, Checks.inRange(5, 1, 5, "n"));
    assertThrows(IllegalArgumentException.class, () -> Checks.inRange(0, 1, 5, "n"));
    assertThrows(IllegalArgumentException.class, () -> Checks.inRange(6, 1, 5, "n"));
    Checks.state(true, "fine");
    IllegalStateException state = assertThrows(IllegalStateException.class, () -> Checks.state(false, "bad %s", "x"));
    assertEquals("bad x", state.getMessage());
  }

  @Test
  void healthChecksReadBack() {
    HealthCheck http = HealthCheck.http("/health").interval(Duration.ofSeconds(3)).timeout(Duration.ofSeconds(1)).build();
    assertEquals(Optional.of(Duration.ofSeconds(1)), http.timeout());
    assertEquals(Optional.empty(), http.ttl());
    assertEquals("HealthCheck{HTTP /health every PT3S, timeout PT1S}", http.toString());
    HealthCheck ttl = HealthCheck.ttl(Duration.ofSeconds(1)).build();
    assertEquals(Duration.ofSeconds(1), ttl.ttl().orElseThrow(), "one second is the least TTL");
    assertEquals(Optional.empty(), ttl.path());
    assertTrue(ttl.toString().startsWith("HealthCheck{TTL PT1S"), ttl.toString());
    IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
        () -> HealthCheck.ttl(Duration.ofMillis(999)).build());
    assertTrue(tooShort.getMessage().contains("ttl"));
  }

  @Test
  void instancesCompareReadAndPrint() {
    ServiceInstance a = ServiceInstance.newBuilder().serviceName("users").host("10.0.0.1").port(81).secure(true)
        .tags(List.of("x", "y")).tags(List.of("v1")).metadata(Map.of("old", "1")).metadata(Map.of("zone", "a")).build();
    assertEquals("10.0.0.1", a.host());
    assertEquals(81, a.port());
    assertTrue(a.secure());
    assertFalse(instance(80).secure());
    assertEquals(List.of("v1"), List.copyOf(a.tags()), "tags(...) replaces");
    assertEquals(Map.of("zone", "a"), a.metadata(), "metadata(...) replaces");
    assertEquals("ServiceInstance{users-10.0.0.1-81 https://10.0.0.1:81 tags=[v1]}", a.toString());
    assertEquals("ServiceInstance{users-127.0.0.1-80 http://127.0.0.1:80}", instance(80).toString());
    assertEquals(URI.create("http://127.0.0.1:80"), instance(80).uri());
    assertEquals(a, a);
    assertFalse(a.equals("users-10.0.0.1-81"));
    assertNotEquals(instance(80).hashCode(), instance(81).hashCode());
  }

  @Test
  void registrationsAndChangesCarryTheirParts() {
    ServiceInstance i = instance(80);
    HealthCheck check = HealthCheck.ttl(Duration.ofSeconds(3)).build();
    ServiceRegistration r = ServiceRegistration.of(i, check);
    assertSame(i, r.instance());
    assertEquals(Optional.of(check), r.healthCheck());
    assertTrue(r.toString().contains("users-127.0.0.1-80"), r.toString());
    ServiceRegistration bare = ServiceRegistration.withoutHealthCheck(i);
    assertSame(i, bare.instance());
    assertEquals(Optional.empty(), bare.healthCheck());

    ServiceChange none = ServiceChange.between("users", List.of(i), List.of(i));
    assertTrue(none.isEmpty());
    assertEquals("users", none.serviceName());
    assertEquals(List.of(i), none.instances());
    ServiceChange added = ServiceChange.between("users", List.of(i), List.of(i, instance(81)));
    assertFalse(added.isEmpty());
    assertEquals("ServiceChange{users now 2, +1 -0}", added.toString());
    ServiceChange removed = ServiceChange.between("users", List.of(i, instance(81)), List.of(i));
    assertFalse(removed.isEmpty());
    assertEquals("ServiceChange{users now 1, +0 -1}", removed.toString());
  }

  @Test
  void eventsAndListeners() {
    SampleEvent e = new SampleEvent("users", 42L);
    assertEquals("users", e.serviceName());
    assertEquals(42L, e.timestampMillis());
    assertEquals("SampleEvent{users}", e.toString());
    List<MeshEvent> seen = new ArrayList<>();
    MeshEventListener.of(seen::add).onEvent(e);
    assertEquals(List.of(e), seen);
    MeshEventListener noop = MeshEventListener.noop();
    noop.onEvent(e);
    assertEquals(1, seen.size());
  }

  @Test
  void closedStaticDiscoveryTellsNoListener() {
    StaticServiceDiscovery d = StaticServiceDiscovery.of("users", List.of(instance(80)));
    assertEquals("StaticServiceDiscovery[users]", d.toString());
    List<ServiceChange> seen = new ArrayList<>();
    d.subscribe("users", seen::add);
    d.close();
    d.setInstances("users", List.of(instance(81)));
    assertEquals(List.of(), seen);
    assertEquals(List.of(instance(81)), d.instances("users"));
  }
}
