package io.mesh4j.discovery.internal;

import com.google.common.util.concurrent.MoreExecutors;
import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceChangeListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Subscription;
import io.mesh4j.discovery.ConsistencyMode;
import io.mesh4j.discovery.WatchFailedEvent;
import io.mesh4j.discovery.WatchSyncedEvent;
import java.math.BigInteger;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One blocking query loop on {@code /v1/health/service/<name>} for one service, on a thread of
 * its own, keeping a snapshot that readers get without locking.
 *
 * <p>The loop, and why each step is there (Consul's blocking-query guidance):
 * <ol>
 *   <li>Query with {@code index} and {@code wait} ({@link HealthQuery}: our own request, its body
 *       streamed into only the fields an instance needs); the read timeout is raised to
 *       wait + wait/16 + a margin, so a long poll is never cut short by the client.</li>
 *   <li>A good answer replaces the snapshot only when its content differs, and only then are
 *       listeners told, on their executor. An empty list is applied only when Consul said so
 *       with a known leader. An answer without a known leader (an election, a lost quorum) is a
 *       failure, except in {@link ConsistencyMode#STALE}, whose point is to keep answering from a
 *       server's copy then: a non-empty stale answer is applied.</li>
 *   <li>An index lower than the last one (a restarted agent, a snapshot restore) resets the
 *       index to 0 so the next query returns at once with fresh data; an index of 0 is treated
 *       as 1, as Consul's documentation asks, so it cannot turn into a loop of instant answers.</li>
 *   <li>Queries start at least {@code minQueryInterval} apart, plus jitter when the wait is
 *       needed: a query that blocked until a change costs no delay, one that returned at once
 *       (index churn from unrelated writes, Consul issue 3890) is slowed down. After a real
 *       change (a blocking query answered with a newer index and different instances) the next
 *       query goes out at once, since more changes often follow (a rolling restart); that skip
 *       happens at most once per interval, so answers that change every time cannot make it spin.</li>
 *   <li>A failure (no answer, 5xx, 4xx, no leader, unreadable body, anything thrown, Errors
 *       included) keeps the snapshot, publishes a {@link WatchFailedEvent} and backs off
 *       exponentially with jitter. Only {@link #stop()} ends the loop; a stray interrupt does not.</li>
 *   <li>Before each query, a watch that nobody read ({@link #touch()}) nor subscribed to for
 *       {@code idleTimeout} (on the ticker) retires: it ends its thread and tells its owner, who
 *       forgets it; the next reader starts a fresh one.</li>
 * </ol>
 *
 * <p>This class holds the snapshot, the subscribers and the idle state, and applies answers;
 * {@link LongPoll} runs the loop above on the watch's own thread (a {@link SharedView} calls
 * {@link #fetchOnce()} instead), {@link WatchFailures} reports failures and picks the backoff, and
 * {@link WatchSubscriber} delivers changes to one listener.
 */
public final class Watch {
  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);

  private final String service;
  private final WatchSettings settings;
  private final ConsulHandle consul;
  private final Object lock = new Object();
  private final CopyOnWriteArrayList<WatchSubscriber> subs = new CopyOnWriteArrayList<>();
  private final CountDownLatch firstLoad = new CountDownLatch(1);
  private final Thread thread; // null when a SharedView drives this watch
  private final SharedView view; // null: a long poll of its own
  private final Object fetchLock = new Object(); // shared mode: one fetch at a time, in order
  private int fetchFailures; // shared mode, under fetchLock
  private volatile long fetchStartedNanos = System.nanoTime() - Long.MAX_VALUE / 2; // shared mode
  private volatile long fetchedIndex; // shared mode: X-Consul-Index of the last applied fetch

  private volatile List<ServiceInstance> snapshot; // null until the first good answer
  private final WatchFailures failures;
  private final IncrementalHealthParser answers = new IncrementalHealthParser(); // the last answer, entry by entry
  // The instance each entry of the last applied answer became; only the thread applying answers uses it.
  private Map<HealthEntry, ServiceInstance> built = new IdentityHashMap<>();
  private volatile boolean stopped;
  private volatile boolean used = true; // set by readers, cleared by the loop
  private long idleSinceNanos; // the loop thread's own
  private boolean retired; // under lock
  private final Consumer<Watch> onRetired;

  /**
   * A watch of {@code service}; call {@link #start()} to begin. {@code onRetired} is called on
   * the watch thread when the watch stops for being idle.
   */
  public Watch(String service, WatchSettings settings, ConsulHandle consul, NamedThreadFactory threads,
      Consumer<Watch> onRetired) {
    this(service, settings, consul, threads, null, onRetired);
  }

  /**
   * A watch of {@code service} driven by {@code view} (no thread of its own) when it is not
   * null, else by a long poll on a thread of its own.
   */
  Watch(String service, WatchSettings settings, ConsulHandle consul, NamedThreadFactory threads, SharedView view,
      Consumer<Watch> onRetired) {
    this.service = service;
    this.settings = settings;
    this.consul = consul;
    this.onRetired = onRetired;
    this.view = view;
    this.failures = new WatchFailures(service, settings, consul, this::snapshot);
    this.thread = view == null ? threads.newThread(new LongPoll(this, settings, consul, failures), service) : null;
  }

  /** Starts the query loop thread, or joins the shared view, which fetches the list at once. */
  public void start() {
    if (view == null) {
      thread.start();
    } else {
      idleSinceNanos = settings.ticker().read();
      view.add(this);
    }
  }

  /** Whether a {@link SharedView} drives this watch rather than a long poll of its own. */
  public boolean shared() {
    return view != null;
  }

  /** The watched service. */
  public String service() {
    return service;
  }

  /**
   * Marks the watch as read, so it does not retire as idle. The hot path: one volatile read, and
   * a write only the first time after the loop cleared the mark.
   */
  public void touch() {
    if (!used) {
      used = true;
    }
  }

  /** The current snapshot, or null before the first good answer. The hot path: one volatile read. */
  public List<ServiceInstance> snapshot() {
    return snapshot;
  }

  /** The last failure since the last good answer, or null. */
  public ConsulFailure lastFailure() {
    return failures.last();
  }

  /**
   * What was thrown by the last failed query since the last good answer (an SSL handshake
   * failure, say), or null: none, or one whose chain mentions the token.
   */
  public Throwable lastFailureCause() {
    return failures.lastCause();
  }

  /**
   * Waits up to {@code timeout} for the first good answer.
   *
   * @return the snapshot, or null if none arrived in time (or the watch was stopped)
   */
  public List<ServiceInstance> awaitFirstLoad(Duration timeout) throws InterruptedException {
    firstLoad.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return snapshot;
  }

  /**
   * Adds a listener; it hears the current list at once if one is known and not empty.
   *
   * @return the subscription, or null if this watch has retired as idle (subscribe to a new one)
   */
  public Subscription subscribe(ServiceChangeListener listener) {
    WatchSubscriber sub = new WatchSubscriber(service, listener,
        MoreExecutors.newSequentialExecutor(settings.listenerExecutor()), () -> stopped);
    synchronized (lock) {
      if (retired) {
        return null;
      }
      subs.add(sub);
      List<ServiceInstance> now = snapshot;
      if (now != null && !now.isEmpty()) {
        sub.deliver(ServiceChange.between(service, List.of(), now));
      }
    }
    return () -> {
      sub.active = false;
      subs.remove(sub);
    };
  }

  /** Stops the loop: no more queries, no more notifications. Does not wait. */
  public void stop() {
    stopped = true;
    for (WatchSubscriber s : subs) {
      s.active = false;
    }
    firstLoad.countDown(); // wake readers waiting for a first load that will not come
    if (view != null) {
      view.remove(this);
    } else {
      thread.interrupt();
    }
  }

  /** Waits up to {@code millis} for the loop thread to end (a shared watch has none). */
  public boolean join(long millis) throws InterruptedException {
    if (thread == null) {
      return true;
    }
    thread.join(millis);
    return !thread.isAlive();
  }

  /**
   * Shared mode: one plain read of the service on a fetch thread of the view, applied like a
   * long poll's answer. Fetches of one watch run one at a time, so a newer answer is never
   * overwritten by an older one.
   *
   * @return the backoff before the view should fetch again after a failure, or 0 when done
   */
  long fetchOnce() {
    synchronized (fetchLock) {
      if (stopped) {
        return 0;
      }
      fetchStartedNanos = System.nanoTime();
      try {
        HealthAnswer r = query(null);
        if (stopped) {
          return 0;
        }
        ConsulFailure refused = refusal(r);
        if (refused != null) {
          return failures.failedSafely(refused, ++fetchFailures);
        }
        if (fetchFailures > 0) {
          LOG.info("watch of '{}' recovered after {} failed fetches: serving Consul's answer again", service,
              fetchFailures);
        }
        fetchFailures = 0;
        failures.clear();
        if (r.entries().isEmpty()) {
          consul.anonymousUnderAcl();
        }
        BigInteger got = r.index() == null ? BigInteger.ONE : r.index();
        applied(r.entries(), got.longValue(), r.knownLeader(), r.lastContactMillis());
        fetchedIndex = got.longValue();
        return 0;
      } catch (Throwable e) {
        if (stopped) {
          return 0;
        }
        return failures.failedSafely(failures.thrown(e), ++fetchFailures);
      }
    }
  }

  /**
   * The {@code X-Consul-Index} of the last answer {@link #fetchOnce()} applied: for
   * {@code /v1/health/service/<name>}, the index of the service's last change (its instances or
   * their checks) that the answer includes. 0 before the first.
   */
  long fetchedIndex() {
    return fetchedIndex;
  }

  /** When the last {@link #fetchOnce()} sent its query ({@link System#nanoTime()}); never fetched: long ago. */
  long fetchStartedNanos() {
    return fetchStartedNanos;
  }

  /** Why an answer cannot be applied (no leader, no body), or null when it can. */
  ConsulFailure refusal(HealthAnswer r) {
    boolean stale = settings.consistency() == ConsistencyMode.STALE;
    if (!r.knownLeader() && (!stale || r.entries() == null || r.entries().isEmpty())) {
      return ConsulFailure.noLeader();
    }
    return r.entries() == null ? ConsulFailure.badResponse("a null body") : null;
  }

  /** Shared mode: retires the watch when idle (see {@link #retiresIdle()}); true if it did. */
  boolean retireIfIdle() {
    if (stopped || !retiresIdle()) {
      return false;
    }
    logRetired();
    view.remove(this);
    onRetired.accept(this);
    return true;
  }

  /** Long poll mode: the loop starts counting idle time. */
  void startIdleClock() {
    idleSinceNanos = settings.ticker().read();
  }

  /** Whether {@link #stop()} was called or the watch retired. */
  boolean stopped() {
    return stopped;
  }

  /** Long poll mode: {@link #retiresIdle()} said yes; tells the owner, on the loop thread. */
  void retired() {
    logRetired();
    onRetired.accept(this);
  }

  private void logRetired() {
    LOG.info("watch of '{}' stopped: nobody asked for the service for {} (watchIdleTimeout); the next call starts it again",
        service, settings.idleTimeout());
  }

  /** True when nobody read nor subscribed for idleTimeout: the watch is then retired and stopped. */
  boolean retiresIdle() {
    long timeout = settings.idleTimeout().toNanos();
    if (timeout <= 0) {
      return false;
    }
    long now = settings.ticker().read();
    if (used || !subs.isEmpty()) {
      used = false;
      idleSinceNanos = now;
      return false;
    }
    if (now - idleSinceNanos < timeout) {
      return false;
    }
    synchronized (lock) {
      if (!subs.isEmpty()) {
        return false;
      }
      retired = true;
      stopped = true;
    }
    firstLoad.countDown();
    return true;
  }

  /**
   * A blocking query on {@code index} with a jittered wait, or a plain read when {@code index} is
   * null ({@link HealthQuery}: streamed, only the fields an instance needs).
   */
  HealthAnswer query(BigInteger index) throws java.io.IOException {
    String wait = index == null ? null : Backoff.jitteredWait(settings.queryWait(), settings.nextRandom());
    return HealthQuery.read(consul, service, settings, index, wait, answers);
  }

  /** Applies a good answer; true when its content differed from the snapshot. */
  boolean applied(List<HealthEntry> answer, long index, boolean knownLeader, long lastContactMillis) {
    Map<HealthEntry, ServiceInstance> nowBuilt = new IdentityHashMap<>(answer.size()); // sized for that many entries
    List<ServiceInstance> next = HealthEntries.toInstances(service, answer, snapshot, built, nowBuilt);
    built = nowBuilt;
    boolean changed;
    synchronized (lock) {
      List<ServiceInstance> previous = snapshot;
      changed = previous == null || !HealthEntries.sameContent(previous, next);
      if (changed) {
        snapshot = next;
        ServiceChange change = ServiceChange.between(service, previous == null ? List.of() : previous, next);
        // The first load of an unknown service tells nobody of "nothing".
        if (previous != null || !next.isEmpty()) {
          for (WatchSubscriber s : subs) {
            s.deliver(change);
          }
        }
      }
    }
    firstLoad.countDown();
    if (settings.events() != null) {
      Events.publish(settings.events(), new WatchSyncedEvent(service, System.currentTimeMillis(),
          next.size(), index, changed, knownLeader, Duration.ofMillis(Math.max(0, lastContactMillis))));
    }
    return changed;
  }

  @Override
  public String toString() {
    List<ServiceInstance> s = snapshot;
    return "Watch{" + service + ", " + (s == null ? "not loaded" : s.size() + " instances") + "}";
  }
}
