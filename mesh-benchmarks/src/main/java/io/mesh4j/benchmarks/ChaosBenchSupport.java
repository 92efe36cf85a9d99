package io.mesh4j.benchmarks;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.benchmarks.ClientBenchSupport.Instance;
import io.mesh4j.benchmarks.ClientBenchSupport.Latencies;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.testkit.FaultProxy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * What the fault benchmarks (blackhole, slow-drip, hedging-amplification) share: loopback
 * instances each behind its own {@link FaultProxy}, a listener that records what the client's
 * events say (ejections with their time, failed and overtaken attempts per instance, hedges), and
 * an open-loop runner that sends each call at its scheduled time with {@code executeAsync} and
 * measures its latency from that scheduled time (no coordinated omission: a stalled client or a
 * stuck call cannot hold back the schedule).
 */
final class ChaosBenchSupport {
  private ChaosBenchSupport() {}

  /** Loopback instances, each behind its own fault proxy; the discovery lists the proxies. */
  static final class ProxiedInstances implements AutoCloseable {
    final List<Instance> instances = new ArrayList<>();
    final List<FaultProxy> proxies = new ArrayList<>();
    final List<ServiceInstance> registered = new ArrayList<>();
    final StaticServiceDiscovery discovery;

    /** {@code count} instances of {@code service} made by {@code factory}, each behind a proxy. */
    ProxiedInstances(String service, int count, InstanceFactory factory) throws IOException {
      try {
        for (int i = 0; i < count; i++) {
          Instance in = factory.create(i);
          instances.add(in);
          FaultProxy proxy = FaultProxy.start("127.0.0.1", in.port());
          proxies.add(proxy);
          registered.add(ServiceInstance.newBuilder().serviceName(service).id(service + "-" + i).host(proxy.host())
              .port(proxy.port()).build());
        }
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
      discovery = StaticServiceDiscovery.of(service, registered);
    }

    /** Requests the instances received, all together. */
    long requests() {
      long sum = 0;
      for (Instance in : instances) {
        sum += in.requests();
      }
      return sum;
    }

    /** Requests the instances delayed on purpose, all together. */
    long delayed() {
      long sum = 0;
      for (Instance in : instances) {
        sum += in.delayed();
      }
      return sum;
    }

    @Override
    public void close() {
      proxies.forEach(FaultProxy::close);
      instances.forEach(Instance::close);
    }
  }

  /** Makes instance number {@code i}. */
  @FunctionalInterface
  interface InstanceFactory {
    Instance create(int i) throws IOException;
  }

  /**
   * Records the client's resilience events: ejections and returns (with seconds since
   * {@link #epoch}), failed attempts, and hedges sent because an attempt on an instance was slow.
   */
  static final class EventLog implements MeshEventListener {
    private volatile long epochNanos = System.nanoTime();
    private final Queue<Line> lines = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> firstEjection = new ConcurrentHashMap<>();
    private final Queue<Ejection> ejections = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> failedAttempts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> hedgesFrom = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failureKinds = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> attempts = new ConcurrentHashMap<>();
    private final Map<String, Long> slowestSuccess = new ConcurrentHashMap<>();
    private final LongAdder hedges = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder budgetRefusals = new LongAdder();

    /**
     * Forgets the counts and first ejections; times are now measured from {@code nanos} (a
     * System.nanoTime value). Ejection and return lines are kept (earlier ones show negative times).
     */
    void epoch(long nanos) {
      firstEjection.clear();
      failedAttempts.clear();
      failureKinds.clear();
      attempts.clear();
      slowestSuccess.clear();
      hedgesFrom.clear();
      hedges.reset();
      retries.reset();
      budgetRefusals.reset();
      epochNanos = nanos;
    }

