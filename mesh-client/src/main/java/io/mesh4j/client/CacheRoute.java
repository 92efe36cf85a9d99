package io.mesh4j.client;

import io.mesh4j.client.internal.RoutePattern;
import java.time.Duration;

/** A response-cache route: GETs of a service whose path matches, cached for a TTL (null: the default). */
final class CacheRoute {
  final String service;
  final RoutePattern pattern;
  final Duration ttl;

  CacheRoute(String service, RoutePattern pattern, Duration ttl) {
    this.service = service;
    this.pattern = pattern;
    this.ttl = ttl;
  }
}
