package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.ConsulExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared view's health filter expression (its effect on a real agent: SharedViewFilterTest). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthFilterTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  @Test
  void namesAreSortedAndTheNodeChecksKept() {
    assertEquals("ServiceName == \"a\" or ServiceName == \"b\" or ServiceName == \"\"",
        HealthFilter.expression(List.of("b", "a")));
    assertEquals("ServiceName == \"\"", HealthFilter.expression(List.of()));
  }

  @Test
  void noFilterAboveTheLimit() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < HealthFilter.MAX_CHARS / 20; i++) {
      names.add("service-" + i);
    }
    assertNull(HealthFilter.of(names));
    assertEquals(HealthFilter.expression(names.subList(0, 10)), HealthFilter.of(names.subList(0, 10)));
  }

  @Test
  void quotesBackslashesAndControlCharactersAreEscapedForGoBexpr() {
    // go-bexpr ends a "..." string at the first quote even after a backslash: \x22 instead.
    assertEquals("ServiceName == \"x\\x22 or ServiceName != \\x22\" or ServiceName == \"\"",
        HealthFilter.expression(List.of("x\" or ServiceName != \"")));
    assertEquals("ServiceName == \"a\\\\b\\u000ac\" or ServiceName == \"\"", HealthFilter.expression(List.of("a\\b\nc")));
  }

  @Test
  void theAgentTakesTheLongestFilterTheViewSendsInABlockingQuery() throws Exception {
    List<String> names = new ArrayList<>();
    for (int chars = 0; chars < HealthFilter.MAX_CHARS - 100; ) {
      String name = "a-service-with-a-rather-long-name-" + names.size();
      names.add(name);
      chars += "ServiceName == \"\" or ".length() + name.length();
    }
    assertTrue(names.size() > 1_000, names.size() + " names");
    int length = HealthFilter.expression(names).length();
    assertTrue(length <= HealthFilter.MAX_CHARS && length > HealthFilter.MAX_CHARS - 200, length + " chars");
    String query = "/v1/health/state/any?index=1&wait=1s&filter="
        + URLEncoder.encode(HealthFilter.expression(names), StandardCharsets.UTF_8);
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(CONSUL.agent().baseUrl() + query)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("X-Consul-Index").isPresent());
  }
}
