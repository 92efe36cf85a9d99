package io.mesh4j.discovery;

/** Consul's read consistency for discovery queries. */
public enum ConsistencyMode {
  /** Consul's default: answered by the leader, which may rarely be stale during a leader change. */
  DEFAULT,
  /** Any server may answer, even without a leader: faster and available, possibly stale. */
  STALE,
  /** The leader confirms its leadership first: never stale, one more round trip inside Consul. */
  CONSISTENT
}
