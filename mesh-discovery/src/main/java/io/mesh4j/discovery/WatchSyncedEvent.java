package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;

/**
 * A watch got a good answer from Consul: the time of the last successful sync (this event's
 * {@link #timestampMillis()}) and the instance count of the service. Published on every
 * successful blocking query, changed or not, so a gauge of "seconds since last sync" stays true.
 */
public final class WatchSyncedEvent extends MeshEvent {
  private final int instanceCount;
  private final long index;
  private final boolean changed;

  /**
   * @param serviceName the watched service
   * @param timestampMillis when the answer arrived, epoch milliseconds
   * @param instanceCount instances in the (new) snapshot
   * @param index Consul's {@code X-Consul-Index} of the answer
   * @param changed whether the snapshot changed
   */
  public WatchSyncedEvent(String serviceName, long timestampMillis, int instanceCount, long index,
      boolean changed) {
    super(serviceName, timestampMillis);
    this.instanceCount = instanceCount;
    this.index = index;
    this.changed = changed;
  }

  /** Instances of the service now known. */
  public int instanceCount() {
    return instanceCount;
  }

  /** Consul's raft index of the answer. */
  public long index() {
    return index;
  }

  /** True when the instance list differs from the previous one. */
  public boolean changed() {
    return changed;
  }

  @Override
  public String toString() {
    return "WatchSyncedEvent{" + serviceName() + " " + instanceCount + " instances, index " + index
        + (changed ? ", changed" : "") + "}";
  }
}
