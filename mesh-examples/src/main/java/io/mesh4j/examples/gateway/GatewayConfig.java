package io.mesh4j.examples.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.examples.gateway.internal.ForwardHeaders;
import io.mesh4j.examples.gateway.internal.PathPattern;
import io.mesh4j.resilience.CircuitBreakerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's configuration, read from JSON and validated as a whole: every problem is
 * reported at once, each naming the route and the field. See {@code docs/gateway.md} for the
 * format; in short:
 *
 * <pre>{@code
 * {
 *   "port": 8080,
 *   "auth": {
 *     "apiKeyHeader": "X-Api-Key",
 *     "apiKeys": [ { "client": "mobile-app", "sha256": "<hex SHA-256 of the key>" } ],
 *     "jwt": { "secretEnv": "GATEWAY_JWT_SECRET", "issuer": "https://auth.example", "audience": "api" }
 *   },
 *   "circuitBreaker": { "failureRatePercent": 50, "minimumCalls": 20, "window": "10s", "openFor": "30s" },
 *   "routes": [
 *     { "name": "user-read", "path": "/api/users/{id}", "methods": ["GET"], "service": "user-service",
 *       "auth": true, "rateLimitPerMinute": 120, "cacheTtl": "30s", "cacheShared": true,
 *       "timeout": "2s", "retries": 2, "stripPrefix": "/api" }
 *   ]
 * }
 * }</pre>
 *
 * <p>Secrets are not in the file: API keys appear only as SHA-256 hashes, and the JWT secret is
 * read from the environment variable that {@code secretEnv} names. Immutable; {@link #toString()}
 * shows no secret.
 */
public final class GatewayConfig {
  /** The methods a route may list. */
  public static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  /** The timeout of a route that names none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** The retries of a route that names none (for idempotent methods only). */
  public static final int DEFAULT_RETRIES = 2;
  /** The most retries a route may ask for. */
  public static final int MAX_RETRIES = 5;
  /** The shortest HS256 secret accepted, in bytes (RFC 7518 section 3.2: at least the hash size). */
  public static final int MIN_JWT_SECRET_BYTES = 32;

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Set<String> TOP_FIELDS = Set.of("port", "auth", "circuitBreaker", "routes");
  private static final Set<String> AUTH_FIELDS = Set.of("apiKeyHeader", "apiKeys", "jwt");
  private static final Set<String> KEY_FIELDS = Set.of("client", "sha256");
  private static final Set<String> JWT_FIELDS = Set.of("secretEnv", "issuer", "audience", "clockSkew");
  private static final Set<String> BREAKER_FIELDS = Set.of("failureRatePercent", "minimumCalls", "window", "openFor");
  private static final Set<String> ROUTE_FIELDS = Set.of("name", "path", "methods", "service", "auth",
      "rateLimitPerMinute", "cacheTtl", "cacheShared", "timeout", "attemptTimeout", "retries", "stripPrefix");

  private final int port;
  private final String apiKeyHeader;
  private final Map<String, String> apiKeyClientsBySha256;
  private final byte[] jwtSecret;
  private final String jwtIssuer;
  private final String jwtAudience;
  private final Duration jwtClockSkew;
  private final CircuitBreakerConfig circuitBreaker;
  private final List<Route> routes;

  private GatewayConfig(Parser p) {
    this.port = p.port;
    this.apiKeyHeader = p.apiKeyHeader;
    this.apiKeyClientsBySha256 = Map.copyOf(p.apiKeys);
    this.jwtSecret = p.jwtSecret;
    this.jwtIssuer = p.jwtIssuer;
    this.jwtAudience = p.jwtAudience;
    this.jwtClockSkew = p.jwtClockSkew;
    this.circuitBreaker = p.circuitBreaker;
    this.routes = List.copyOf(p.routes);
  }

  /**
   * Reads and validates the JSON file {@code file}; environment variables are read from the
   * process environment.
   *
   * @throws GatewayConfigException listing every problem
   * @throws UncheckedIOException if the file cannot be read
   */
  public static GatewayConfig load(Path file) {
    Checks.notNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read gateway config " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString(), System::getenv);
  }

  /**
   * Reads and validates a config from the class path resource {@code name} (e.g.
   * {@code "gateway/routes.json"}).
   *
   * @throws GatewayConfigException listing every problem
   * @throws IllegalArgumentException if there is no such resource
   */
  public static GatewayConfig fromResource(String name, Function<String, String> environment) {
    Checks.notBlank(name, "name");
    Checks.notNull(environment, "environment");
    try (InputStream in = GatewayConfig.class.getClassLoader().getResourceAsStream(name)) {
      Checks.argument(in != null, "no class path resource %s", name);
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name, environment);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read gateway config " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses and validates {@code json}; {@code environment} maps variable names to values (or
   * null), so tests need not set the process environment.
   *
   * @throws GatewayConfigException listing every problem
   */
  public static GatewayConfig parse(String json, Function<String, String> environment) {
    return parse(json, null, environment);
  }

  private static GatewayConfig parse(String json, String source, Function<String, String> environment) {
    Checks.notNull(json, "json");
    Checks.notNull(environment, "environment");
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new GatewayConfigException(source, List.of("not valid JSON" + where + ": " + e.getOriginalMessage()));
    }
    Parser p = new Parser(environment);
    p.parse(root);
    if (!p.problems.isEmpty()) {
      throw new GatewayConfigException(source, p.problems);
    }
    return new GatewayConfig(p);
  }

  /** The port to listen on; 0 for any free port. */
  public int port() {
    return port;
  }

  /** The routes, in file order. */
  public List<Route> routes() {
    return routes;
  }

  /** The header carrying API keys. */
  public String apiKeyHeader() {
    return apiKeyHeader;
  }

  /** How many API keys are configured. */
  public int apiKeyCount() {
    return apiKeyClientsBySha256.size();
  }

  /** True when bearer JWTs (HS256) are accepted. */
  public boolean jwtEnabled() {
    return jwtSecret != null;
  }

  /** The circuit breaker of every backend service, when the file sets one. */
  public java.util.Optional<CircuitBreakerConfig> circuitBreaker() {
    return java.util.Optional.ofNullable(circuitBreaker);
  }

  // Package-private: the secrets go to the authenticator, nowhere else.
  Map<String, String> apiKeyClientsBySha256() {
    return apiKeyClientsBySha256;
  }

  byte[] jwtSecret() {
    return jwtSecret == null ? null : jwtSecret.clone();
  }

  String jwtIssuer() {
    return jwtIssuer;
  }

  String jwtAudience() {
    return jwtAudience;
  }

  Duration jwtClockSkew() {
    return jwtClockSkew;
  }

  @Override
  public String toString() {
    return "GatewayConfig{port=" + port + ", " + routes.size() + " routes, " + apiKeyClientsBySha256.size()
        + " API keys, jwt=" + (jwtSecret != null) + "}";
  }

  /** Reads the tree, collecting problems instead of stopping at the first. */
  private static final class Parser {
    final Function<String, String> env;
    final List<String> problems = new ArrayList<>();
    int port = 8080;
    String apiKeyHeader = "X-Api-Key";
    final Map<String, String> apiKeys = new HashMap<>();
    byte[] jwtSecret;
    String jwtIssuer;
    String jwtAudience;
    Duration jwtClockSkew = Duration.ofSeconds(30);
    CircuitBreakerConfig circuitBreaker;
    final List<Route> routes = new ArrayList<>();

    Parser(Function<String, String> env) {
      this.env = env;
    }

    void problem(String where, String what) {
      problems.add(where + ": " + what);
    }

    void parse(JsonNode root) {
      if (root == null || !root.isObject()) {
        problem("config", "must be a JSON object with a \"routes\" array");
        return;
      }
      unknownFields(root, TOP_FIELDS, "config");
      if (root.has("port")) {
        Integer v = integer(root.get("port"), "port", 0, 65535);
        if (v != null) {
          port = v;
        }
      }
      if (root.has("auth")) {
        auth(root.get("auth"));
      }
      if (root.has("circuitBreaker")) {
        breaker(root.get("circuitBreaker"));
      }
      JsonNode rs = root.get("routes");
      if (rs == null || !rs.isArray() || rs.isEmpty()) {
        problem("routes", "must be a non-empty array of routes");
        return;
      }
      Map<String, Integer> names = new HashMap<>();
      List<PathPattern> patterns = new ArrayList<>();
      List<Route> parsed = new ArrayList<>();
      for (int i = 0; i < rs.size(); i++) {
        Route r = route(rs.get(i), i, names);
        if (r != null) {
          PathPattern pattern = PathPattern.parse(r.path());
          for (int j = 0; j < parsed.size(); j++) {
            Route o = parsed.get(j);
            if (patterns.get(j).shape().equals(pattern.shape()) && !Collections.disjoint(o.methods(), r.methods())) {
              Set<String> both = new TreeSet<>(o.methods());
              both.retainAll(r.methods());
              problem(where(i, r.name()), "path " + r.path() + " with methods " + both
                  + " takes the same requests as route '" + o.name() + "' (" + o.path() + ")");
            }
          }
          patterns.add(pattern);
          parsed.add(r);
        }
      }
      routes.addAll(parsed);
    }

    void auth(JsonNode auth) {
      if (!auth.isObject()) {
        problem("auth", "must be an object");
        return;
      }
      unknownFields(auth, AUTH_FIELDS, "auth");
      if (auth.has("apiKeyHeader")) {
        String h = string(auth.get("apiKeyHeader"), "auth.apiKeyHeader");
        if (h != null) {
          if (!HEADER_NAME.matcher(h).matches()) {
            problem("auth.apiKeyHeader", "must be a header name, was \"" + h + "\"");
          } else if (ForwardHeaders.isHopByHop(h) || h.equalsIgnoreCase("Authorization")) {
            problem("auth.apiKeyHeader", "may not be " + h);
          } else {
            apiKeyHeader = h;
          }
        }
      }
      JsonNode keys = auth.get("apiKeys");
      if (keys != null) {
        if (!keys.isArray()) {
          problem("auth.apiKeys", "must be an array of {\"client\", \"sha256\"}");
        } else {
          for (int i = 0; i < keys.size(); i++) {
            String where = "auth.apiKeys[" + i + "]";
            JsonNode k = keys.get(i);
            if (!k.isObject()) {
              problem(where, "must be an object {\"client\", \"sha256\"}");
              continue;
            }
            unknownFields(k, KEY_FIELDS, where);
            String client = required(k, "client", where);
            String sha = required(k, "sha256", where);
            if (client != null && !NAME.matcher(client).matches()) {
              problem(where, "field 'client' must be 1 to 64 letters, digits, '.', '_' or '-', was \"" + client + "\"");
              client = null;
            }
            if (sha != null && !SHA256_HEX.matcher(sha).matches()) {
              // The value might be a pasted key rather than its hash: do not echo it.
              problem(where, "field 'sha256' must be 64 hex digits (the SHA-256 of the key, not the key)");
              sha = null;
            }
            if (client != null && sha != null) {
              String prev = apiKeys.put(sha.toLowerCase(Locale.ROOT), client);
              if (prev != null) {
                problem(where, "the same key hash is already given to client '" + prev + "'");
              }
            }
          }
        }
      }
      JsonNode jwt = auth.get("jwt");
      if (jwt != null) {
        jwt(jwt);
      }
    }

    void jwt(JsonNode jwt) {
      if (!jwt.isObject()) {
        problem("auth.jwt", "must be an object");
        return;
      }
      unknownFields(jwt, JWT_FIELDS, "auth.jwt");
      String var = required(jwt, "secretEnv", "auth.jwt");
      if (var != null) {
        String secret = env.apply(var);
        if (secret == null || secret.isEmpty()) {
          problem("auth.jwt.secretEnv", "environment variable " + var + " is not set");
        } else if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
          problem("auth.jwt.secretEnv", "the secret in " + var + " is shorter than " + MIN_JWT_SECRET_BYTES
              + " bytes, too short for HS256");
        } else {
          jwtSecret = secret.getBytes(StandardCharsets.UTF_8);
        }
      }
      if (jwt.has("issuer")) {
        jwtIssuer = string(jwt.get("issuer"), "auth.jwt.issuer");
      }
      if (jwt.has("audience")) {
        jwtAudience = string(jwt.get("audience"), "auth.jwt.audience");
      }
      if (jwt.has("clockSkew")) {
        Duration d = duration(jwt.get("clockSkew"), "auth.jwt.clockSkew", Duration.ZERO, Duration.ofMinutes(5));
        if (d != null) {
          jwtClockSkew = d;
        }
      }
    }

    void breaker(JsonNode cb) {
      if (!cb.isObject()) {
        problem("circuitBreaker", "must be an object");
        return;
      }
      unknownFields(cb, BREAKER_FIELDS, "circuitBreaker");
      CircuitBreakerConfig d = CircuitBreakerConfig.defaults();
      int before = problems.size();
      Integer rate = cb.has("failureRatePercent")
          ? integer(cb.get("failureRatePercent"), "circuitBreaker.failureRatePercent", 1, 100) : Integer.valueOf(d.failureRatePercent());
      Integer min = cb.has("minimumCalls")
          ? integer(cb.get("minimumCalls"), "circuitBreaker.minimumCalls", 1, 100_000) : Integer.valueOf(d.minimumCalls());
      Duration window = cb.has("window")
          ? duration(cb.get("window"), "circuitBreaker.window", Duration.ofSeconds(1), Duration.ofHours(1)) : d.window();
      Duration openFor = cb.has("openFor")
          ? duration(cb.get("openFor"), "circuitBreaker.openFor", Duration.ofMillis(1), Duration.ofHours(1)) : d.openFor();
      if (problems.size() > before) {
        return;
      }
      try {
        circuitBreaker = CircuitBreakerConfig.builder().failureRate(rate, min, window).openFor(openFor).build();
      } catch (IllegalArgumentException | IllegalStateException e) {
        problem("circuitBreaker", e.getMessage());
      }
    }

    Route route(JsonNode r, int i, Map<String, Integer> names) {
      if (!r.isObject()) {
        problem("routes[" + i + "]", "must be an object");
        return null;
      }
      String name = r.has("name") && r.get("name").isTextual() ? r.get("name").asText() : null;
      String where = where(i, name);
      int before = problems.size();
      unknownFields(r, ROUTE_FIELDS, where);
      name = required(r, "name", where);
      if (name != null) {
        if (!NAME.matcher(name).matches()) {
          problem(where, "field 'name' must be 1 to 64 letters, digits, '.', '_' or '-'");
        } else if (names.containsKey(name)) {
          problem(where, "field 'name' is already used by routes[" + names.get(name) + "]");
        } else {
          names.put(name, i);
        }
      }
      String path = required(r, "path", where);
      PathPattern pattern = null;
      if (path != null) {
        try {
          pattern = PathPattern.parse(path);
        } catch (IllegalArgumentException e) {
          problem(where, "field 'path' " + e.getMessage() + ", was \"" + path + "\"");
        }
      }
      Set<String> methods = new LinkedHashSet<>();
      JsonNode ms = r.get("methods");
      if (ms == null) {
        problem(where, "field 'methods' is required, e.g. [\"GET\"]");
      } else if (!ms.isArray() || ms.isEmpty()) {
        problem(where, "field 'methods' must be a non-empty array, e.g. [\"GET\", \"POST\"]");
      } else {
        for (JsonNode m : ms) {
          String v = m.isTextual() ? m.asText() : m.toString();
          if (!m.isTextual() || !METHODS.contains(v)) {
            problem(where, "field 'methods' has \"" + v + "\"; allowed: " + new TreeSet<>(METHODS));
          } else if (!methods.add(v)) {
            problem(where, "field 'methods' lists " + v + " twice");
          }
        }
      }
      String service = required(r, "service", where);
      if (service != null && !SERVICE.matcher(service).matches()) {
        problem(where, "field 'service' must be a service name (letters, digits, '.', '_', '-'), was \"" + service + "\"");
      }
      boolean auth = r.has("auth") && bool(r.get("auth"), where, "auth");
      if (auth && apiKeys.isEmpty() && jwtSecret == null && problemsAbout("auth") == 0) {
        problem(where, "field 'auth' is true but the config has no auth.apiKeys and no auth.jwt");
      }
      int rate = 0;
      if (r.has("rateLimitPerMinute")) {
        Integer v = integer(r.get("rateLimitPerMinute"), where, "rateLimitPerMinute", 0, 1_000_000);
        rate = v == null ? 0 : v;
      }
      Duration cacheTtl = null;
      if (r.has("cacheTtl")) {
        cacheTtl = duration(r.get("cacheTtl"), where, "cacheTtl", Duration.ofSeconds(1), Duration.ofDays(1));
        if (cacheTtl != null && !methods.isEmpty() && !methods.contains("GET")) {
          problem(where, "field 'cacheTtl' is set but only GET answers are cached and the route has no GET");
        }
      }
      boolean shared = r.has("cacheShared") && bool(r.get("cacheShared"), where, "cacheShared");
      if (auth && cacheTtl != null && !shared) {
        problem(where, "field 'cacheTtl' on a route with auth needs \"cacheShared\": true: a cached answer is "
            + "keyed by URL only and is served to every client the route lets in");
      }
      Duration timeout = DEFAULT_TIMEOUT;
      if (r.has("timeout")) {
        Duration d = duration(r.get("timeout"), where, "timeout", Duration.ofMillis(1), Duration.ofMinutes(5));
        timeout = d == null ? DEFAULT_TIMEOUT : d;
      }
      Duration attemptTimeout = timeout;
      if (r.has("attemptTimeout")) {
        Duration d = duration(r.get("attemptTimeout"), where, "attemptTimeout", Duration.ofMillis(1), Duration.ofMinutes(5));
        if (d != null && d.compareTo(timeout) > 0) {
          problem(where, "field 'attemptTimeout' (" + d.toMillis() + " ms) is longer than 'timeout' (" + timeout.toMillis() + " ms)");
        } else if (d != null) {
          attemptTimeout = d;
        }
      }
      int retries = DEFAULT_RETRIES;
      if (r.has("retries")) {
        Integer v = integer(r.get("retries"), where, "retries", 0, MAX_RETRIES);
        retries = v == null ? DEFAULT_RETRIES : v;
      }
      String strip = null;
      if (r.has("stripPrefix")) {
        strip = string(r.get("stripPrefix"), where, "stripPrefix");
        if (strip != null && pattern != null) {
          if (!strip.startsWith("/") || strip.equals("/") || strip.endsWith("/")) {
            problem(where, "field 'stripPrefix' must look like \"/api\", was \"" + strip + "\"");
          } else if (pattern.literalPrefixLength(strip) < 0) {
            problem(where, "field 'stripPrefix' \"" + strip + "\" is not a literal prefix of path " + path);
          }
        }
      }
      if (problems.size() > before) {
        return null;
      }
      return new Route(name, path, methods, service, auth, rate, cacheTtl, shared, timeout, attemptTimeout, retries, strip);
    }

    private int problemsAbout(String prefix) {
      int n = 0;
      for (String p : problems) {
        if (p.startsWith(prefix)) {
          n++;
        }
      }
      return n;
    }

    static String where(int i, String name) {
      return "routes[" + i + "]" + (name == null ? "" : " '" + name + "'");
    }

    void unknownFields(JsonNode node, Set<String> known, String where) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!known.contains(f)) {
          problem(where, "unknown field '" + f + "' (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
      }
    }

    String required(JsonNode node, String field, String where) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        problem(where, "field '" + field + "' is required");
        return null;
      }
      if (!v.isTextual() || v.asText().isBlank()) {
        problem(where, "field '" + field + "' must be a non-empty string");
        return null;
      }
      return v.asText();
    }

    String string(JsonNode v, String where) {
      return string(v, where, null);
    }

    String string(JsonNode v, String where, String field) {
      if (!v.isTextual() || v.asText().isBlank()) {
        problem(where, fieldLabel(field) + "must be a non-empty string");
        return null;
      }
      return v.asText();
    }

    boolean bool(JsonNode v, String where, String field) {
      if (!v.isBoolean()) {
        problem(where, "field '" + field + "' must be true or false, was " + v);
        return false;
      }
      return v.asBoolean();
    }

    /** A whole number; {@code field} (may be null) is named in the problem. */
    Integer integer(JsonNode v, String where, String field, int min, int max) {
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
        problem(where, fieldLabel(field) + "must be a whole number from " + min + " to " + max + ", was " + v);
        return null;
      }
      return v.asInt();
    }

    Integer integer(JsonNode v, String where, int min, int max) {
      return integer(v, where, null, min, max);
    }

    Duration duration(JsonNode v, String where, Duration min, Duration max) {
      return duration(v, where, null, min, max);
    }

    static String fieldLabel(String field) {
      return field == null ? "" : "field '" + field + "' ";
    }

    /** A duration such as "250ms" or "2s"; {@code field} (may be null) is named in the problem. */
    Duration duration(JsonNode v, String where, String field, Duration min, Duration max) {
      Matcher m = v.isTextual() ? DURATION.matcher(v.asText()) : null;
      if (m == null || !m.matches()) {
        problem(where, fieldLabel(field) + "must be a duration such as \"250ms\", \"2s\", \"1m\" or \"1h\", was " + v);
        return null;
      }
      long n = Long.parseLong(m.group(1));
      Duration d;
      switch (m.group(2)) {
        case "ms":
          d = Duration.ofMillis(n);
          break;
        case "s":
          d = Duration.ofSeconds(n);
          break;
        case "m":
          d = Duration.ofMinutes(n);
          break;
        default:
          d = Duration.ofHours(n);
          break;
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        problem(where, fieldLabel(field) + "must be from " + human(min) + " to " + human(max) + ", was " + v);
        return null;
      }
      return d;
    }

    static String human(Duration d) {
      if (d.isZero()) {
        return "0s";
      }
      if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0) {
        return d.toMillis() + "ms";
      }
      long s = d.getSeconds();
      if (s % 86400 == 0) {
        return (s / 86400) + "d";
      }
      if (s % 3600 == 0) {
        return (s / 3600) + "h";
      }
      if (s % 60 == 0) {
        return (s / 60) + "m";
      }
      return s + "s";
    }
  }

  /** Routes by name, for tests and tools. */
  public Map<String, Route> routesByName() {
    Map<String, Route> m = new LinkedHashMap<>();
    for (Route r : routes) {
      m.put(r.name(), r);
    }
    return Collections.unmodifiableMap(m);
  }
}
