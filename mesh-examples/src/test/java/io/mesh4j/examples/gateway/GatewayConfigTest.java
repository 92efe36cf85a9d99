package io.mesh4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.StaticServiceDiscovery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Config parsing and validation: every problem reported at once, each naming the route and field. */
class GatewayConfigTest {
  static final String SECRET = "an-hs256-secret-of-at-least-32-bytes!";
  static final Map<String, String> ENV = Map.of("JWT_SECRET", SECRET, "SHORT_SECRET", "too-short");

  static GatewayConfig parse(String json) {
    return GatewayConfig.parse(json, ENV::get);
  }

  static List<String> problems(String json) {
    GatewayConfigException e = assertThrows(GatewayConfigException.class, () -> parse(json));
    assertEquals(e.problems().size(), e.getMessage().split("\n").length - 1, e.getMessage());
    return e.problems();
  }

  static String route(String fields) {
    return "{\"routes\": [ {\"name\": \"r1\", \"path\": \"/a/{id}\", \"methods\": [\"GET\"], \"service\": \"svc\""
        + (fields.isEmpty() ? "" : ", " + fields) + "} ]}";
  }

  @Test
  void aFullConfigParsesWithDefaults() {
    GatewayConfig c = parse("{ \"port\": 0,"
        + " \"auth\": { \"apiKeys\": [ {\"client\": \"alice\", \"sha256\": \"" + "ab".repeat(32) + "\"} ],"
        + "             \"jwt\": {\"secretEnv\": \"JWT_SECRET\", \"issuer\": \"iss\", \"audience\": \"aud\"} },"
        + " \"circuitBreaker\": {\"failureRatePercent\": 40, \"minimumCalls\": 5, \"window\": \"20s\", \"openFor\": \"1m\"},"
        + " \"routes\": ["
        + "  {\"name\": \"read\", \"path\": \"/api/users/{id}\", \"methods\": [\"GET\"], \"service\": \"users\","
        + "   \"auth\": true, \"rateLimitPerMinute\": 10, \"cacheTtl\": \"30s\", \"cacheShared\": true,"
        + "   \"timeout\": \"2s\", \"attemptTimeout\": \"500ms\", \"retries\": 1, \"stripPrefix\": \"/api\"},"
        + "  {\"name\": \"write\", \"path\": \"/api/users/{id}\", \"methods\": [\"PUT\", \"DELETE\"], \"service\": \"users\"}"
        + " ] }");
    assertEquals(0, c.port());
    assertEquals(1, c.apiKeyCount());
    assertTrue(c.jwtEnabled());
    assertEquals(40, c.circuitBreaker().orElseThrow().failureRatePercent());
    assertEquals(Duration.ofMinutes(1), c.circuitBreaker().orElseThrow().openFor());
    Route read = c.routesByName().get("read");
    assertEquals(Set.of("GET"), read.methods());
    assertTrue(read.authRequired());
    assertEquals(10, read.rateLimitPerMinute());
    assertEquals(Duration.ofSeconds(30), read.cacheTtl().orElseThrow());
    assertEquals(Duration.ofSeconds(2), read.timeout());
    assertEquals(Duration.ofMillis(500), read.attemptTimeout());
    assertEquals(1, read.retries());
    assertEquals("/api", read.stripPrefix().orElseThrow());
    Route write = c.routesByName().get("write");
    assertFalse(write.authRequired());
    assertEquals(0, write.rateLimitPerMinute());
    assertTrue(write.cacheTtl().isEmpty());
    assertEquals(GatewayConfig.DEFAULT_TIMEOUT, write.timeout());
    assertEquals(write.timeout(), write.attemptTimeout());
    assertEquals(GatewayConfig.DEFAULT_RETRIES, write.retries());
    assertFalse(c.toString().contains(SECRET), "no secret in toString");
  }

