package io.mesh4j.cache;

import io.mesh4j.api.MeshEvent;

/**
 * Something a cache wants an operator to know about: the L1 being bypassed or resumed, an
 * invalidation gap, an undecodable payload, a Redis failure. Delivered to the
 * {@link io.mesh4j.api.MeshEventListener} given to the cache's builder; {@link #serviceName()} is
 * null.
 */
public final class CacheEvent extends MeshEvent {
  /** What happened. */
  public enum Kind {
    /** The invalidation channel went down or lost messages: L1 was cleared and is bypassed. */
    L1_BYPASSED,
    /** The invalidation channel is subscribed again: L1 is in use again (it starts empty). */
    L1_RESUMED,
    /** A sequence number was skipped on the invalidation channel: L1 was cleared. */
    INVALIDATION_GAP,
    /** A stored payload could not be decoded; it was deleted and counted as a miss. */
    DECODE_FAILURE,
    /** A Redis command failed (and, outside strict mode, was treated as a miss or dropped). */
    REDIS_FAILURE
  }

  private final Kind kind;
  private final String namespace;
  private final String detail;

  /** An event of {@code kind} in the cache of {@code namespace}. */
  public CacheEvent(Kind kind, String namespace, String detail, long timestampMillis) {
    super(null, timestampMillis);
    this.kind = kind;
    this.namespace = namespace;
    this.detail = detail;
  }

  /** What happened. */
  public Kind kind() {
    return kind;
  }

  /** The namespace of the cache. */
  public String namespace() {
    return namespace;
  }

  /** A short human-readable detail (an operation, a reason); never a value or a secret. */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return "CacheEvent{" + kind + ", namespace=" + namespace + ", " + detail + "}";
  }
}
