package io.mesh4j.discovery;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceChangeListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Subscription;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.discovery.internal.ConnectionConfig;
import io.mesh4j.discovery.internal.ConsulFailure;
import io.mesh4j.discovery.internal.ConsulHandle;
import io.mesh4j.discovery.internal.DatacenterFailover;
import io.mesh4j.discovery.internal.NamedThreadFactory;
import io.mesh4j.discovery.internal.Watch;
import io.mesh4j.discovery.internal.WatchSettings;
import io.mesh4j.discovery.internal.Watches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ServiceDiscovery} on Consul's health endpoint, answered from a local snapshot that
 * survives Consul outages: the first {@link Builder#sharedViewAbove} watched services get a
 * blocking query each, later ones share two datacenter-wide blocking queries and a few fetch
 * threads (see {@code docs/scaling.md}).
 *
 * <pre>{@code
 * try (ConsulDiscovery discovery = ConsulDiscovery.builder()
 *     .url("http://127.0.0.1:8500")
 *     .token(System.getenv("CONSUL_HTTP_TOKEN"))   // sent as X-Consul-Token only
 *     .build()) {
 *   List<ServiceInstance> users = discovery.instances("user-service");
 *   discovery.subscribe("user-service", change -> log.info("now {}", change.instances()));
 * }
 * }</pre>
 *
 * <ul>
 *   <li>A service is watched from its first {@link #instances} or {@link #subscribe} call; any
 *       number of callers share that one watch.</li>
 *   <li>{@link #instances} reads the snapshot (no Consul round trip). Only the very first call
 *       for a service waits, up to {@link Builder#firstLoadTimeout}, then throws
 *       {@link NoInstanceAvailableException} naming the service.</li>
 *   <li>While Consul is unreachable, leaderless or answering errors, the last good list is
 *       served and listeners hear nothing; an empty list comes only from a successful answer.</li>
 *   <li>Listeners run on the listener executor, in order per listener, never on the watch thread;
 *       one that throws harms no other.</li>
 *   <li>A watch nobody read nor subscribed to for {@link Builder#watchIdleTimeout} (10 minutes
 *       by default) stops and its thread ends; the next call for the service starts it again
 *       and waits for a fresh first load.</li>
 *   <li>{@link #close()} stops every watch, cancels in-flight queries and releases every thread
 *       and pooled connection it created.</li>
 * </ul>
 *
 * <p>This class is thread safe.
 */
public final class ConsulDiscovery implements ServiceDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulDiscovery.class);

  private final ConnectionConfig connection;
  private final WatchSettings settings;
  private final Duration firstLoadTimeout;
  private final ConsulHandle consul;
  private final ThreadPoolExecutor ownListenerExecutor; // null when the user gave one
  private final NamedThreadFactory watchThreads = new NamedThreadFactory("watch");
  private final Watches watches;
  private final DatacenterFailover failover;
  private final boolean failoverOn;
  private volatile boolean closed;

  private ConsulDiscovery(Builder b, ConnectionConfig connection) {
    this.connection = connection;
    this.firstLoadTimeout = b.firstLoadTimeout;
    Executor listeners = b.listenerExecutor;
    if (listeners == null) {
      // One thread, created on demand and gone after 10 s idle: listener calls are rare.
      ownListenerExecutor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), new NamedThreadFactory("discovery-listener"));
      ownListenerExecutor.allowCoreThreadTimeOut(true);
      listeners = ownListenerExecutor;
    } else {
      ownListenerExecutor = null;
    }
    this.settings = new WatchSettings(b.queryWait, b.passingOnly, new ArrayList<>(b.tags), b.datacenter,
        b.consistency, b.nearAgent, b.minQueryInterval, b.backoffMin, b.backoffMax, listeners,
        b.events, b.ticker, b.random, b.watchIdleTimeout);
    this.consul = ConsulHandle.open(connection, "discovery", "ConsulDiscovery.builder()");
    this.watches = new Watches(consul, watchThreads, settings, b.sharedViewAbove);
    this.failover = new DatacenterFailover(b.failoverDatacenters, settings, consul, watchThreads, firstLoadTimeout);
    this.failoverOn = failover.enabled();
  }

  /** A builder with the defaults: local agent, passing instances only, 55 s wait. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The current instances of {@code serviceName} from the local snapshot.
   *
   * @throws NoInstanceAvailableException if this is the first call for the service and Consul did
   *     not answer within the first-load timeout
   * @throws IllegalStateException if this discovery is closed
   */
  @Override
  public List<ServiceInstance> instances(String serviceName) {
    if (serviceName == null) { // no Checks.notNull here: its message lambda would be built per call
      throw new NullPointerException("serviceName must not be null");
    }
    Watch w = watches.get(serviceName);
    if (w != null) {
      w.touch();
      List<ServiceInstance> s = w.snapshot();
      if (s != null && !closed) {
        if (failoverOn) {
          return failover.resolve(serviceName, s.isEmpty() ? checkNotHidden(w, s) : s);
        }
        return s.isEmpty() ? checkNotHidden(w, s) : s;
      }
      checkOpen();
    } else {
      w = watch(serviceName);
    }
    return awaitFirstLoad(w);
  }

  /**
   * The first {@linkplain Builder#failoverDatacenters failover datacenter}'s passing instances of
   * {@code serviceName}, or none without failover datacenters: the executor calls them when every
   * local instance failed within a call or is ejected while their checks still pass (a datacenter
   * that just went dark), before Consul's health makes {@link #instances} switch.
   */
  @Override
  public List<ServiceInstance> failoverInstances(String serviceName) {
    if (serviceName == null) {
      throw new NullPointerException("serviceName must not be null");
    }
    return failoverOn && !closed ? failover.fallback(serviceName) : List.of();
  }

  private List<ServiceInstance> awaitFirstLoad(Watch w) {
    List<ServiceInstance> s;
    try {
      s = w.awaitFirstLoad(firstLoadTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NoInstanceAvailableException(w.service(), 0, 0, "interrupted while waiting for the first load", e);
    }
    checkOpen();
    if (s != null) {
      List<ServiceInstance> local = s.isEmpty() ? checkNotHidden(w, s) : s;
      return failoverOn ? failover.resolve(w.service(), local) : local;
    }
    ConsulFailure f = w.lastFailure();
    throw new NoInstanceAvailableException(w.service(), 0, 0,
        "first load from Consul at " + connection.url() + " did not finish within " + firstLoadTimeout
            + (f == null ? "" : " (last error: " + f.reason() + ", " + f.message() + ")"), w.lastFailureCause());
  }

  /**
   * {@code empty}, unless Consul enforces ACLs and we send no token: then "none" only means none
   * that the anonymous token may read, which is no answer at all.
   */
  private List<ServiceInstance> checkNotHidden(Watch w, List<ServiceInstance> empty) {
    if (consul.knownAnonymousUnderAcl()) {
      throw new NoInstanceAvailableException(w.service(), 0, 0, "Consul at " + connection.url()
          + " listed none, but it enforces ACLs and this discovery sends no token, so Consul left out every"
          + " instance its anonymous token may not read; set ConsulDiscovery.builder().token(...) to a token"
          + " with service:read and node:read", null);
    }
    return empty;
  }

  /**
   * Calls {@code listener} on the listener executor whenever the instances of
   * {@code serviceName} change, starting the watch if needed. If the list is already known and
   * not empty, the listener first hears it as "all added".
   *
   * @throws IllegalStateException if this discovery is closed
   */
  @Override
  public Subscription subscribe(String serviceName, ServiceChangeListener listener) {
    Checks.notBlank(serviceName, "serviceName");
    Checks.notNull(listener, "listener");
    while (true) {
      Watch w = watch(serviceName);
      Subscription s = w.subscribe(listener);
      if (s != null) {
        return s;
      }
      watches.remove(serviceName, w); // it retired as idle just now: start a fresh one
    }
  }

  private Watch watch(String serviceName) {
    Checks.notBlank(serviceName, "serviceName");
    checkOpen();
    Watch w = watches.get(serviceName);
    if (w != null) {
      return w;
    }
    Watches.Got got = watches.getOrStart(serviceName, serviceName, settings);
    if (got == null) { // close() ran meanwhile
      checkOpen();
    }
    return got.watch();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("ConsulDiscovery is closed");
    }
  }

  /** The services watched so far, in no particular order. */
  public Set<String> watchedServices() {
    return watches.keys();
  }

  /** Health check entries the shared view has read, ever (tests): follows the watched services' checks. */
  long viewChecksRead() {
    return watches.viewChecksRead();
  }

  /** Answers the shared view's health query has read, ever (tests). */
  long viewHealthRounds() {
    return watches.viewHealthRounds();
  }

  /** Connections pooled right now; for tests that check close() released them. */
  int connectionCount() {
    return consul.connectionCount();
  }

  /**
   * Stops every watch, cancels queries in flight, stops the listener thread and closes pooled
   * connections. Returns after the watch threads ended (waiting at most a few seconds). Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Watch> all = watches.stopAll();
    consul.close(); // cancels every blocking query in flight
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      failover.close(deadline);
      if (!watches.joinView(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())))) {
        LOG.warn("the shared watch view's threads did not stop in time");
      }
      for (Watch w : all) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (!w.join(Math.max(1, left))) {
          LOG.warn("watch thread of '{}' did not stop in time", w.service());
        }
      }
      if (ownListenerExecutor != null) {
        ownListenerExecutor.shutdownNow();
        ownListenerExecutor.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consul.evictIdle();
  }

  @Override
  public String toString() {
    return "ConsulDiscovery{" + connection.url() + ", " + watches.size() + " watches"
        + (closed ? ", closed" : "") + "}";
  }

  /**
   * Builds a {@link ConsulDiscovery}. Every setting is checked when set or at {@link #build()},
   * with a message naming it. Not thread safe.
   */
  public static final class Builder extends ConsulClientBuilder<Builder> {
    private Duration queryWait = Duration.ofSeconds(55);
    private Duration firstLoadTimeout = Duration.ofSeconds(5);
    private Duration minQueryInterval = Duration.ofMillis(50);
    private Duration backoffMin = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(3);
    private boolean passingOnly = true;
    private final Set<String> tags = new LinkedHashSet<>();
    private String datacenter;
    private ConsistencyMode consistency = ConsistencyMode.DEFAULT;
    private boolean nearAgent;
    private Executor listenerExecutor;
    private MeshEventListener events;
    private Ticker ticker = Ticker.system();
    private RandomGenerator random = new java.util.Random();
    private Duration watchIdleTimeout = DEFAULT_WATCH_IDLE_TIMEOUT;
    private List<String> failoverDatacenters = List.of();
    private int sharedViewAbove = DEFAULT_SHARED_VIEW_ABOVE;

    /** Default {@link #sharedViewAbove}: 2. */
    public static final int DEFAULT_SHARED_VIEW_ABOVE = 2;

    /** Default {@link #watchIdleTimeout}: 10 minutes. */
    public static final Duration DEFAULT_WATCH_IDLE_TIMEOUT = Duration.ofMinutes(10);

    private Builder() {}

    /**
     * How long a watch may go without a reader ({@code instances}) or a subscriber before it
     * stops and its thread ends; default {@link #DEFAULT_WATCH_IDLE_TIMEOUT} (10 minutes),
     * {@link Duration#ZERO} for never. Checked between queries, so a quiet service's watch stops
     * up to one {@link #queryWait} later. The next call for the service starts a new watch and
     * waits for its first load (up to {@link #firstLoadTimeout}). Measured on the {@link #ticker}.
     */
    public Builder watchIdleTimeout(Duration idleTimeout) {
      this.watchIdleTimeout = Checks.notNegative(idleTimeout, "watchIdleTimeout");
      return this;
    }

    /**
     * How many services get a long poll of their own (one thread, one agent connection each)
     * before further services share one view of the datacenter; default
     * {@link #DEFAULT_SHARED_VIEW_ABOVE}. The shared view holds two blocking queries on
     * datacenter-wide endpoints, whatever the number of services, and fetches a service again
     * only when its health checks or registrations changed, on a few threads: a change reaches
     * it one short request later than a long poll of its own would bring it. A Consul agent
     * serves at most {@code http_max_conns_per_client} (default 200) connections per client
     * address, so a client with long polls of their own for that many services leaves the rest
     * unserved. {@code 0} shares every watch; {@link Integer#MAX_VALUE} never shares (every
     * service polls on its own, as before). A watch keeps its mode until it retires as idle. Failover
     * datacenters' watches always poll on their own. See {@code docs/scaling.md}.
     */
    public Builder sharedViewAbove(int watchedServices) {
      this.sharedViewAbove = Checks.inRange(watchedServices, 0, Integer.MAX_VALUE, "sharedViewAbove");
      return this;
    }

    /** How long Consul may hold a blocking query (rounded up to seconds, 1 s to 10 min); default 55 s. */
    public Builder queryWait(Duration wait) {
      this.queryWait = Checks.notNull(wait, "queryWait");
      return this;
    }

    /** How long the first {@code instances(service)} of a service waits for Consul; default 5 s. */
    public Builder firstLoadTimeout(Duration timeout) {
      this.firstLoadTimeout = Checks.notNull(timeout, "firstLoadTimeout");
      return this;
    }

    /**
     * The shortest time between the starts of two queries of one service; default 50 ms. A query
     * that blocked until a change is followed at once; one that returned early is delayed by the
     * rest of this interval plus up to half of it as jitter, so index churn cannot spin.
     */
    public Builder minQueryInterval(Duration interval) {
      this.minQueryInterval = Checks.notNull(interval, "minQueryInterval");
      return this;
    }

    /**
     * Exponential backoff with jitter after failed queries, from {@code min} up to {@code max};
     * default 500 ms to 3 s, so a Consul agent that comes back is seen within about 3 s however
     * long it was away (one query per watched service every 1.5-3 s meanwhile).
     */
    public Builder errorBackoff(Duration min, Duration max) {
      this.backoffMin = Checks.notNull(min, "errorBackoff min");
      this.backoffMax = Checks.notNull(max, "errorBackoff max");
      return this;
    }

    /** Only instances whose health checks all pass (default true); false includes warning and critical ones. */
    public Builder passingOnly(boolean passingOnly) {
      this.passingOnly = passingOnly;
      return this;
    }

    /** Only instances that carry every one of these tags; replaces earlier tags. */
    public Builder tags(String... tags) {
      Checks.notNull(tags, "tags");
      this.tags.clear();
      for (String t : tags) {
        this.tags.add(Checks.notBlank(t, "tag"));
      }
      return this;
    }

    /** The datacenter to query; default the agent's own. */
    public Builder datacenter(String datacenter) {
      this.datacenter = Checks.notBlank(datacenter, "datacenter");
      return this;
    }

    /**
     * Datacenters to fail over to, in order (disaster recovery): when a service has no passing
     * instance in the local datacenter ({@link #datacenter} or the agent's), {@code instances}
     * answers the first of these that has some, read through the same agent ({@code ?dc=}), and
     * the local instances again as soon as they pass. Each switch is logged and published as a
     * {@link DatacenterSwitchedEvent}. A failover datacenter's watch starts the first time it is
     * needed (that call waits for its first load, up to {@link #firstLoadTimeout}) and retires
     * once unused for {@link #watchIdleTimeout}. {@link #subscribe} listeners hear the local
     * datacenter only. Default none. See {@code docs/disaster-recovery.md}.
     */
    public Builder failoverDatacenters(String... datacenters) {
      Checks.notNull(datacenters, "failoverDatacenters");
      List<String> l = new ArrayList<>();
      for (String dc : datacenters) {
        String name = Checks.notBlank(dc, "failoverDatacenters entry");
        Checks.argument(!l.contains(name), "failoverDatacenters must not repeat a datacenter, '%s' is there twice",
            name);
        l.add(name);
      }
      this.failoverDatacenters = List.copyOf(l);
      return this;
    }

    /** Read consistency; default {@link ConsistencyMode#DEFAULT}. */
    public Builder consistency(ConsistencyMode mode) {
      this.consistency = Checks.notNull(mode, "consistency");
      return this;
    }

    /** Sort instances by estimated round-trip time from the agent's node ({@code near=_agent}); default off. */
    public Builder nearAgent(boolean nearAgent) {
      this.nearAgent = nearAgent;
      return this;
    }

    /** Where listeners run; by default one daemon thread of this discovery's own. Not shut down by close(). */
    public Builder listenerExecutor(Executor executor) {
      this.listenerExecutor = Checks.notNull(executor, "listenerExecutor");
      return this;
    }

    /** Receives {@link WatchSyncedEvent} and {@link WatchFailedEvent}, on the watch thread; keep it short. */
    public Builder eventListener(MeshEventListener listener) {
      this.events = Checks.notNull(listener, "eventListener");
      return this;
    }

    /** The time source for query intervals; for tests. Default {@link Ticker#system()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    /** The source of jitter; for tests (a seeded generator). Used under a lock. */
    public Builder random(RandomGenerator random) {
      this.random = Checks.notNull(random, "random");
      return this;
    }

    /**
     * Validates every setting and builds. Makes no request: Consul may be down at this point.
     *
     * @throws IllegalArgumentException naming the setting that is invalid
     */
    public ConsulDiscovery build() {
      ConnectionConfig c = connection();
      Checks.positive(queryWait, "queryWait");
      Checks.argument(queryWait.compareTo(Duration.ofMinutes(10)) <= 0,
          "queryWait must be at most 10 minutes (Consul's limit), was %s", queryWait);
      Checks.positive(firstLoadTimeout, "firstLoadTimeout");
      Checks.positive(minQueryInterval, "minQueryInterval");
      Checks.positive(backoffMin, "errorBackoff min");
      Checks.positive(backoffMax, "errorBackoff max");
      Checks.argument(datacenter == null || !failoverDatacenters.contains(datacenter),
          "failoverDatacenters must not hold the local datacenter '%s' itself", datacenter);
      Checks.argument(backoffMin.compareTo(backoffMax) <= 0,
          "errorBackoff min (%s) must not exceed errorBackoff max (%s)", backoffMin, backoffMax);
      return new ConsulDiscovery(this, c);
    }
  }
}
