package io.mesh4j.discovery.internal;

import io.mesh4j.discovery.ConsistencyMode;
import java.time.Duration;

/** Translations between mesh4j settings and Consul's wire values. */
public final class ConsulModes {
  /** Metadata key that marks an instance reached over TLS ({@code secure=true}). */
  public static final String SECURE_META_KEY = "secure";

  private ConsulModes() {}

  /** consul-client's consistency mode for ours. */
  public static org.kiwiproject.consul.option.ConsistencyMode of(ConsistencyMode mode) {
    switch (mode) {
      case STALE:
        return org.kiwiproject.consul.option.ConsistencyMode.STALE;
      case CONSISTENT:
        return org.kiwiproject.consul.option.ConsistencyMode.CONSISTENT;
      default:
        return org.kiwiproject.consul.option.ConsistencyMode.DEFAULT;
    }
  }

  /** A Go duration string Consul parses, in milliseconds ({@code "1500ms"}). */
  public static String goDuration(Duration d) {
    return d.toMillis() + "ms";
  }
}
