package io.mesh4j.discovery.internal;

import io.mesh4j.discovery.ConsistencyMode;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.State;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches any number of services of one datacenter with two blocking queries and a few fetch
 * threads, instead of one long poll (one thread, one connection) per service (issue 15, part 4;
 * {@code docs/scaling.md}, "Watching many services").
 *
 * <ul>
 *   <li>{@code /v1/health/state/any?index=} answers when any health check of the datacenter is
 *       added, removed or changes (Consul 1.8 moves its index on the checks table only). Its
 *       answer is filtered on the server ({@code ?filter=}, Consul 1.4+) to the watched services'
 *       checks and the node-level ones ({@link HealthFilter}), so its size follows the watched
 *       services, not the datacenter; above {@link HealthFilter#MAX_CHARS} characters of filter,
 *       or after an agent refused a filter, the view reads every check. Per
 *       service, the view keeps a digest of its checks (node, check id, service id, status;
 *       not the output, which churns without changing who passes); a watched service whose
 *       digest changed is fetched again. A node-level check that changed (serfHealth) may change
 *       every service on the node, so every watched service is fetched.</li>
 *   <li>{@code /v1/catalog/services?index=} answers when any registration changes (the services
 *       table). A service whose tags changed, or that appeared or vanished, is fetched. Unless the
 *       health view has named a changed service by the time it reaches the catalog's index, every
 *       watched service is fetched too, even when the catalog's own diff named one: the answer may
 *       hold registrations that neither view names (an instance without checks added, an address
 *       changed), possibly in the same write as a new service. Rare in a mesh whose instances
 *       carry checks, since a new instance's check names its service. Known limit: such an
 *       unnamed registration whose catalog answer also holds a health change of another watched
 *       service is taken as explained, and waits for the service's next change.</li>
 *   <li>Fetches are plain reads of {@code /v1/health/service/<name>} with the watch's filters,
 *       on {@link #FETCH_THREADS} threads; a failed fetch is retried after the watch's backoff,
 *       unless a view query is failing too (the agent is away: the view's recovery fetches all).
 *       A watch being fetched is not queued twice. A fetch that read a change the health view had
 *       not yet processed is confirmed by one more once it has ({@link #confirmIfNewer}): a check
 *       that failed and recovered between two health answers leaves no trace in their diff.</li>
 *   <li>A failed view query backs off like a watch and, once answered again, fetches every
 *       watched service (changes may have been missed meanwhile); a watch keeps serving its last
 *       list throughout.</li>
 * </ul>
 *
 * <p>Threads start with the first watch and end at {@link #stop()}. Thread safe.
 */
final class SharedView {
  private static final Logger LOG = LoggerFactory.getLogger(SharedView.class);
  /** Threads that fetch changed services and check idleness. */
  static final int FETCH_THREADS = 3;
  private static final long IDLE_CHECK_MILLIS = 1_000;
  private static final long CATALOG_SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final ConsulHandle consul;
  private final WatchSettings settings;
  private final NamedThreadFactory threads;
  private final ConcurrentHashMap<String, Watch> watched = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Watch, AtomicBoolean> queued = new ConcurrentHashMap<>();
  private final Object progress = new Object(); // guards the four fields below
  private BigInteger healthIndex = BigInteger.ZERO;
  private long healthNamedChanges; // diffs that named a service, ever
  private final Map<Watch, Long> confirms = new HashMap<>(); // fetched index, per watch to confirm
  private ScheduledThreadPoolExecutor fetchers;
  private Thread healthThread;
  private Thread catalogThread;
  private final java.util.concurrent.atomic.AtomicInteger failingLoops = new java.util.concurrent.atomic.AtomicInteger();
  private final AtomicLong namesAdded = new AtomicLong();
  private final AtomicLong checksRead = new AtomicLong();
  private final AtomicLong healthRounds = new AtomicLong();
  private volatile boolean filterRefused;
  private volatile boolean stopped;

  SharedView(ConsulHandle consul, WatchSettings settings, NamedThreadFactory threads) {
    this.consul = consul;
    this.settings = settings;
    this.threads = threads;
  }

  /** Adds {@code w} and fetches its list at once; starts the view with its first watch. */
  void add(Watch w) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      if (fetchers == null) {
        fetchers = new ScheduledThreadPoolExecutor(FETCH_THREADS, r -> threads.newThread(r, "fetch"));
        fetchers.setRemoveOnCancelPolicy(true);
        fetchers.scheduleWithFixedDelay(this::retireIdle, IDLE_CHECK_MILLIS, IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        healthThread = threads.newThread(this::healthLoop, "view-health");
        catalogThread = threads.newThread(this::catalogLoop, "view-catalog");
        healthThread.start();
        catalogThread.start();
      }
    }
    if (watched.put(w.service(), w) == null) {
      namesAdded.incrementAndGet(); // the health view's next query filters on the new name too
    }
    queued.put(w, new AtomicBoolean());
    fetch(w, 0);
  }

  /** Forgets {@code w}: no more fetches. */
  void remove(Watch w) {
    watched.remove(w.service(), w);
    queued.remove(w);
    synchronized (progress) {
      confirms.remove(w);
    }
  }

  /** How many watches the view drives. */
  int size() {
    return watched.size();
  }

  /** Health check entries the health view has read, ever (for tests and benchmarks). */
  long checksRead() {
    return checksRead.get();
  }

  /** Answers the health view has read, ever. */
  long healthRounds() {
    return healthRounds.get();
  }

  /** Queues a fetch of {@code w} after {@code delayNanos}, unless one is queued already. */
  private void fetch(Watch w, long delayNanos) {
    AtomicBoolean q = queued.get(w);
    ScheduledThreadPoolExecutor f = fetchers;
    if (q == null || f == null || stopped || !q.compareAndSet(false, true)) {
      return;
    }
    try {
      f.schedule(() -> {
        q.set(false); // a change seen from now on queues another fetch
        long seen = processedHealthIndex();
        long retry = w.fetchOnce();
        if (retry == 0) {
          confirmIfNewer(w, seen);
        } else if (failingLoops.get() == 0) {
          // While a view query fails too, the agent is likely away: the view's recovery fetches
          // every watch then, so a thousand watches do not each retry against a down agent.
          fetch(w, retry);
        }
      }, delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      q.set(false); // stopping
    }
  }

  private long processedHealthIndex() {
    synchronized (progress) {
      return healthIndex.longValue();
    }
  }

  /**
   * A fetch that read a change the health view had not processed when the fetch began may hold a
   * passing moment: a check that went critical and back between two health answers leaves both
   * answers alike, so their diff names nothing, yet the fetch in between read "critical". Such a
   * fetch is confirmed by one more once the health view has processed an answer at least as new
   * as the fetched index (at once if it already has). A fetch whose index the view had processed
   * before it began read the state of that answer, which the diffs carry on from: no confirmation.
   * One confirmation per change of the service, so a watch cannot loop on it.
   */
  private void confirmIfNewer(Watch w, long seenBefore) {
    long got = w.fetchedIndex();
    if (got <= seenBefore) {
      return;
    }
    boolean now;
    synchronized (progress) {
      now = healthIndex.longValue() >= got;
      if (!now) {
        confirms.put(w, got);
      }
    }
    if (now) {
      fetch(w, 0);
    }
  }

  private void fetch(String service) {
    Watch w = watched.get(service);
    if (w != null) {
      fetch(w, 0);
    }
  }

  private void fetchAll() {
    watched.values().forEach(w -> fetch(w, 0));
  }

  /**
   * After a loop's first answer (its baseline): fetches the watches whose last fetch started
   * before that answer arrived, since a change between their read and the baseline would
   * otherwise go unseen. Watches added later read after the baseline: no second fetch.
   */
  private void fetchReadBefore(long answeredNanos) {
    for (Watch w : watched.values()) {
      if (answeredNanos - w.fetchStartedNanos() >= 0) {
        fetch(w, 0);
      }
    }
  }

  private void retireIdle() {
    for (Watch w : watched.values()) {
      try {
        w.retireIfIdle();
      } catch (RuntimeException e) {
        LOG.debug("idle check of '{}' failed: {}", w.service(), e.toString());
      }
    }
  }

  private void healthLoop() {
    new Loop("health state") {
      private Map<String, Long> digests; // per service name, or "\n" + node for node checks

      @Override
      BigInteger round(BigInteger index, boolean fresh) {
        long added = namesAdded.get();
        String filter = filterRefused ? null : HealthFilter.of(watched.keySet());
        ConsulResponse<List<HealthCheck>> r;
        try {
          r = consul.consul().healthClient().getChecksByState(State.ANY, options(index, filter));
        } catch (ConsulException e) {
          if (filter == null || !HealthFilter.refused(e)) {
            throw e;
          }
          filterRefused = true;
          LOG.warn("Consul refused the shared watch view's health check filter (HTTP {}); the view reads every "
              + "check of the datacenter from now on", e.getCode());
          return BigInteger.ZERO; // at once, unfiltered
        }
        if (!accepted(r)) {
          return null;
        }
        checksRead.addAndGet(r.getResponse().size());
        healthRounds.incrementAndGet();
        Map<String, Long> next = new HashMap<>();
        for (HealthCheck c : r.getResponse()) {
          String key = c.getServiceName().filter(s -> !s.isEmpty()).orElse("\n" + c.getNode());
          long h = Objects.hash(c.getNode(), c.getCheckId(), c.getServiceId().orElse(""), c.getStatus());
          next.merge(key, h * 0x9E3779B97F4A7C15L + 1, Long::sum);
        }
        boolean named = false;
        if (fresh) {
          fetchAll();
        } else if (digests != null) { // the first answer is the baseline: fetches before it are confirmed
          boolean nodes = false;
          for (String k : union(digests, next)) {
            if (!Objects.equals(digests.get(k), next.get(k))) {
              if (k.startsWith("\n")) {
                nodes = true;
              } else {
                named = true;
                fetch(k);
              }
            }
          }
          if (nodes) {
            fetchAll();
          }
        }
        digests = next;
        List<Watch> due = new java.util.ArrayList<>();
        synchronized (progress) {
          healthIndex = index(r);
          healthNamedChanges += named ? 1 : 0;
          long processed = healthIndex.longValue();
          if (fresh) {
            confirms.clear(); // every watch is being fetched again
          }
          confirms.entrySet().removeIf(e -> e.getValue() <= processed && due.add(e.getKey()));
          progress.notifyAll();
        }
        due.forEach(w -> fetch(w, 0));
        // A watch added while this query waited was not in its filter: a change of its checks
        // woke the query (the index moves on any check) but is not in this answer. Read again at
        // once (index 0: no wait) with the new filter, so its checks enter the digests now.
        return namesAdded.get() != added ? BigInteger.ZERO : index(r);
      }
    }.run();
  }

  private void catalogLoop() {
    new Loop("catalog services") {
      private Map<String, List<String>> last;

      @Override
      BigInteger round(BigInteger index, boolean fresh) throws InterruptedException {
        long namedBefore;
        synchronized (progress) {
          namedBefore = healthNamedChanges;
        }
        ConsulResponse<Map<String, List<String>>> r = consul.consul().catalogClient().getServices(options(index, null));
        long answered = System.nanoTime();
        if (!accepted(r)) {
          return null;
        }
        BigInteger got = index(r);
        Map<String, List<String>> next = r.getResponse();
        if (!fresh && last != null && got.compareTo(index) > 0) {
          for (String s : union(last, next)) {
            if (!Objects.equals(last.get(s), next.get(s))) {
              fetch(s);
            }
          }
          // What the diff names is not the whole answer: it may hold other registrations (one
          // write can register a new service and an instance without checks of a watched one).
          if (!explainedByHealth(got, namedBefore)) {
            fetchAll();
          }
        } else if (fresh) {
          fetchAll();
        } else if (last == null) {
          fetchReadBefore(answered);
        }
        last = next;
        return got;
      }
    }.run();
  }

  /**
   * Whether the health view, once it reached {@code index}, named a changed service since
   * {@code namedBefore}: then a registration that moved the catalog was one with a check, and
   * its service is being fetched already.
   */
  private boolean explainedByHealth(BigInteger index, long namedBefore) throws InterruptedException {
    long deadline = System.nanoTime() + CATALOG_SETTLE_NANOS;
    synchronized (progress) {
      while (healthIndex.compareTo(index) < 0 && !stopped) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return healthNamedChanges > namedBefore;
    }
  }

  private QueryOptions options(BigInteger index, String filter) {
    ImmutableQueryOptions.Builder q = ImmutableQueryOptions.builder().filter(Optional.ofNullable(filter))
        .wait(Backoff.jitteredWait(settings.queryWait(), settings.nextRandom())).index(index)
        .consistencyMode(ConsulModes.of(settings.consistency()));
    if (settings.datacenter() != null) {
      q.datacenter(settings.datacenter());
    }
    return q.build();
  }

  /** An answer from a known leader (or any non-empty one in stale mode) with a body. */
  private boolean accepted(ConsulResponse<?> r) {
    boolean stale = settings.consistency() == ConsistencyMode.STALE;
    return r.getResponse() != null && (r.isKnownLeader() || stale);
  }

  private static BigInteger index(ConsulResponse<?> r) {
    BigInteger got = r.getIndex();
    return got == null || got.signum() <= 0 ? BigInteger.ONE : got;
  }

  private static <V> java.util.Set<String> union(Map<String, V> a, Map<String, V> b) {
    java.util.Set<String> all = new java.util.HashSet<>(a.keySet());
    all.addAll(b.keySet());
    return all;
  }

  /** Stops both loops and the fetch threads; does not wait. */
  synchronized void stop() {
    stopped = true;
    if (fetchers != null) {
      fetchers.shutdownNow();
      healthThread.interrupt();
      catalogThread.interrupt();
    }
    synchronized (progress) {
      progress.notifyAll();
    }
  }

  /** Waits up to {@code millis} for every thread of the view to end. */
  boolean join(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    ScheduledThreadPoolExecutor f;
    Thread h;
    Thread c;
    synchronized (this) {
      f = fetchers;
      h = healthThread;
      c = catalogThread;
    }
    if (f == null) {
      return true;
    }
    f.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    h.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    c.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    return f.isTerminated() && !h.isAlive() && !c.isAlive();
  }

  /**
   * One blocking-query loop: index handling, pacing and backoff as in {@link Watch}, and after a
   * failure a plain read ({@code fresh}) that fetches every watched service.
   */
  private abstract class Loop {
    private final String what;

    Loop(String what) {
      this.what = what;
    }

    /** One query on {@code index}; the next index, or null when the answer was refused. */
    abstract BigInteger round(BigInteger index, boolean fresh) throws InterruptedException;

    void run() {
      BigInteger index = BigInteger.ZERO;
      int failures = 0;
      boolean fresh = false;
      while (!stopped) {
        long started = settings.ticker().read();
        long delay;
        try {
          BigInteger got = round(index, fresh);
          if (stopped) {
            break;
          }
          if (got == null) {
            failures++;
            fresh = true;
            delay = failed(ConsulFailure.noLeader(), failures);
          } else {
            if (failures > 0) {
              LOG.info("shared watch view ({}) recovered after {} failed rounds", what, failures);
              failingLoops.decrementAndGet();
            }
            failures = 0;
            fresh = false;
            index = got.compareTo(index) < 0 ? BigInteger.ZERO : got;
            delay = Backoff.minIntervalDelayNanos(settings.ticker().read() - started,
                settings.minQueryInterval().toNanos(), settings.nextRandom());
          }
        } catch (InterruptedException e) {
          continue; // stop() sets stopped first; anyone else's interrupt is ignored
        } catch (Throwable e) {
          if (stopped) {
            break;
          }
          failures++;
          index = BigInteger.ZERO;
          fresh = true;
          delay = failed(consul.failure(e), failures);
        }
        if (delay > 0 && !pause(delay)) {
          break;
        }
      }
    }

    private long failed(ConsulFailure f, int failures) {
      consul.warnIfAgentLimit(f);
      if (failures == 1) {
        failingLoops.incrementAndGet();
        LOG.warn("shared watch view ({}) is failing ({}): the {} services it watches keep their last known "
            + "instances until Consul answers again", what, f.message(), watched.size());
      }
      return Backoff.errorDelayNanos(failures, settings.backoffMin().toNanos(), settings.backoffMax().toNanos(),
          settings.nextRandom());
    }

    private boolean pause(long nanos) {
      long deadline = System.nanoTime() + nanos;
      for (long left = nanos; left > 0 && !stopped; left = deadline - System.nanoTime()) {
        try {
          TimeUnit.NANOSECONDS.sleep(left);
        } catch (InterruptedException e) {
          // checked by the loop
        }
      }
      return !stopped;
    }
  }
}
