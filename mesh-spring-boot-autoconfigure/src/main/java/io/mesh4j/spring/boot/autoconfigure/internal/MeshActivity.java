package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.discovery.WatchFailedEvent;
import io.mesh4j.discovery.WatchSyncedEvent;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the mesh's events say about each service: when its Consul watch last synced or failed,
 * and that the service was called at all. A {@link MeshEventListener} bean, so the discovery and
 * the client built by the auto-configuration feed it; the health indicators and the endpoint read
 * it. Thread safe; costs a map lookup per event.
 */
public final class MeshActivity implements MeshEventListener {
  private final Clock clock;
  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();
  private final Set<String> services = ConcurrentHashMap.newKeySet();

  /** Activity timed by {@code clock} (the watch events carry the same wall-clock milliseconds). */
  public MeshActivity(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void onEvent(MeshEvent event) {
    String service = event.serviceName();
    if (service == null) {
      return;
    }
    services.add(service);
    if (event instanceof WatchSyncedEvent synced) {
      watch(service).synced(synced.timestampMillis(), synced.instanceCount());
    } else if (event instanceof WatchFailedEvent failed) {
      watch(service).failed(failed.timestampMillis(), failed.reason() + ": " + failed.message());
    }
  }

  private Watch watch(String service) {
    return watches.computeIfAbsent(service, s -> new Watch(clock.millis()));
  }

  /** Every service an event named so far (watched, called, ejected...), sorted. */
  public Set<String> services() {
    return new TreeSet<>(services);
  }

  /** The watch state of each service whose watch reported anything, by service. */
  public Map<String, Watch> watches() {
    return Map.copyOf(watches);
  }

  /** Now, by the same clock. */
  public long nowMillis() {
    return clock.millis();
  }

  /** One watch as its events told it. */
  public static final class Watch {
    private final long firstSeenMillis;
    private volatile long lastSyncMillis = -1;
    private volatile int instances = -1;
    private volatile long lastFailureMillis = -1;
    private volatile String lastFailure;

    Watch(long firstSeenMillis) {
      this.firstSeenMillis = firstSeenMillis;
    }

    synchronized void synced(long at, int instanceCount) {
      lastSyncMillis = Math.max(lastSyncMillis, at);
      instances = instanceCount;
    }

    synchronized void failed(long at, String what) {
      lastFailureMillis = Math.max(lastFailureMillis, at);
      lastFailure = what;
    }

    /** When the watch last got a good answer (epoch ms), or -1 if never. */
    public long lastSyncMillis() {
      return lastSyncMillis;
    }

    /** Instances in the last good answer, or -1 if none yet. */
    public int instances() {
      return instances;
    }

    /** When the watch last failed (epoch ms), or -1. */
    public long lastFailureMillis() {
      return lastFailureMillis;
    }

    /** The last failure's reason and message (never a token), or null. */
    public String lastFailure() {
      return lastFailure;
    }

    /** How long the served list has gone without confirmation: since the last sync, else since first seen. */
    public long staleForMillis(long nowMillis) {
      long since = lastSyncMillis >= 0 ? lastSyncMillis : firstSeenMillis;
      return Math.max(0, nowMillis - since);
    }
  }
}