  @Test
  void theBundledExampleConfigIsValid() {
    GatewayConfig c = GatewayConfig.fromResource("gateway/routes.json", Map.of("GATEWAY_JWT_SECRET", SECRET)::get);
    assertEquals(5, c.routes().size());
    assertTrue(c.jwtEnabled());
    assertEquals(1, c.apiKeyCount());
  }

  @Test
  void overlappingRoutesWithDifferentAuthAreWarnedAbout() {
    String json = "{ \"auth\": { \"apiKeys\": [ {\"client\": \"c\", \"sha256\": \"" + "ab".repeat(32) + "\"} ] },"
        + " \"routes\": ["
        + "  {\"name\": \"public\", \"path\": \"/api/**\", \"methods\": [\"GET\"], \"service\": \"s\"},"
        + "  {\"name\": \"admin\", \"path\": \"/api/admin/**\", \"methods\": [\"GET\", \"POST\"], \"service\": \"s\","
        + "   \"auth\": true},"
        + "  {\"name\": \"other\", \"path\": \"/other/{id}\", \"methods\": [\"GET\"], \"service\": \"s\", \"auth\": true},"
        + "  {\"name\": \"post-only\", \"path\": \"/other/**\", \"methods\": [\"POST\"], \"service\": \"s\"}"
        + " ] }";
    List<String> warnings = GatewayConfig.parse(json, Map.<String, String>of()::get).warnings();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("route 'public' (/api/**, no auth) and route 'admin' (/api/admin/**, auth) "
        + "overlap"), warnings.get(0));
    assertEquals(List.of(), GatewayConfig.fromResource("gateway/routes.json",
        Map.of("GATEWAY_JWT_SECRET", SECRET)::get).warnings(), "the bundled routes do not overlap across auth");
  }

  @Test
  void routeProblemsNameTheRouteAndTheField() {
    assertEquals(List.of("routes[0] 'r1': unknown field 'ratelimit' (known: attemptTimeout, auth, cacheShared, "
            + "cacheTtl, methods, name, path, rateLimitPerMinute, retries, service, stripPrefix, timeout)"),
        problems(route("\"ratelimit\": 5")));
    assertEquals(List.of("routes[0] 'r1': field 'timeout' must be a duration such as \"250ms\", \"2s\", \"1m\" or \"1h\", "
        + "was \"fast\""), problems(route("\"timeout\": \"fast\"")));
    assertEquals(List.of("routes[0] 'r1': field 'timeout' must be from 1ms to 5m, was \"10m\""),
        problems(route("\"timeout\": \"10m\"")));
    assertEquals(List.of("routes[0] 'r1': field 'retries' must be a whole number from 0 to 5, was 9"),
        problems(route("\"retries\": 9")));
    assertEquals(List.of("routes[0] 'r1': field 'rateLimitPerMinute' must be a whole number from 0 to 1000000, was -1"),
        problems(route("\"rateLimitPerMinute\": -1")));
    assertEquals(List.of("routes[0] 'r1': field 'auth' must be true or false, was \"yes\""),
        problems(route("\"auth\": \"yes\"")));
    assertEquals(List.of("routes[0] 'r1': field 'attemptTimeout' (3000 ms) is longer than 'timeout' (1000 ms)"),
        problems(route("\"timeout\": \"1s\", \"attemptTimeout\": \"3s\"")));
    assertEquals(List.of("routes[0] 'r1': field 'stripPrefix' \"/b\" is not a literal prefix of path /a/{id}"),
        problems(route("\"stripPrefix\": \"/b\"")));
    assertEquals(List.of("routes[0] 'r1': field 'auth' is true but the config has no auth.apiKeys and no auth.jwt"),
        problems(route("\"auth\": true")));
  }

  @Test
  void requiredFieldsMethodsAndPaths() {
    List<String> p = problems("{\"routes\": [ {\"name\": \"r1\", \"path\": \"a/b\", \"methods\": [\"GET\", \"FETCH\", \"GET\"]} ]}");
    assertEquals(List.of(
        "routes[0] 'r1': field 'path' must start with '/', was \"a/b\"",
        "routes[0] 'r1': field 'methods' has \"FETCH\"; allowed: [DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT]",
        "routes[0] 'r1': field 'methods' lists GET twice",
        "routes[0] 'r1': field 'service' is required"), p);
    assertEquals(List.of("routes[0] 'r1': field 'path' '**' may only be the last segment, was \"/a/**/b\""),
        problems("{\"routes\": [ {\"name\": \"r1\", \"path\": \"/a/**/b\", \"methods\": [\"GET\"], \"service\": \"s\"} ]}"));
    assertEquals(List.of("routes[0] 'r1': field 'path' segment 'x{id}' mixes text with '{', '}' or '*'; "
            + "a wildcard must be a whole segment, was \"/a/x{id}\""),
        problems("{\"routes\": [ {\"name\": \"r1\", \"path\": \"/a/x{id}\", \"methods\": [\"GET\"], \"service\": \"s\"} ]}"));
    assertEquals(List.of("routes[0]: field 'name' is required"),
        problems("{\"routes\": [ {\"path\": \"/a\", \"methods\": [\"GET\"], \"service\": \"s\"} ]}"));
    assertEquals(List.of("routes: must be a non-empty array of routes"), problems("{\"routes\": []}"));
  }

  @Test
  void duplicateNamesAndOverlappingRoutesAreRefused() {
    List<String> p = problems("{\"routes\": ["
        + " {\"name\": \"a\", \"path\": \"/u/{id}\", \"methods\": [\"GET\", \"PUT\"], \"service\": \"s\"},"
        + " {\"name\": \"a\", \"path\": \"/v\", \"methods\": [\"GET\"], \"service\": \"s\"},"
        + " {\"name\": \"c\", \"path\": \"/u/{other}\", \"methods\": [\"PUT\", \"POST\"], \"service\": \"s\"},"
        + " {\"name\": \"d\", \"path\": \"/u/{x}\", \"methods\": [\"DELETE\"], \"service\": \"s\"} ]}");
    assertEquals(List.of(
        "routes[1] 'a': field 'name' is already used by routes[0]",
        "routes[2] 'c': path /u/{other} with methods [PUT] takes the same requests as route 'a' (/u/{id})"), p);
  }

  @Test
  void cacheRules() {
    assertEquals(List.of("routes[0] 'r1': field 'cacheTtl' is set but only GET answers are cached and the route has no GET"),
        problems("{\"routes\": [ {\"name\": \"r1\", \"path\": \"/a\", \"methods\": [\"POST\"], \"service\": \"s\", "
            + "\"cacheTtl\": \"10s\"} ]}"));
    String authConfig = "\"auth\": {\"jwt\": {\"secretEnv\": \"JWT_SECRET\"}}, ";
    List<String> p = problems("{" + authConfig + "\"routes\": [ {\"name\": \"r1\", \"path\": \"/a\", \"methods\": [\"GET\"], "
        + "\"service\": \"s\", \"auth\": true, \"cacheTtl\": \"10s\"} ]}");
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).startsWith("routes[0] 'r1': field 'cacheTtl' on a route with auth needs \"cacheShared\": true"), p.get(0));
  }

  @Test
  void authProblemsNeverEchoSecrets() {
    String pastedKey = "my-real-api-key-that-is-not-a-hash";
    List<String> p = problems("{\"auth\": {"
        + " \"apiKeys\": [ {\"client\": \"alice\", \"sha256\": \"" + pastedKey + "\"}, {\"client\": \"bad name!\", \"sha256\": \""
        + "cd".repeat(32) + "\"} ],"
        + " \"jwt\": {\"secretEnv\": \"SHORT_SECRET\", \"clockSkew\": \"1h\"}, \"apiKeyHeader\": \"Connection\" },"
        + " \"routes\": [ {\"name\": \"r1\", \"path\": \"/a\", \"methods\": [\"GET\"], \"service\": \"s\"} ]}");
    assertEquals(List.of(
        "auth.apiKeyHeader: may not be Connection",
        "auth.apiKeys[0]: field 'sha256' must be 64 hex digits (the SHA-256 of the key, not the key)",
        "auth.apiKeys[1]: field 'client' must be 1 to 64 letters, digits, '.', '_' or '-', was \"bad name!\"",
        "auth.jwt.secretEnv: the secret in SHORT_SECRET is shorter than 32 bytes, too short for HS256",
        "auth.jwt.clockSkew: must be from 0s to 5m, was \"1h\""), p);
    for (String s : p) {
      assertFalse(s.contains(pastedKey) || s.contains("too-short"), s);
    }
    assertEquals(List.of("auth.jwt.secretEnv: environment variable NOT_SET is not set"),
        problems("{\"auth\": {\"jwt\": {\"secretEnv\": \"NOT_SET\"}}, \"routes\": [ {\"name\": \"r1\", \"path\": \"/a\", "
            + "\"methods\": [\"GET\"], \"service\": \"s\"} ]}"));
  }

  @Test
  void topLevelAndSyntaxProblems() {
    assertEquals(List.of("config: unknown field 'listen' (known: auth, circuitBreaker, port, routes)",
        "port: must be a whole number from 0 to 65535, was 70000",
        "circuitBreaker.failureRatePercent: must be a whole number from 1 to 100, was 0"),
        problems("{\"listen\": 1, \"port\": 70000, \"circuitBreaker\": {\"failureRatePercent\": 0}, "
            + "\"routes\": [ {\"name\": \"r1\", \"path\": \"/a\", \"methods\": [\"GET\"], \"service\": \"s\"} ]}"));
    List<String> syntax = problems("{\n  \"routes\": [\n    {\"name\": \"r1\",, }\n  ]\n}");
    assertEquals(1, syntax.size());
    assertTrue(syntax.get(0).startsWith("not valid JSON at line 3, column "), syntax.get(0));
    List<String> dup = problems("{\"routes\": [ {\"name\": \"r1\", \"name\": \"r2\"} ]}");
    assertTrue(dup.get(0).contains("Duplicate field 'name'"), dup.get(0));
  }

  @Test
  void manyProblemsAreReportedTogether() {
    GatewayConfigException e = assertThrows(GatewayConfigException.class, () -> parse("{\"routes\": ["
        + " {\"name\": \"a\", \"path\": \"/a\", \"methods\": [\"GET\"], \"service\": \"s\", \"timeout\": \"x\"},"
        + " {\"name\": \"b\", \"path\": \"/b\", \"methods\": [], \"service\": \"s\", \"retries\": -1} ]}"));
    assertEquals(3, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().startsWith("invalid gateway config (3 problems):\n  - routes[0] 'a': field 'timeout'"),
        e.getMessage());
  }

  @Test
  void builderNamesTheStoreARouteNeeds() {
    GatewayConfig limited = parse(route("\"rateLimitPerMinute\": 5"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ApiGateway.builder().config(limited)
        .discovery(StaticServiceDiscovery.of(Map.of())).build());
    assertEquals("rateLimitCounters must be set: routes [r1] have a rateLimitPerMinute", e.getMessage());
    GatewayConfig cached = parse(route("\"cacheTtl\": \"5s\""));
    e = assertThrows(IllegalStateException.class, () -> ApiGateway.builder().config(cached)
        .discovery(StaticServiceDiscovery.of(Map.of())).build());
    assertEquals("responseCache must be set: routes [r1] have a cacheTtl", e.getMessage());
    e = assertThrows(IllegalStateException.class, () -> ApiGateway.builder().config(cached).build());
    assertTrue(e.getMessage().startsWith("discovery must be set"), e.getMessage());
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class, () -> ApiGateway.builder().port(-2));
    assertTrue(port.getMessage().contains("port"), port.getMessage());
  }
}
