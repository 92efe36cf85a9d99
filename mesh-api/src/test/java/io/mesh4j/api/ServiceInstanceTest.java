package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceInstanceTest {
  private static ServiceInstance.Builder base() {
    return ServiceInstance.newBuilder().serviceName("users").host("10.0.0.7").port(8080);
  }

  @Test
  void defaultsIdAndBuildsUri() {
    ServiceInstance i = base().build();
    assertEquals("users-10.0.0.7-8080", i.id());
    assertEquals(URI.create("http://10.0.0.7:8080"), i.uri());
    assertEquals(URI.create("https://10.0.0.7:8080"), base().secure(true).build().uri());
    assertEquals(URI.create("http://[::1]:80"), base().host("::1").port(80).build().uri());
  }

  @Test
  void equalityIsIdAndAddressNotTags() {
    ServiceInstance a = base().tag("v1").build();
    ServiceInstance b = base().tag("v2").metadata("zone", "a").build();
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, base().port(8081).id(a.id()).build());
    assertNotEquals(a, base().id("other").build());
  }

  @Test
  void isImmutable() {
    ServiceInstance i = base().tag("v1").metadata("zone", "a").build();
    assertThrows(UnsupportedOperationException.class, () -> i.tags().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> i.metadata().put("k", "v"));
    ServiceInstance copy = i.toBuilder().tag("v2").build();
    assertEquals(List.of("v1"), List.copyOf(i.tags()));
    assertEquals(List.of("v1", "v2"), List.copyOf(copy.tags()));
    assertEquals(Map.of("zone", "a"), copy.metadata());
  }

  @Test
  void validationNamesTheSetting() {
    assertMessage(NullPointerException.class, "serviceName", () -> base().serviceName(null).build());
    assertMessage(IllegalArgumentException.class, "serviceName", () -> base().serviceName("  ").build());
    assertMessage(NullPointerException.class, "host", () -> base().host(null).build());
    assertMessage(IllegalArgumentException.class, "port", () -> base().port(0).build());
    assertMessage(IllegalArgumentException.class, "port", () -> base().port(65536).build());
    assertMessage(IllegalArgumentException.class, "port", () -> ServiceInstance.newBuilder().serviceName("a").host("h").build());
    assertMessage(IllegalArgumentException.class, "id", () -> base().id(""));
    assertMessage(IllegalArgumentException.class, "tag", () -> base().tag(" "));
  }

  static void assertMessage(Class<? extends Throwable> type, String setting, Runnable r) {
    Throwable t = assertThrows(type, r::run);
    assertTrue(t.getMessage().contains(setting), () -> "message '" + t.getMessage() + "' should name " + setting);
  }
}
