package io.mesh4j.cache;

import io.mesh4j.api.MeshException;

/**
 * A cache operation failed. Thrown for Redis failures only when the cache was built with
 * {@code strict(true)}; always thrown when a value cannot be encoded by the cache's codec.
 */
public class CacheException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final String namespace;

  /** A failure in the cache of {@code namespace}. */
  public CacheException(String namespace, String message, Throwable cause) {
    super(null, message, cause);
    this.namespace = namespace;
  }

  /** The namespace of the cache that failed. */
  public String namespace() {
    return namespace;
  }
}