    @Override
    public void onEvent(MeshEvent e) {
      long now = System.nanoTime();
      if (e instanceof ResilienceEvent.AttemptFinished a) {
        if (a.instance() != null) {
          attempts.computeIfAbsent(a.instance().id(), k -> new LongAdder()).increment();
          if (a.outcome().isSuccess()) {
            slowestSuccess.merge(a.instance().id(), a.durationNanos(), Math::max);
          }
        }
        if (!a.outcome().isSuccess() && a.instance() != null) {
          failedAttempts.computeIfAbsent(a.instance().id(), k -> new LongAdder()).increment();
          Throwable err = a.error();
          String kind = a.instance().id() + ": " + (err == null ? "outcome " + a.outcome()
              : err.getClass().getSimpleName() + ": " + err.getMessage());
          failureKinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }
      } else if (e instanceof ResilienceEvent.HedgeSent h) {
        hedges.increment();
        if (h.slowInstance() != null) {
          hedgesFrom.computeIfAbsent(h.slowInstance().id(), k -> new LongAdder()).increment();
        }
      } else if (e instanceof ResilienceEvent.RetryScheduled) {
        retries.increment();
      } else if (e instanceof ResilienceEvent.RetryBudgetExhausted) {
        budgetRefusals.increment();
      } else if (e instanceof ResilienceEvent.InstanceEjected ej) {
        firstEjection.putIfAbsent(ej.instance().id(), now);
        ejections.add(new Ejection(ej.instance().id(), now));
        lines.add(new Line(now, String.format("ejected %s at %%.3f s for %.1f s (%s)", ej.instance().id(),
            ej.ejectionTime().toMillis() / 1e3, ej.reason())));
      } else if (e instanceof ResilienceEvent.InstanceReturned r) {
        lines.add(new Line(now, "returned " + r.instance().id() + " at %.3f s"));
      }
    }

    /** An ejection of instance {@code id} at {@code nanos} (System.nanoTime). */
    record Ejection(String id, long nanos) {}

    /** Failed attempts (not overtaken ones) by instance and error, one line each. */
    List<String> failedAttemptLines() {
      List<String> out = new ArrayList<>();
      new TreeMap<>(failureKinds).forEach((k, v) -> out.add(v.sum() + " x " + k));
      return out;
    }

    /** Every ejection since this log was made (epochs do not clear them). */
    List<Ejection> ejections() {
      return new ArrayList<>(ejections);
    }

    /** An ejection or return: when, and its text with a {@code %.3f} for the time since the epoch. */
    private record Line(long nanos, String format) {}

    /** When {@code instanceId} was first ejected since the epoch (System.nanoTime), or -1. */
    long firstEjectionNanos(String instanceId) {
      Long t = firstEjection.get(instanceId);
      return t == null ? -1 : t;
    }

    long failedAttempts(String instanceId) {
      LongAdder a = failedAttempts.get(instanceId);
      return a == null ? 0 : a.sum();
    }

    /** Attempts on {@code instanceId} that finished (not overtaken ones), whatever their outcome. */
    long attempts(String instanceId) {
      LongAdder a = attempts.get(instanceId);
      return a == null ? 0 : a.sum();
    }

    /** The longest successful attempt on {@code instanceId} since the epoch, in ms; 0 when none. */
    double slowestSuccessMillis(String instanceId) {
      Long n = slowestSuccess.get(instanceId);
      return n == null ? 0 : n / 1e6;
    }

    long hedgesFrom(String instanceId) {
      LongAdder a = hedgesFrom.get(instanceId);
      return a == null ? 0 : a.sum();
    }

    long hedges() {
      return hedges.sum();
    }

    long retries() {
      return retries.sum();
    }

    long budgetRefusals() {
      return budgetRefusals.sum();
    }

    /** Ejections and returns, with their time in seconds since the epoch (negative: before it). */
    List<String> lines() {
      List<String> out = new ArrayList<>();
      for (Line l : lines) {
        out.add(String.format(l.format, (l.nanos - epochNanos) / 1e9));
      }
      return out;
    }
  }

  /** One open-loop run: every call's latency from its scheduled send time, and which calls failed. */
  static final class OpenLoop {
    final int rate;
    final long startNanos;
    final long[] latencyNanos;
    final boolean[] failed;
    final Map<String, Long> failures;
    final int unfinished;

    private OpenLoop(int rate, long startNanos, long[] latencyNanos, boolean[] failed, Map<String, Long> failures,
        int unfinished) {
      this.rate = rate;
      this.startNanos = startNanos;
      this.latencyNanos = latencyNanos;
      this.failed = failed;
      this.failures = failures;
      this.unfinished = unfinished;
    }

    int calls() {
      return latencyNanos.length;
    }

    /** Failed calls (an exception, a non-200 or no answer at all) scheduled in [fromSecond, toSecond). */
    long failed(double fromSecond, double toSecond) {
      long n = 0;
      for (int i = index(fromSecond); i < index(toSecond); i++) {
        if (failed[i]) {
          n++;
        }
      }
      return n;
    }

