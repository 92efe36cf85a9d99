package io.mesh4j.examples.gateway.internal;

import static io.mesh4j.examples.gateway.GatewayConfig.DEFAULT_RETRIES;
import static io.mesh4j.examples.gateway.GatewayConfig.DEFAULT_TIMEOUT;
import static io.mesh4j.examples.gateway.GatewayConfig.MAX_RETRIES;
import static io.mesh4j.examples.gateway.GatewayConfig.METHODS;
import static io.mesh4j.examples.gateway.GatewayConfig.MIN_JWT_SECRET_BYTES;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mesh4j.resilience.CircuitBreakerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a gateway config's JSON tree, collecting every problem instead of stopping at the first,
 * each naming the route and the field (the way Caffeine's {@code CaffeineSpec} reads a spec for
 * the builder). {@code GatewayConfig} turns the result into its immutable value. Not thread safe:
 * one parser per parse.
 *
 * @param <R> the route type the {@link RouteFactory} builds
 */
public final class GatewayConfigParser<R> {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
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

  private final Function<String, String> env;
  private final RouteFactory<R> routeFactory;
  private final ConfigReader in = new ConfigReader();
  private int port = 8080;
  private String apiKeyHeader = "X-Api-Key";
  private final Map<String, String> apiKeys = new HashMap<>();
  private byte[] jwtSecret;
  private String jwtIssuer;
  private String jwtAudience;
  private Duration jwtClockSkew = Duration.ofSeconds(30);
  private CircuitBreakerConfig circuitBreaker;
  private final List<R> routes = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  /** Builds a route from fields the parser has validated ({@code Route}'s constructor). */
  @FunctionalInterface
  public interface RouteFactory<R> {
    /** The route; every argument is valid, {@code cacheTtl} and {@code stripPrefix} may be null. */
    R create(String name, String path, Set<String> methods, String service, boolean auth,
        int rateLimitPerMinute, Duration cacheTtl, boolean cacheShared, Duration timeout,
        Duration attemptTimeout, int retries, String stripPrefix);
  }

  private GatewayConfigParser(Function<String, String> env, RouteFactory<R> routeFactory) {
    this.env = env;
    this.routeFactory = routeFactory;
  }

