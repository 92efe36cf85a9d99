package io.mesh4j.api;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/**
 * How the registry decides an instance is healthy: it polls an HTTP endpoint, or it expects a
 * heartbeat within a TTL. Immutable; build with {@link #http(String)} or {@link #ttl(Duration)}.
 */
public final class HealthCheck {
  /** The kind of check. */
  public enum Kind {
    /** The registry polls an HTTP path of the instance. */
    HTTP,
    /** The instance reports itself passing at least once per TTL (a heartbeat). */
    TTL
  }

  private final Kind kind;
  private final String path;
  private final Duration interval;
  private final Duration timeout;
  private final Duration ttl;
  private final Duration heartbeatInterval;
  private final Duration deregisterCriticalAfter;

  private HealthCheck(Builder b) {
    this.kind = b.kind;
    this.path = b.path;
    this.interval = b.interval;
    this.timeout = b.timeout;
    this.ttl = b.ttl;
    this.heartbeatInterval = b.heartbeatInterval;
    this.deregisterCriticalAfter = b.deregisterCriticalAfter;
  }

  /** An HTTP check of {@code path} (for example {@code /health}); default interval 10 s, timeout 5 s. */
  public static Builder http(String path) {
    Checks.notBlank(path, "path");
    Checks.argument(path.startsWith("/"), "path must start with '/', was %s", path);
    Builder b = new Builder(Kind.HTTP);
    b.path = path;
    b.interval = Duration.ofSeconds(10);
    b.timeout = Duration.ofSeconds(5);
    return b;
  }

  /** A TTL check; the heartbeat defaults to a third of the TTL. */
  public static Builder ttl(Duration ttl) {
    Builder b = new Builder(Kind.TTL);
    b.ttl = Checks.notNull(ttl, "ttl");
    return b;
  }

  /** HTTP or TTL. */
  public Kind kind() {
    return kind;
  }

  /** The HTTP path; empty for a TTL check. */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /** How often the registry polls; empty for a TTL check. */
  public Optional<Duration> interval() {
    return Optional.ofNullable(interval);
  }

  /** How long one poll may take; empty for a TTL check. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** The TTL; empty for an HTTP check. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** How often the heartbeat reports passing (before jitter); empty for an HTTP check. */
  public Optional<Duration> heartbeatInterval() {
    return Optional.ofNullable(heartbeatInterval);
  }

  /** After how long critical the registry removes the instance; empty for never. */
  public Optional<Duration> deregisterCriticalAfter() {
    return Optional.ofNullable(deregisterCriticalAfter);
  }

  @Override
  public String toString() {
    return kind == Kind.HTTP
        ? "HealthCheck{HTTP " + path + " every " + interval + ", timeout " + timeout + "}"
        : "HealthCheck{TTL " + ttl + ", heartbeat " + heartbeatInterval + "}";
  }

  /** Builds a {@link HealthCheck}. Not thread safe. */
  public static final class Builder {
    private final Kind kind;
    private String path;
    private Duration interval;
    private Duration timeout;
    private Duration ttl;
    private Duration heartbeatInterval;
    private Duration deregisterCriticalAfter;

    private Builder(Kind kind) {
      this.kind = kind;
    }

    /** HTTP only: how often to poll. */
    public Builder interval(Duration interval) {
      this.interval = Checks.notNull(interval, "interval");
      return this;
    }

    /** HTTP only: how long one poll may take. */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.notNull(timeout, "timeout");
      return this;
    }

    /** TTL only: how often the heartbeat reports passing; must be shorter than the TTL. */
    public Builder heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = Checks.notNull(heartbeatInterval, "heartbeatInterval");
      return this;
    }

    /** Remove the instance after it has been critical this long (Consul's minimum is 1 minute). */
    public Builder deregisterCriticalAfter(Duration after) {
      this.deregisterCriticalAfter = Checks.notNull(after, "deregisterCriticalAfter");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting that is zero, negative or inconsistent
     */
    public HealthCheck build() {
      if (kind == Kind.HTTP) {
        Checks.positive(interval, "interval");
        Checks.positive(timeout, "timeout");
        Checks.argument(heartbeatInterval == null, "heartbeatInterval applies to TTL checks only");
      } else {
        Checks.positive(ttl, "ttl");
        Checks.argument(ttl.toMillis() >= 1000, "ttl must be at least 1s, was %s", ttl);
        if (heartbeatInterval == null) {
          heartbeatInterval = ttl.dividedBy(3);
        }
        Checks.positive(heartbeatInterval, "heartbeatInterval");
        Checks.argument(heartbeatInterval.compareTo(ttl) < 0,
            "ttl (%s) must be longer than heartbeatInterval (%s)", ttl, heartbeatInterval);
      }
      if (deregisterCriticalAfter != null) {
        Checks.positive(deregisterCriticalAfter, "deregisterCriticalAfter");
      }
      return new HealthCheck(this);
    }
  }
}