    long failed() {
      return failed(0, Double.MAX_VALUE);
    }

    /** Sorted latencies of the calls (failed ones included) scheduled in [fromSecond, toSecond). */
    long[] sorted(double fromSecond, double toSecond) {
      Latencies l = new Latencies();
      for (int i = index(fromSecond); i < index(toSecond); i++) {
        l.add(latencyNanos[i]);
      }
      return l.sorted();
    }

    /** The {@code q} quantile in milliseconds of the calls scheduled in [fromSecond, toSecond). */
    double millis(double q, double fromSecond, double toSecond) {
      return Latencies.quantile(sorted(fromSecond, toSecond), q) / 1e6;
    }

    private int index(double second) {
      return (int) Math.min(latencyNanos.length, Math.ceil(second * rate));
    }

    /** p50 / p99 / p99.9 / max of a window, for printing. */
    String describe(double fromSecond, double toSecond) {
      long[] s = sorted(fromSecond, toSecond);
      return String.format("p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%d calls, %d failed)",
          Latencies.quantile(s, 0.5) / 1e6, Latencies.quantile(s, 0.99) / 1e6, Latencies.quantile(s, 0.999) / 1e6,
          Latencies.quantile(s, 1.0) / 1e6, s.length, failed(fromSecond, toSecond));
    }

    /** One line per kind of failure. */
    List<String> failureLines() {
      List<String> out = new ArrayList<>();
      new TreeMap<>(failures).forEach((k, v) -> out.add(v + " x " + k));
      if (unfinished > 0) {
        out.add(unfinished + " x not answered at all within the drain time");
      }
      return out;
    }
  }

  /** A call of the open loop: the future of one request. */
  @FunctionalInterface
  interface AsyncCall {
    CompletableFuture<MeshResponse> send(int id);
  }

  /** {@code GET /items/{id}} through {@code client}, asynchronously. */
  static AsyncCall get(ServiceClient client) {
    return id -> client.get("/items/{id}", id).executeAsync();
  }

  /**
   * Sends {@code rate} calls per second for {@code seconds}, call i at {@code startNanos + i/rate},
   * each from this thread with {@code call.send} (asynchronous, so a stuck call holds nothing), then
   * waits up to {@code drainSeconds} for the last answers. A call fails when it ends in an exception,
   * answers other than 200, or is not answered by then (its latency is then the time waited).
   */
  static OpenLoop openLoop(AsyncCall call, int rate, int seconds, long startNanos, int drainSeconds)
      throws InterruptedException {
    int total = rate * seconds;
    long period = 1_000_000_000L / rate;
    long[] latency = new long[total];
    boolean[] failed = new boolean[total];
    boolean[] done = new boolean[total];
    Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    CountDownLatch finished = new CountDownLatch(total);
    for (int i = 0; i < total; i++) {
      long scheduled = startNanos + i * period;
      long wait;
      while ((wait = scheduled - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int id = i;
      CompletableFuture<MeshResponse> f;
      try {
        f = call.send(id);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((r, e) -> {
        long took = System.nanoTime() - scheduled;
        String why = null;
        if (e != null) {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          why = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        } else if (r.status() != 200) {
          why = "status " + r.status();
        }
        synchronized (done) {
          latency[id] = took;
          done[id] = true;
          if (why != null) {
            failed[id] = true;
            failures.computeIfAbsent(why, k -> new LongAdder()).increment();
          }
        }
        finished.countDown();
      });
    }
    finished.await(drainSeconds, TimeUnit.SECONDS);
    int unfinished = 0;
    long now = System.nanoTime();
    Map<String, Long> kinds = new TreeMap<>();
    synchronized (done) {
      for (int i = 0; i < total; i++) {
        if (!done[i]) {
          unfinished++;
          failed[i] = true;
          latency[i] = now - (startNanos + i * period);
        }
      }
      failures.forEach((k, v) -> kinds.put(k, v.sum()));
      return new OpenLoop(rate, startNanos, latency.clone(), failed.clone(), kinds, unfinished);
    }
  }

  /** A System.nanoTime value {@code millis} from now. */
  static long inMillis(long millis) {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Seconds from {@code from} to {@code to} (System.nanoTime values), or -1 when {@code to} is -1. */
  static double secondsBetween(long from, long to) {
    return to < 0 ? -1 : (to - from) / 1e9;
  }
}
