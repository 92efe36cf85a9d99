package io.mesh4j.examples.gateway.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Finds the route of a request: among the routes whose pattern matches the path and which take
 * the method, the most specific pattern wins. When patterns match the path but none takes the
 * method, the answer is "method not allowed" with the methods that would be. Immutable and
 * thread safe; a linear scan, which is plenty for the tens of routes a gateway has.
 *
 * @param <R> the route type
 */
public final class RouteTable<R> {
  private final List<Entry<R>> entries;

  private RouteTable(List<Entry<R>> entries) {
    this.entries = List.copyOf(entries);
  }

  /** A builder; routes are added in any order. */
  public static <R> Builder<R> builder() {
    return new Builder<>();
  }

  /** The lookup of {@code method} on the decoded path {@code segments}. */
  public Lookup<R> find(String method, List<String> segments) {
    Entry<R> best = null;
    SortedSet<String> allowed = null;
    for (Entry<R> e : entries) {
      if (!e.pattern.matches(segments)) {
        continue;
      }
      if (e.methods.contains(method)) {
        if (best == null || e.pattern.compareSpecificity(best.pattern) > 0) {
          best = e;
        }
      } else {
        if (allowed == null) {
          allowed = new TreeSet<>();
        }
        allowed.addAll(e.methods);
      }
    }
    if (best != null) {
      return new Lookup<>(best.route, Collections.emptySortedSet());
    }
    return new Lookup<>(null, allowed == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(allowed));
  }

  /** What {@link #find} found: a route, or the methods the path allows (empty: no route at all). */
  public static final class Lookup<R> {
    private final R route;
    private final SortedSet<String> allowed;

    Lookup(R route, SortedSet<String> allowed) {
      this.route = route;
      this.allowed = allowed;
    }

    /** The route, or null. */
    public R route() {
      return route;
    }

    /** When there is no route: the methods other routes on this path take (for 405's {@code Allow}). */
    public SortedSet<String> allowed() {
      return allowed;
    }
  }

  private static final class Entry<R> {
    final PathPattern pattern;
    final Set<String> methods;
    final R route;

    Entry(PathPattern pattern, Set<String> methods, R route) {
      this.pattern = pattern;
      this.methods = Set.copyOf(methods);
      this.route = route;
    }
  }

  /** Builds a {@link RouteTable}. Not thread safe. */
  public static final class Builder<R> {
    private final List<Entry<R>> entries = new ArrayList<>();

    private Builder() {}

    /** Adds {@code route}, taking {@code methods} on paths matching {@code pattern}. */
    public Builder<R> add(String pattern, Set<String> methods, R route) {
      entries.add(new Entry<>(PathPattern.parse(pattern), methods, route));
      return this;
    }

    /** The table. */
    public RouteTable<R> build() {
      return new RouteTable<>(entries);
    }
  }
}
