package io.mesh4j.client.internal;

import io.mesh4j.api.internal.Checks;

/**
 * A path pattern for opting routes into the response cache: segments match literally, {@code *}
 * or {@code {name}} match one segment, a trailing {@code **} matches the rest.
 */
public final class RoutePattern {
  private final String pattern;
  private final String[] segments;

  private RoutePattern(String pattern) {
    this.pattern = pattern;
    this.segments = split(pattern);
  }

  /** Parses a pattern such as {@code /users/*} or {@code /catalog/**}. */
  public static RoutePattern parse(String pattern) {
    Checks.notBlank(pattern, "route pattern");
    Checks.argument(pattern.startsWith("/"), "route pattern must start with '/', was '%s'", pattern);
    return new RoutePattern(pattern);
  }

  /** True when the (decoded) {@code path} matches. */
  public boolean matches(String path) {
    String[] p = split(path);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.equals("**") && i == segments.length - 1) {
        return true;
      }
      if (i >= p.length) {
        return false;
      }
      boolean any = s.equals("*") || (s.startsWith("{") && s.endsWith("}"));
      if (!any && !s.equals(p[i])) {
        return false;
      }
    }
    return p.length == segments.length;
  }

  private static String[] split(String path) {
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    if (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed.isEmpty() ? new String[0] : trimmed.split("/");
  }

  @Override
  public String toString() {
    return pattern;
  }
}
