package io.mesh4j.api;

import io.mesh4j.api.internal.Checks;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One reachable copy of a service: an id, the service's name, a host and port, whether it speaks
 * TLS, and its tags and metadata.
 *
 * <p>Immutable and thread safe. Two instances are equal when their id, host and port are equal:
 * a re-registered instance with new tags is the same instance, one that moved is not.
 *
 * <pre>{@code
 * ServiceInstance i = ServiceInstance.newBuilder()
 *     .serviceName("user-service").host("10.0.0.7").port(8080).tag("v2").build();
 * URI base = i.uri(); // http://10.0.0.7:8080
 * }</pre>
 */
public final class ServiceInstance {
  private final String id;
  private final String serviceName;
  private final String host;
  private final int port;
  private final boolean secure;
  private final Set<String> tags;
  private final Map<String, String> metadata;
  private final URI uri;
  private final int hash;

  private ServiceInstance(Builder b) {
    this.serviceName = b.serviceName;
    this.host = b.host;
    this.port = b.port;
    this.secure = b.secure;
    this.id = b.id != null ? b.id : serviceName + "-" + host + "-" + port;
    this.tags = Collections.unmodifiableSet(new LinkedHashSet<>(b.tags));
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    this.uri = URI.create((secure ? "https" : "http") + "://" + h + ":" + port);
    this.hash = Objects.hash(id, host, port);
  }

  /** A builder with no values set. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** A builder holding this instance's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.serviceName = serviceName;
    b.host = host;
    b.port = port;
    b.secure = secure;
    b.tags.addAll(tags);
    b.metadata.putAll(metadata);
    return b;
  }

  /** The instance's unique id; defaults to {@code serviceName-host-port}. */
  public String id() {
    return id;
  }

  /** The logical service this instance belongs to. */
  public String serviceName() {
    return serviceName;
  }

  /** Host name or IP address. */
  public String host() {
    return host;
  }

  /** TCP port, 1 to 65535. */
  public int port() {
    return port;
  }

  /** True when the instance is reached over TLS ({@code https}). */
  public boolean secure() {
    return secure;
  }

  /** Tags, in registration order; unmodifiable. */
  public Set<String> tags() {
    return tags;
  }

  /** Metadata; unmodifiable. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** {@code http://host:port} or {@code https://host:port}; IPv6 hosts are bracketed. */
  public URI uri() {
    return uri;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ServiceInstance)) {
      return false;
    }
    ServiceInstance other = (ServiceInstance) o;
    return port == other.port && id.equals(other.id) && host.equals(other.host);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "ServiceInstance{" + id + " " + uri + (tags.isEmpty() ? "" : " tags=" + tags) + "}";
  }

  /** Builds a {@link ServiceInstance}. Not thread safe. */
  public static final class Builder {
    private String id;
    private String serviceName;
    private String host;
    private int port = -1;
    private boolean secure;
    private final Set<String> tags = new LinkedHashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private Builder() {}

    /** The unique id; when not set, {@code serviceName-host-port}. */
    public Builder id(String id) {
      this.id = Checks.notBlank(id, "id");
      return this;
    }

    /** The logical service name (required). */
    public Builder serviceName(String serviceName) {
      this.serviceName = serviceName;
      return this;
    }

    /** Host name or IP address (required). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** TCP port, 1 to 65535 (required). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Whether the instance speaks TLS; default false. */
    public Builder secure(boolean secure) {
      this.secure = secure;
      return this;
    }

    /** Adds one tag. */
    public Builder tag(String tag) {
      tags.add(Checks.notBlank(tag, "tag"));
      return this;
    }

    /** Replaces the tags. */
    public Builder tags(Iterable<String> tags) {
      Checks.notNull(tags, "tags");
      this.tags.clear();
      tags.forEach(this::tag);
      return this;
    }

    /** Adds one metadata entry. */
    public Builder metadata(String key, String value) {
      metadata.put(Checks.notBlank(key, "metadata key"), Checks.notNull(value, "metadata value"));
      return this;
    }

    /** Replaces the metadata. */
    public Builder metadata(Map<String, String> metadata) {
      Checks.notNull(metadata, "metadata");
      this.metadata.clear();
      metadata.forEach(this::metadata);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws NullPointerException if serviceName or host is missing
     * @throws IllegalArgumentException if a value is blank or the port is out of range
     */
    public ServiceInstance build() {
      Checks.notBlank(serviceName, "serviceName");
      Checks.notBlank(host, "host");
      Checks.inRange(port, 1, 65535, "port");
      return new ServiceInstance(this);
    }
  }
}