  /**
   * Parses {@code json}; the result holds every problem found ({@link #problems()}), or the values
   * when there is none. {@code env} maps environment variable names to values (or null).
   */
  public static <R> GatewayConfigParser<R> parse(String json, Function<String, String> env,
      RouteFactory<R> routeFactory) {
    GatewayConfigParser<R> p = new GatewayConfigParser<>(env, routeFactory);
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      p.in.add("not valid JSON" + where + ": " + e.getOriginalMessage());
      return p;
    }
    p.parse(root);
    return p;
  }

  /**
   * Advice that does not make the config invalid, in order: pairs of routes with different
   * {@code auth} whose paths overlap.
   */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** Every problem found, in order; empty if the config is valid. */
  public List<String> problems() {
    return in.problems();
  }

  /** The port to listen on. */
  public int port() {
    return port;
  }

  /** The header carrying API keys. */
  public String apiKeyHeader() {
    return apiKeyHeader;
  }

  /** Client names by lower-case hex SHA-256 of their API key. */
  public Map<String, String> apiKeys() {
    return apiKeys;
  }

  /** The HS256 secret, or null when JWTs are not configured. */
  public byte[] jwtSecret() {
    return jwtSecret;
  }

  /** The required JWT issuer, or null. */
  public String jwtIssuer() {
    return jwtIssuer;
  }

  /** The required JWT audience, or null. */
  public String jwtAudience() {
    return jwtAudience;
  }

  /** The clock skew allowed on JWT times. */
  public Duration jwtClockSkew() {
    return jwtClockSkew;
  }

  /** The circuit breaker of every backend, or null when the file sets none. */
  public CircuitBreakerConfig circuitBreaker() {
    return circuitBreaker;
  }

  /** The routes, in file order. */
  public List<R> routes() {
    return routes;
  }

  private void parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      in.problem("config", "must be a JSON object with a \"routes\" array");
      return;
    }
    in.unknownFields(root, TOP_FIELDS, "config");
    if (root.has("port")) {
      Integer v = in.integer(root.get("port"), "port", 0, 65535);
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
      in.problem("routes", "must be a non-empty array of routes");
      return;
    }
    Map<String, Integer> names = new HashMap<>();
    List<PathPattern> patterns = new ArrayList<>();
    List<Fields> parsed = new ArrayList<>();
    for (int i = 0; i < rs.size(); i++) {
      Fields r = route(rs.get(i), i, names);
      if (r != null) {
        PathPattern pattern = PathPattern.parse(r.path);
        for (int j = 0; j < parsed.size(); j++) {
          Fields o = parsed.get(j);
          if (patterns.get(j).shape().equals(pattern.shape()) && !Collections.disjoint(o.methods, r.methods)) {
            Set<String> both = new TreeSet<>(o.methods);
            both.retainAll(r.methods);
            in.problem(where(i, r.name), "path " + r.path + " with methods " + both
                + " takes the same requests as route '" + o.name + "' (" + o.path + ")");
          }
        }
        for (int j = 0; j < parsed.size(); j++) {
          Fields o = parsed.get(j);
          if (o.auth != r.auth && patterns.get(j).overlaps(pattern) && !Collections.disjoint(o.methods, r.methods)) {
            Fields open = o.auth ? r : o;
            Fields guarded = o.auth ? o : r;
            warnings.add("route '" + open.name + "' (" + open.path + ", no auth) and route '" + guarded.name + "' ("
                + guarded.path + ", auth) overlap: only the exact path decides whether a request needs credentials. "
                + "The gateway refuses paths a backend could read differently (400), but the backend of '"
                + open.name + "' must not serve the guarded paths itself; prefer disjoint paths");
          }
        }
        patterns.add(pattern);
        parsed.add(r);
      }
    }
    for (Fields r : parsed) {
      routes.add(routeFactory.create(r.name, r.path, r.methods, r.service, r.auth, r.rate, r.cacheTtl,
          r.shared, r.timeout, r.attemptTimeout, r.retries, r.strip));
    }
  }

  private void auth(JsonNode auth) {
    if (!auth.isObject()) {
      in.problem("auth", "must be an object");
      return;
    }
    in.unknownFields(auth, AUTH_FIELDS, "auth");
    if (auth.has("apiKeyHeader")) {
      String h = in.string(auth.get("apiKeyHeader"), "auth.apiKeyHeader");
      if (h != null) {
        if (!HEADER_NAME.matcher(h).matches()) {
          in.problem("auth.apiKeyHeader", "must be a header name, was \"" + h + "\"");
        } else if (ForwardHeaders.isHopByHop(h) || h.equalsIgnoreCase("Authorization")) {
          in.problem("auth.apiKeyHeader", "may not be " + h);
        } else {
          apiKeyHeader = h;
        }
      }
    }
    JsonNode keys = auth.get("apiKeys");
    if (keys != null) {
      if (!keys.isArray()) {
        in.problem("auth.apiKeys", "must be an array of {\"client\", \"sha256\"}");
      } else {
        for (int i = 0; i < keys.size(); i++) {
          String where = "auth.apiKeys[" + i + "]";
          JsonNode k = keys.get(i);
          if (!k.isObject()) {
            in.problem(where, "must be an object {\"client\", \"sha256\"}");
            continue;
          }
          in.unknownFields(k, KEY_FIELDS, where);
          String client = in.required(k, "client", where);
          String sha = in.required(k, "sha256", where);
          if (client != null && !NAME.matcher(client).matches()) {
            in.problem(where, "field 'client' must be 1 to 64 letters, digits, '.', '_' or '-', was \"" + client + "\"");
            client = null;
          }
          if (sha != null && !SHA256_HEX.matcher(sha).matches()) {
            // The value might be a pasted key rather than its hash: do not echo it.
            in.problem(where, "field 'sha256' must be 64 hex digits (the SHA-256 of the key, not the key)");
            sha = null;
          }
          if (client != null && sha != null) {
            String prev = apiKeys.put(sha.toLowerCase(Locale.ROOT), client);
            if (prev != null) {
              in.problem(where, "the same key hash is already given to client '" + prev + "'");
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

  private void jwt(JsonNode jwt) {
    if (!jwt.isObject()) {
      in.problem("auth.jwt", "must be an object");
      return;
    }
    in.unknownFields(jwt, JWT_FIELDS, "auth.jwt");
    String var = in.required(jwt, "secretEnv", "auth.jwt");
    if (var != null) {
      String secret = env.apply(var);
      if (secret == null || secret.isEmpty()) {
        in.problem("auth.jwt.secretEnv", "environment variable " + var + " is not set");
      } else if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
        in.problem("auth.jwt.secretEnv", "the secret in " + var + " is shorter than " + MIN_JWT_SECRET_BYTES
            + " bytes, too short for HS256");
      } else {
        jwtSecret = secret.getBytes(StandardCharsets.UTF_8);
      }
    }
    if (jwt.has("issuer")) {
      jwtIssuer = in.string(jwt.get("issuer"), "auth.jwt.issuer");
    }
    if (jwt.has("audience")) {
      jwtAudience = in.string(jwt.get("audience"), "auth.jwt.audience");
    }
    if (jwt.has("clockSkew")) {
      Duration d = in.duration(jwt.get("clockSkew"), "auth.jwt.clockSkew", Duration.ZERO, Duration.ofMinutes(5));
      if (d != null) {
        jwtClockSkew = d;
      }
    }
  }

  private void breaker(JsonNode cb) {
    if (!cb.isObject()) {
      in.problem("circuitBreaker", "must be an object");
      return;
    }
    in.unknownFields(cb, BREAKER_FIELDS, "circuitBreaker");
    CircuitBreakerConfig d = CircuitBreakerConfig.defaults();
    int before = in.count();
    Integer rate = cb.has("failureRatePercent")
        ? in.integer(cb.get("failureRatePercent"), "circuitBreaker.failureRatePercent", 1, 100) : Integer.valueOf(d.failureRatePercent());
    Integer min = cb.has("minimumCalls")
        ? in.integer(cb.get("minimumCalls"), "circuitBreaker.minimumCalls", 1, 100_000) : Integer.valueOf(d.minimumCalls());
    Duration window = cb.has("window")
        ? in.duration(cb.get("window"), "circuitBreaker.window", Duration.ofSeconds(1), Duration.ofHours(1)) : d.window();
    Duration openFor = cb.has("openFor")
        ? in.duration(cb.get("openFor"), "circuitBreaker.openFor", Duration.ofMillis(1), Duration.ofHours(1)) : d.openFor();
    if (in.count() > before) {
      return;
    }
    try {
      circuitBreaker = CircuitBreakerConfig.builder().failureRate(rate, min, window).openFor(openFor).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      in.problem("circuitBreaker", e.getMessage());
    }
  }

  private Fields route(JsonNode r, int i, Map<String, Integer> names) {
    if (!r.isObject()) {
      in.problem("routes[" + i + "]", "must be an object");
      return null;
    }
    String name = r.has("name") && r.get("name").isTextual() ? r.get("name").asText() : null;
    String where = where(i, name);
    int before = in.count();
    in.unknownFields(r, ROUTE_FIELDS, where);
    name = in.required(r, "name", where);
    if (name != null) {
      if (!NAME.matcher(name).matches()) {
        in.problem(where, "field 'name' must be 1 to 64 letters, digits, '.', '_' or '-'");
      } else if (names.containsKey(name)) {
        in.problem(where, "field 'name' is already used by routes[" + names.get(name) + "]");
      } else {
        names.put(name, i);
      }
    }
    String path = in.required(r, "path", where);
    PathPattern pattern = null;
    if (path != null) {
      try {
        pattern = PathPattern.parse(path);
      } catch (IllegalArgumentException e) {
        in.problem(where, "field 'path' " + e.getMessage() + ", was \"" + path + "\"");
      }
    }
    Set<String> methods = new LinkedHashSet<>();
    JsonNode ms = r.get("methods");
    if (ms == null) {
      in.problem(where, "field 'methods' is required, e.g. [\"GET\"]");
    } else if (!ms.isArray() || ms.isEmpty()) {
      in.problem(where, "field 'methods' must be a non-empty array, e.g. [\"GET\", \"POST\"]");
    } else {
      for (JsonNode m : ms) {
        String v = m.isTextual() ? m.asText() : m.toString();
        if (!m.isTextual() || !METHODS.contains(v)) {
          in.problem(where, "field 'methods' has \"" + v + "\"; allowed: " + new TreeSet<>(METHODS));
        } else if (!methods.add(v)) {
          in.problem(where, "field 'methods' lists " + v + " twice");
        }
      }
    }
    String service = in.required(r, "service", where);
    if (service != null && !SERVICE.matcher(service).matches()) {
      in.problem(where, "field 'service' must be a service name (letters, digits, '.', '_', '-'), was \"" + service + "\"");
    }
    boolean auth = r.has("auth") && in.bool(r.get("auth"), where, "auth");
    if (auth && apiKeys.isEmpty() && jwtSecret == null && in.about("auth") == 0) {
      in.problem(where, "field 'auth' is true but the config has no auth.apiKeys and no auth.jwt");
    }
    int rate = 0;
    if (r.has("rateLimitPerMinute")) {
      Integer v = in.integer(r.get("rateLimitPerMinute"), where, "rateLimitPerMinute", 0, 1_000_000);
      rate = v == null ? 0 : v;
    }
    Duration cacheTtl = null;
    if (r.has("cacheTtl")) {
      cacheTtl = in.duration(r.get("cacheTtl"), where, "cacheTtl", Duration.ofSeconds(1), Duration.ofDays(1));
      if (cacheTtl != null && !methods.isEmpty() && !methods.contains("GET")) {
        in.problem(where, "field 'cacheTtl' is set but only GET answers are cached and the route has no GET");
      }
    }
    boolean shared = r.has("cacheShared") && in.bool(r.get("cacheShared"), where, "cacheShared");
    if (auth && cacheTtl != null && !shared) {
      in.problem(where, "field 'cacheTtl' on a route with auth needs \"cacheShared\": true: a cached answer is "
          + "keyed by URL only and is served to every client the route lets in");
    }
    Duration timeout = DEFAULT_TIMEOUT;
    if (r.has("timeout")) {
      Duration d = in.duration(r.get("timeout"), where, "timeout", Duration.ofMillis(1), Duration.ofMinutes(5));
      timeout = d == null ? DEFAULT_TIMEOUT : d;
    }
    Duration attemptTimeout = timeout;
    if (r.has("attemptTimeout")) {
      Duration d = in.duration(r.get("attemptTimeout"), where, "attemptTimeout", Duration.ofMillis(1), Duration.ofMinutes(5));
      if (d != null && d.compareTo(timeout) > 0) {
        in.problem(where, "field 'attemptTimeout' (" + d.toMillis() + " ms) is longer than 'timeout' (" + timeout.toMillis() + " ms)");
      } else if (d != null) {
        attemptTimeout = d;
      }
    }
    int retries = DEFAULT_RETRIES;
    if (r.has("retries")) {
      Integer v = in.integer(r.get("retries"), where, "retries", 0, MAX_RETRIES);
      retries = v == null ? DEFAULT_RETRIES : v;
    }
    String strip = null;
    if (r.has("stripPrefix")) {
      strip = in.string(r.get("stripPrefix"), where, "stripPrefix");
      if (strip != null && pattern != null) {
        if (!strip.startsWith("/") || strip.equals("/") || strip.endsWith("/")) {
          in.problem(where, "field 'stripPrefix' must look like \"/api\", was \"" + strip + "\"");
        } else if (pattern.literalPrefixLength(strip) < 0) {
          in.problem(where, "field 'stripPrefix' \"" + strip + "\" is not a literal prefix of path " + path);
        }
      }
    }
    if (in.count() > before) {
      return null;
    }
    return new Fields(name, path, methods, service, auth, rate, cacheTtl, shared, timeout, attemptTimeout, retries, strip);
  }

  /** A valid route's fields, before the route is built. */
  private record Fields(String name, String path, Set<String> methods, String service, boolean auth,
      int rate, Duration cacheTtl, boolean shared, Duration timeout, Duration attemptTimeout,
      int retries, String strip) {}

  private static String where(int i, String name) {
    return "routes[" + i + "]" + (name == null ? "" : " '" + name + "'");
  }
}
