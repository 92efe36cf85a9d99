package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;

/**
 * The datacenter whose instances a service's calls go to changed: the local datacenter had no
 * passing instance, so {@link ConsulDiscovery} served the next failover datacenter's (see
 * {@link ConsulDiscovery.Builder#failoverDatacenters}), or local instances pass again and calls
 * come back. Published to the discovery's event listener, once per switch.
 */
public final class DatacenterSwitchedEvent extends MeshEvent {
  /** How {@link #from()} and {@link #to()} name the datacenter the discovery was built for. */
  public static final String LOCAL = "local";

  private final String from;
  private final String to;
  private final int instances;

  /**
   * @param serviceName the service
   * @param timestampMillis when, epoch milliseconds
   * @param from the datacenter served before ({@link #LOCAL} for the discovery's own)
   * @param to the datacenter served now ({@link #LOCAL} for the discovery's own)
   * @param instances how many instances {@code to} has
   */
  public DatacenterSwitchedEvent(String serviceName, long timestampMillis, String from, String to, int instances) {
    super(serviceName, timestampMillis);
    this.from = from;
    this.to = to;
    this.instances = instances;
  }

  /** The datacenter served before: a failover datacenter's name, or {@link #LOCAL}. */
  public String from() {
    return from;
  }

  /** The datacenter served now: a failover datacenter's name, or {@link #LOCAL}. */
  public String to() {
    return to;
  }

  /** Whether calls came back to the local datacenter. */
  public boolean isFailback() {
    return LOCAL.equals(to);
  }

  /** How many instances the datacenter served now has. */
  public int instances() {
    return instances;
  }

  @Override
  public String toString() {
    return "DatacenterSwitched{" + serviceName() + ": " + from + " -> " + to + ", " + instances + " instances}";
  }
}
