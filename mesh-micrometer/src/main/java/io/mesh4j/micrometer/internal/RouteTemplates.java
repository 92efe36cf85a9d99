package io.mesh4j.micrometer.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the route templates used as tags: the first {@code max} distinct ones pass, the rest
 * become {@value #OTHER}. A template is the caller's ({@code /users/{id}}); a caller that writes
 * ids into it would otherwise make one time series per id. Thread safe.
 */
public final class RouteTemplates {
  /** The tag value of templates past the bound. */
  public static final String OTHER = "other";

  private final int max;
  private final ConcurrentHashMap<String, Boolean> known = new ConcurrentHashMap<>();

  /** At most {@code max} distinct templates. */
  public RouteTemplates(int max) {
    this.max = max;
  }

  /** {@code template}, or {@value #OTHER} once {@code max} others are known. */
  public String bound(String template) {
    if (known.containsKey(template)) {
      return template;
    }
    if (known.size() >= max) {
      return OTHER;
    }
    known.putIfAbsent(template, Boolean.TRUE);
    return template;
  }
}
