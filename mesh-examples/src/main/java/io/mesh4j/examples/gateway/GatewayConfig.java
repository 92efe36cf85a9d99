package io.mesh4j.examples.gateway;

import io.mesh4j.examples.gateway.internal.Args;
import io.mesh4j.examples.gateway.internal.GatewayConfigParser;
import io.mesh4j.resilience.CircuitBreakerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(GatewayConfig.class);
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

  private final int port;
  private final String apiKeyHeader;
  private final Map<String, String> apiKeyClientsBySha256;
  private final byte[] jwtSecret;
  private final String jwtIssuer;
  private final String jwtAudience;
  private final Duration jwtClockSkew;
  private final CircuitBreakerConfig circuitBreaker;
  private final List<Route> routes;
  private final List<String> warnings;

  private GatewayConfig(GatewayConfigParser<Route> p) {
    this.port = p.port();
    this.apiKeyHeader = p.apiKeyHeader();
    this.apiKeyClientsBySha256 = Map.copyOf(p.apiKeys());
    this.jwtSecret = p.jwtSecret();
    this.jwtIssuer = p.jwtIssuer();
    this.jwtAudience = p.jwtAudience();
    this.jwtClockSkew = p.jwtClockSkew();
    this.circuitBreaker = p.circuitBreaker();
    this.routes = List.copyOf(p.routes());
    this.warnings = p.warnings();
  }

  /**
   * Reads and validates the JSON file {@code file}; environment variables are read from the
   * process environment.
   *
   * @throws GatewayConfigException listing every problem
   * @throws UncheckedIOException if the file cannot be read
   */
  public static GatewayConfig load(Path file) {
    Args.notNull(file, "file");
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
    Args.notBlank(name, "name");
    Args.notNull(environment, "environment");
    try (InputStream in = GatewayConfig.class.getClassLoader().getResourceAsStream(name)) {
      Args.argument(in != null, "no class path resource %s", name);
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
    Args.notNull(json, "json");
    Args.notNull(environment, "environment");
    GatewayConfigParser<Route> p = GatewayConfigParser.parse(json, environment, Route::new);
    if (!p.problems().isEmpty()) {
      throw new GatewayConfigException(source, p.problems());
    }
    for (String w : p.warnings()) {
      LOG.warn("gateway config{}: {}", source == null ? "" : " " + source, w);
    }
    return new GatewayConfig(p);
  }

  /**
   * Advice found at validation, each also logged at WARN: routes with different {@code auth}
   * whose paths overlap (such as a public {@code /api/**} and a guarded {@code /api/admin/**}).
   * The gateway routes them safely, but a mistake in either route's path then opens the guarded
   * one; see {@code docs/gateway.md}.
   */
  public List<String> warnings() {
    return warnings;
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

  /** Routes by name, for tests and tools. */
  public Map<String, Route> routesByName() {
    Map<String, Route> m = new LinkedHashMap<>();
    for (Route r : routes) {
      m.put(r.name(), r);
    }
    return Collections.unmodifiableMap(m);
  }
}
