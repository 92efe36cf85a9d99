package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;
import java.time.Duration;

/**
 * A watch got a good answer from Consul: the time of the last successful sync (this event's
 * {@link #timestampMillis()}) and the instance count of the service. Published on every
 * successful blocking query, changed or not, so a gauge of "seconds since last sync" stays true.
 *
 * <p>{@link #knownLeader()} and {@link #lastContact()} carry Consul's {@code X-Consul-KnownLeader}
 * and {@code X-Consul-LastContact}: in {@link ConsistencyMode#STALE} an answer may come from a
 * server that has no leader (an election, a lost quorum) or has not heard from it for a while;
 * alert on {@code !knownLeader()} or a growing {@code lastContact()} to see how stale discovery is.
 * In the other modes an answer without a leader is a {@link WatchFailedEvent} instead.
 */
public final class WatchSyncedEvent extends MeshEvent {
  private final int instanceCount;
  private final long index;
  private final boolean changed;
  private final boolean knownLeader;
  private final Duration lastContact;

  /**
   * @param serviceName the watched service
   * @param timestampMillis when the answer arrived, epoch milliseconds
   * @param instanceCount instances in the (new) snapshot
   * @param index Consul's {@code X-Consul-Index} of the answer
   * @param changed whether the snapshot changed
   */
  public WatchSyncedEvent(String serviceName, long timestampMillis, int instanceCount, long index,
      boolean changed) {
    this(serviceName, timestampMillis, instanceCount, index, changed, true, Duration.ZERO);
  }

  /**
   * @param serviceName the watched service
   * @param timestampMillis when the answer arrived, epoch milliseconds
   * @param instanceCount instances in the (new) snapshot
   * @param index Consul's {@code X-Consul-Index} of the answer
   * @param changed whether the snapshot changed
   * @param knownLeader Consul's {@code X-Consul-KnownLeader}
   * @param lastContact Consul's {@code X-Consul-LastContact} (zero when the leader answered)
   */
  public WatchSyncedEvent(String serviceName, long timestampMillis, int instanceCount, long index,
      boolean changed, boolean knownLeader, Duration lastContact) {
    super(serviceName, timestampMillis);
    this.instanceCount = instanceCount;
    this.index = index;
    this.changed = changed;
    this.knownLeader = knownLeader;
    if (lastContact == null || lastContact.isNegative()) {
      throw new IllegalArgumentException("lastContact must be zero or positive, got " + lastContact);
    }
    this.lastContact = lastContact;
  }

  /** Whether the answering server knew a leader ({@code X-Consul-KnownLeader}); false only in the stale mode. */
  public boolean knownLeader() {
    return knownLeader;
  }

  /**
   * How long ago the answering server last heard from the leader ({@code X-Consul-LastContact});
   * zero when the leader itself answered.
   */
  public Duration lastContact() {
    return lastContact;
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
        + (changed ? ", changed" : "") + (knownLeader ? "" : ", no known leader")
        + (lastContact.isZero() ? "" : ", last contact " + lastContact.toMillis() + " ms ago") + "}";
  }
}
