package io.mesh4j.api;

import io.mesh4j.api.internal.Checks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;

/**
 * What changed in a service's instance list: the new list, and which instances were added and
 * removed compared with the previous one. Immutable.
 */
public final class ServiceChange {
  // Up to this many instances outside the common head and tail, or in places where the two lists
  // differ, are looked up one by one.
  private static final int FEW_DIFFERENT = 8;

  private final String serviceName;
  private final List<ServiceInstance> instances;
  private final List<ServiceInstance> added;
  private final List<ServiceInstance> removed;

  /**
   * @param serviceName the service
   * @param instances the new, complete list
   * @param added instances in the new list and not in the previous one
   * @param removed instances in the previous list and not in the new one
   */
  public ServiceChange(String serviceName, List<ServiceInstance> instances,
      List<ServiceInstance> added, List<ServiceInstance> removed) {
    this.serviceName = Checks.notBlank(serviceName, "serviceName");
    this.instances = List.copyOf(Checks.notNull(instances, "instances"));
    this.added = List.copyOf(Checks.notNull(added, "added"));
    this.removed = List.copyOf(Checks.notNull(removed, "removed"));
  }

  /** The change from {@code previous} to {@code current}, computed by instance equality. */
  public static ServiceChange between(String serviceName, List<ServiceInstance> previous,
      List<ServiceInstance> current) {
    // A watch's update of a large service keeps the same instance objects in the same order but for
    // one or two: only what lies between the common head and tail (same objects) can be added or
    // removed, and a few such instances are looked up in the other list without building sets.
    int n = previous.size();
    int m = current.size();
    int head = 0;
    while (head < n && head < m && previous.get(head) == current.get(head)) {
      head++;
    }
    int tail = 0;
    while (tail < n - head && tail < m - head && previous.get(n - 1 - tail) == current.get(m - 1 - tail)) {
      tail++;
    }
    // Consul's ?passing filter moves the last instance into the place of one that stopped passing:
    // everything else stays in place, so few places differ though the tails do not match. Only the
    // instances in those places can be added or removed.
    List<ServiceInstance> now = new ArrayList<>();
    List<ServiceInstance> was = new ArrayList<>();
    for (int j = head; j < Math.max(n, m) && now.size() + was.size() <= FEW_DIFFERENT; j++) {
      ServiceInstance p = j < n ? previous.get(j) : null;
      ServiceInstance c = j < m ? current.get(j) : null;
      if (p != c) {
        if (c != null) {
          now.add(c);
        }
        if (p != null) {
          was.add(p);
        }
      }
    }
    if (now.size() + was.size() <= FEW_DIFFERENT) {
      return new ServiceChange(serviceName, current, notIn(now, previous), notIn(was, current));
    }
    if ((n - head - tail) + (m - head - tail) <= FEW_DIFFERENT) {
      return new ServiceChange(serviceName, current, notIn(current.subList(head, m - tail), previous),
          notIn(previous.subList(head, n - tail), current));
    }
    return new ServiceChange(serviceName, current, notIn(current, new HashSet<>(previous)),
        notIn(previous, new HashSet<>(current)));
  }

  /** The instances of {@code candidates}, in order, that {@code other} does not contain (by equality). */
  private static List<ServiceInstance> notIn(List<ServiceInstance> candidates, Collection<ServiceInstance> other) {
    List<ServiceInstance> out = new ArrayList<>();
    for (ServiceInstance i : candidates) {
      if (!other.contains(i)) {
        out.add(i);
      }
    }
    return out;
  }

  /** The service. */
  public String serviceName() {
    return serviceName;
  }

  /** The new, complete instance list. */
  public List<ServiceInstance> instances() {
    return instances;
  }

  /** Instances that joined. */
  public List<ServiceInstance> added() {
    return added;
  }

  /** Instances that left. */
  public List<ServiceInstance> removed() {
    return removed;
  }

  /** True when nothing was added or removed (tags or metadata may still differ). */
  public boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty();
  }

  @Override
  public String toString() {
    return "ServiceChange{" + serviceName + " now " + instances.size() + ", +" + added.size()
        + " -" + removed.size() + "}";
  }
}
