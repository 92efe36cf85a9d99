package io.mesh4j.discovery.internal;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.WatchFailedEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link Watch} reports a failed query: the last failure and its cause (never one that
 * mentions the token), a WARN once per outage and DEBUG per round, a {@link WatchFailedEvent},
 * and the jittered exponential backoff before the next query. Written by the one thread that
 * queries at a time; read by anyone.
 */
final class WatchFailures {
  // The watch's logger: what users configure for watches covers their failures too.
  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);

  private final String service;
  private final WatchSettings settings;
  private final ConsulHandle consul;
  /** The instances callers get meanwhile (null before the first good answer). */
  private final Supplier<List<ServiceInstance>> serving;
  private volatile ConsulFailure last;
  private volatile Throwable lastCause;

  WatchFailures(String service, WatchSettings settings, ConsulHandle consul,
      Supplier<List<ServiceInstance>> serving) {
    this.service = service;
    this.settings = settings;
    this.consul = consul;
    this.serving = serving;
  }

  /** The last failure since the last good answer, or null. */
  ConsulFailure last() {
    return last;
  }

  /** What the last failed query threw since the last good answer, or null. */
  Throwable lastCause() {
    return lastCause;
  }

  /** A good answer arrived: no failure any more. */
  void clear() {
    last = null;
    lastCause = null;
  }

  /** Keeps {@code e} as the last cause unless its chain mentions the token; returns its failure. */
  ConsulFailure thrown(Throwable e) {
    lastCause = Secrets.mentions(e, consul.token()) ? null : e;
    return consul.failure(e);
  }

  /** Records failure number {@code failures} in a row, logs and publishes it; returns the backoff. */
  long failed(ConsulFailure f, int failures) {
    last = f;
    consul.warnIfAgentLimit(f);
    long delay = backoff(failures);
    List<ServiceInstance> now = serving.get();
    if (failures == 1) {
      // Once per outage (recovery is logged at INFO); every round is at DEBUG and in the events.
      LOG.warn("watch of '{}' is failing ({}): callers get the {} last known instances until Consul answers "
          + "again; retrying with backoff up to {} ms", service, f.message(),
          now == null ? "no (none loaded yet)" : now.size(), settings.backoffMax().toMillis());
    }
    LOG.debug("watch of '{}' failed ({} in a row), serving {} last known instances, retry in {} ms: {}",
        service, failures, now == null ? "no" : now.size(), delay / 1_000_000, f.message());
    if (settings.events() != null) {
      Events.publish(settings.events(), new WatchFailedEvent(service, System.currentTimeMillis(),
          f.reason(), f.status(), f.message(), failures, Duration.ofNanos(delay),
          now == null ? -1 : now.size()));
    }
    return delay;
  }

  /** {@link #failed}, whose event listener may itself throw an Error: then just the backoff. */
  long failedSafely(ConsulFailure f, int failures) {
    try {
      return failed(f, failures);
    } catch (Throwable e) {
      LOG.warn("watch of '{}': reporting a failure threw {}, so its event may be missing;"
          + " the watch retries after a backoff and callers get the last known instances", service, e.toString());
      return backoff(failures);
    }
  }

  private long backoff(int failures) {
    return Backoff.errorDelayNanos(failures, settings.backoffMin().toNanos(),
        settings.backoffMax().toNanos(), settings.nextRandom());
  }
}
