package io.mesh4j.discovery.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The watches of one discovery, by key: each created and started once however many callers race
 * for it, removed when it retires as idle, and all stopped by {@link #stopAll()}, including one
 * started while that runs. Shared by {@code ConsulDiscovery} (a key per service) and
 * {@link DatacenterFailover} (a key per service and datacenter). Thread safe.
 */
public final class Watches {
  private final ConcurrentHashMap<String, Watch> map = new ConcurrentHashMap<>();
  private final ConsulHandle consul;
  private final NamedThreadFactory threads;
  private final SharedView view; // null: every watch polls on its own
  private final int sharedAbove;
  private volatile boolean stopped;

  /** Watches querying through {@code consul}, each with a long poll on a thread from {@code threads}. */
  public Watches(ConsulHandle consul, NamedThreadFactory threads) {
    this(consul, threads, null, Integer.MAX_VALUE);
  }

  /**
   * Watches querying through {@code consul}: while at most {@code sharedAbove} watches exist, a
   * new one gets a long poll on a thread of its own; past that, new watches of
   * {@code viewSettings}' datacenter share one {@link SharedView} (two long polls, a few fetch
   * threads). A watch keeps its mode until it retires.
   */
  public Watches(ConsulHandle consul, NamedThreadFactory threads, WatchSettings viewSettings, int sharedAbove) {
    this.consul = consul;
    this.threads = threads;
    this.view = viewSettings == null ? null : new SharedView(consul, viewSettings, threads);
    this.sharedAbove = sharedAbove;
  }

  /** The watch under {@code key}, or null. The hot path: one map read. */
  public Watch get(String key) {
    return map.get(key);
  }

  /** What {@link #getOrStart} found: the watch, and whether this call created and started it. */
  public record Got(Watch watch, boolean created) {}

  /**
   * The watch under {@code key}: the existing one, or a watch of {@code service} with
   * {@code settings}, created and started here. Null once {@link #stopAll()} has run.
   */
  public Got getOrStart(String key, String service, WatchSettings settings) {
    if (stopped) {
      return null;
    }
    boolean[] created = {false};
    Watch w = map.computeIfAbsent(key, k -> {
      created[0] = true;
      boolean share = view != null && map.size() >= sharedAbove;
      return new Watch(service, settings, consul, threads, share ? view : null, retired -> map.remove(k, retired));
    });
    if (created[0]) {
      w.start();
      if (stopped) { // stopAll() raced with us and may have missed this watch
        w.stop();
      }
    }
    return new Got(w, created[0]);
  }

  /** Forgets {@code w} under {@code key} (it retired as idle just as a caller got it). */
  public void remove(String key, Watch w) {
    map.remove(key, w);
  }

  /** The keys watched now. */
  public Set<String> keys() {
    return Set.copyOf(map.keySet());
  }

  /** How many watches there are now. */
  public int size() {
    return map.size();
  }

  /** Health check entries the shared view's answers held, ever (0 without a view): for tests and benchmarks. */
  public long viewChecksRead() {
    return view == null ? 0 : view.checksRead();
  }

  /** Answers the shared view's health query has read, ever. */
  public long viewHealthRounds() {
    return view == null ? 0 : view.healthRounds();
  }

  /** How many watches a shared view drives now (the others poll on their own). */
  public int sharedCount() {
    return view == null ? 0 : view.size();
  }

  /** Stops every watch (no more queries, no more notifications) and returns them, to be joined. */
  public List<Watch> stopAll() {
    stopped = true;
    List<Watch> all = new ArrayList<>(map.values());
    all.forEach(Watch::stop);
    if (view != null) {
      view.stop();
    }
    return all;
  }

  /** Waits up to {@code millis} for the shared view's threads to end; true when none is left. */
  public boolean joinView(long millis) throws InterruptedException {
    return view == null || view.join(millis);
  }
}
