package io.mesh4j.examples.gateway;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * One entry of the route table, as validated by {@link GatewayConfig}: which requests it takes
 * (a path pattern and methods), the backend service it sends them to, and its policies.
 * Immutable.
 */
public final class Route {
  private final String name;
  private final String path;
  private final Set<String> methods;
  private final String service;
  private final boolean authRequired;
  private final int rateLimitPerMinute;
  private final Duration cacheTtl;
  private final boolean cacheShared;
  private final Duration timeout;
  private final Duration attemptTimeout;
  private final int retries;
  private final String stripPrefix;

  Route(String name, String path, Set<String> methods, String service, boolean authRequired,
      int rateLimitPerMinute, Duration cacheTtl, boolean cacheShared, Duration timeout, Duration attemptTimeout,
      int retries, String stripPrefix) {
    this.name = name;
    this.path = path;
    this.methods = Set.copyOf(methods);
    this.service = service;
    this.authRequired = authRequired;
    this.rateLimitPerMinute = rateLimitPerMinute;
    this.cacheTtl = cacheTtl;
    this.cacheShared = cacheShared;
    this.timeout = timeout;
    this.attemptTimeout = attemptTimeout;
    this.retries = retries;
    this.stripPrefix = stripPrefix;
  }

  /** The route's unique name (used in logs and as the rate limit's scope). */
  public String name() {
    return name;
  }

  /** The path pattern: literal segments, {@code {param}} or {@code *} for one segment, a trailing {@code **}. */
  public String path() {
    return path;
  }

  /** The HTTP methods it takes (upper case). */
  public Set<String> methods() {
    return methods;
  }

  /** The backend service's name in discovery. */
  public String service() {
    return service;
  }

  /** True if a valid API key or JWT is required. */
  public boolean authRequired() {
    return authRequired;
  }

  /** Requests allowed per client per minute, shared by every gateway instance; 0 for no limit. */
  public int rateLimitPerMinute() {
    return rateLimitPerMinute;
  }

  /** How long GET answers are cached; empty when they are not. */
  public Optional<Duration> cacheTtl() {
    return Optional.ofNullable(cacheTtl);
  }

  /** True when cached answers of an authenticated route may be served to every allowed client. */
  public boolean cacheShared() {
    return cacheShared;
  }

  /** The deadline of the whole backend call, retries included. */
  public Duration timeout() {
    return timeout;
  }

  /** The timeout of each attempt (at most {@link #timeout()}). */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** How many times an idempotent request is retried on another instance (POST and PATCH never are). */
  public int retries() {
    return retries;
  }

  /** The literal path prefix removed before forwarding; empty when none. */
  public Optional<String> stripPrefix() {
    return Optional.ofNullable(stripPrefix);
  }

  @Override
  public String toString() {
    return "Route{" + name + " " + methods + " " + path + " -> " + service + (authRequired ? ", auth" : "")
        + (rateLimitPerMinute > 0 ? ", " + rateLimitPerMinute + "/min" : "")
        + (cacheTtl != null ? ", cache " + cacheTtl : "") + ", timeout " + timeout + ", retries " + retries + "}";
  }
}
