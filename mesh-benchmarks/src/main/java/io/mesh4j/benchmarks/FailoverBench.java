package io.mesh4j.benchmarks;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.benchmarks.ClientBenchSupport.Instance;
import io.mesh4j.benchmarks.ClientBenchSupport.Latencies;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.testkit.ConsulAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Failover under steady load. Three loopback instances of {@code orders} registered in a private
 * Consul agent with an HTTP health check every second, as deployments have (the agent takes the
 * killed instance out of the passing list about a second after the kill and back after the
 * restart; the client notices the failure itself first, by its refused connections). An open-loop load
 * of 300 GETs/s for 20 s (each call sent at its scheduled time from a pool of 64 threads, its
 * latency measured from that scheduled time, so a stalled client cannot hide its queue); at 5 s
 * one instance is killed (its listening socket and connections closed: connections are refused)
 * and at 12 s it is started again on the same port. Every call that ends in an exception or a
 * non-200 counts as failed.
 *
 * <p>Two runs, each with a fresh ServiceMeshClient (round robin, default retry, budget and
 * breaker): first with the default outlier ejection (30 s base ejection time; the restarted
 * instance comes back because discovery saw it leave and return, which cuts the ejection short),
 * then with the ejection time shortened to 1 s base, 3 s max. RESULTs:
 * {@code failover_return_s}, in the run with default settings, the seconds from the end of the
 * restart until the instance takes at least 25% of the traffic again (over the trailing 500 ms,
 * 100 ms steps; an instance not back by the end of the run is reported as the time it was
 * watched, a lower bound, and said so); and, last, {@code failover_failed_calls}, the failed calls
 * of both runs. The run is invalid (and throws) if the kill caused no failed attempt at all, since
 * then it did not test failover.
 *
 * <p>{@code scripts/bench.sh failover}
 */
public final class FailoverBench {
  private static final String SERVICE = "orders";
  private static final int RATE = 300;
  private static final int SECONDS = 20;
  private static final int KILL_AT = 5;
  private static final int RESTART_AT = 12;
  private static final int SHARE_FROM = 15;
  private static final int VICTIM = 1;

  private FailoverBench() {}

  /** Runs the benchmark; the last line is {@code RESULT failover_failed_calls=<n> calls}. */
  public static void main(String[] args) throws Exception {
    List<Instance> instances = new ArrayList<>();
    try (ConsulAgent agent = ConsulAgent.startPrivate();
        ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).build();
        ConsulDiscovery discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build()) {
      for (int i = 0; i < 3; i++) {
        Instance in = new Instance(0, 8);
        instances.add(in);
        registry.register(ServiceRegistration.of(ServiceInstance.newBuilder()
            .serviceName(SERVICE).id(SERVICE + "-" + i).host("127.0.0.1").port(in.port()).build(),
            HealthCheck.http("/health").interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500)).build()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (discovery.instances(SERVICE).size() < 3) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("3 instances never appeared in Consul discovery");
        }
        Thread.sleep(20);
      }
      System.out.printf("failover: %d GETs/s open loop for %d s over 3 Consul-registered loopback instances "
          + "(HTTP health check every 1 s), instance %d killed at %d s (connections refused) and restarted on the same port "
          + "at %d s; round robin, default retry (3 attempts), budget and breaker%n", RATE, SECONDS, VICTIM, KILL_AT,
          RESTART_AT);

      Run byDefault = run(discovery, instances, OutlierEjectionConfig.defaults(),
          "run 1: default outlier ejection (" + OutlierEjectionConfig.defaults().baseEjectionTime().toSeconds()
              + " s base ejection time)");
      OutlierEjectionConfig shortEjection = OutlierEjectionConfig.builder()
          .ejectionTime(Duration.ofSeconds(1), Duration.ofSeconds(3)).build();
      Run shortened = run(discovery, instances, shortEjection,
          "run 2: ejection time SHORTENED FOR THIS BENCHMARK to 1 s base, 3 s max (default 30 s / 300 s)");

      long failed = byDefault.failed + shortened.failed;
      System.out.printf("back to >= 25%% of the traffic after the restart: %s with the default ejection, %s with the "
          + "short one%n", byDefault.returnText(), shortened.returnText());
      System.out.printf("summary: failed calls %d (default ejection) + %d (short ejection); restarted instance's share "
          + "of traffic over %d-%d s: %.1f%% with the default ejection, %.1f%% with the short one (even share 33.3%%)%n",
          byDefault.failed, shortened.failed, SHARE_FROM, SECONDS, 100 * byDefault.lateShare,
          100 * shortened.lateShare);
      System.out.printf("target: 0 failed calls: %s%n", failed == 0 ? "met" : "MISSED");
      System.out.printf("RESULT failover_return_s=%.1f s (%s, default settings)%n", byDefault.returnSeconds,
          byDefault.returned ? "restart to >= 25% of traffic" : "NOT back by the end of the run: a lower bound");
      System.out.printf("RESULT failover_failed_calls=%d calls (both runs)%n", failed);
    } finally {
      instances.forEach(Instance::close);
    }
  }

  /** What one run measured. */
  private record Run(long failed, double lateShare, boolean returned, double returnSeconds) {
    String returnText() {
      return returned ? String.format("%.1f s", returnSeconds)
          : String.format("not within the %.1f s watched", returnSeconds);
    }
  }

  private static Run run(ConsulDiscovery discovery, List<Instance> instances, OutlierEjectionConfig ejection,
      String title) throws Exception {
    System.out.println(title);
    Instance victim = instances.get(VICTIM);
    LongAdder failedAttempts = new LongAdder();
    LongAdder retries = new LongAdder();
    LongAdder budgetRefusals = new LongAdder();
    List<String> ejections = new ArrayList<>();
    AtomicLong epoch = new AtomicLong(Long.MAX_VALUE);
    MeshEventListener listener = MeshEventListener.of(e -> {
      if (e instanceof ResilienceEvent.AttemptFinished && !((ResilienceEvent.AttemptFinished) e).outcome().isSuccess()) {
        failedAttempts.increment();
      } else if (e instanceof ResilienceEvent.RetryScheduled) {
        retries.increment();
      } else if (e instanceof ResilienceEvent.RetryBudgetExhausted) {
        budgetRefusals.increment();
      } else if (e instanceof ResilienceEvent.InstanceEjected) {
        ResilienceEvent.InstanceEjected ej = (ResilienceEvent.InstanceEjected) e;
        synchronized (ejections) {
          ejections.add(String.format("ejected %s at %.2f s for %.1f s (%s)", ej.instance().id(), since(epoch.get()),
              ej.ejectionTime().toMillis() / 1e3, ej.reason()));
        }
      } else if (e instanceof ResilienceEvent.InstanceReturned) {
        synchronized (ejections) {
          ejections.add(String.format("returned %s at %.2f s", ((ResilienceEvent.InstanceReturned) e).instance().id(),
              since(epoch.get())));
        }
      }
    });
    ExecutorService callers = Executors.newFixedThreadPool(64);
    ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).outlierEjection(ejection)
        .listener(listener).build()) {
      ServiceClient orders = mesh.service(SERVICE);
      for (int i = 0; i < 600; i++) { // warm-up: JIT and connections; all instances up
        orders.get("/orders/{id}", i).execute();
      }
      failedAttempts.reset();
      retries.reset();

      int total = RATE * SECONDS;
      long periodNanos = 1_000_000_000L / RATE;
      AtomicLong failed = new AtomicLong();
      Map<String, LongAdder> failures = new ConcurrentHashMap<>();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      epoch.set(start);
      for (Instance in : instances) {
        in.epoch(start);
      }
      Future<?> kill = chaos.schedule(victim::stop, start + TimeUnit.SECONDS.toNanos(KILL_AT) - System.nanoTime(),
          TimeUnit.NANOSECONDS);
      AtomicLong restartedAt = new AtomicLong();
      Future<?> restart = chaos.schedule(() -> {
        victim.start();
        restartedAt.set(System.nanoTime());
        return null;
      }, start + TimeUnit.SECONDS.toNanos(RESTART_AT) - System.nanoTime(), TimeUnit.NANOSECONDS);
      long[] nanos = new long[total];
      List<Future<?>> calls = new ArrayList<>(total);
      for (int i = 0; i < total; i++) {
        long scheduled = start + i * periodNanos;
        long wait;
        while ((wait = scheduled - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        int id = i;
        calls.add(callers.submit(() -> {
          try {
            int status = orders.get("/orders/{id}", id).execute().status();
            if (status != 200) {
              failed.incrementAndGet();
              failures.computeIfAbsent("status " + status, k -> new LongAdder()).increment();
            }
          } catch (RuntimeException e) {
            failed.incrementAndGet();
            failures.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), k -> new LongAdder())
                .increment();
          }
          nanos[id] = System.nanoTime() - scheduled;
        }));
      }
      for (Future<?> f : calls) {
        f.get(60, TimeUnit.SECONDS);
      }
      kill.get(5, TimeUnit.SECONDS);
      restart.get(10, TimeUnit.SECONDS);
      if (!victim.isRunning()) {
        throw new IllegalStateException("the killed instance was not restarted");
      }

      Latencies all = new Latencies();
      Latencies afterKill = new Latencies();
      for (int i = 0; i < total; i++) {
        all.add(nanos[i]);
        if (i >= KILL_AT * RATE && i < (KILL_AT + 1) * RATE) {
          afterKill.add(nanos[i]);
        }
      }
      long[] sorted = all.sorted();
      long[] sortedAfterKill = afterKill.sorted();
      System.out.printf("  calls %d, failed %d; attempts that failed and were retried elsewhere: %d (retries %d, "
          + "refused by the budget %d)%n", total, failed.get(), failedAttempts.sum(), retries.sum(),
          budgetRefusals.sum());
      new TreeMap<>(failures).forEach((k, v) -> System.out.printf("  failure: %d x %s%n", v.sum(), k));
      System.out.printf("  latency from the scheduled send time: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; "
          + "in the second after the kill: p99 %.2f ms, max %.2f ms%n", ms(sorted, 0.5), ms(sorted, 0.99),
          ms(sorted, 0.999), ms(sorted, 1.0), ms(sortedAfterKill, 0.99), ms(sortedAfterKill, 1.0));
      synchronized (ejections) {
        ejections.forEach(line -> System.out.println("  " + line));
      }
      StringBuilder timeline = new StringBuilder("  instance " + VICTIM + "'s share per second:");
      long lateVictim = 0;
      long lateAll = 0;
      for (int s = 0; s < SECONDS; s++) {
        long v = victim.inSecond(s);
        long sum = 0;
        for (Instance in : instances) {
          sum += in.inSecond(s);
        }
        timeline.append(String.format(" %d:%.0f%%", s, sum == 0 ? 0.0 : 100.0 * v / sum));
        if (s >= SHARE_FROM) {
          lateVictim += v;
          lateAll += sum;
        }
      }
      System.out.println(timeline);
      double lateShare = lateAll == 0 ? 0 : (double) lateVictim / lateAll;
      // First 100 ms step after the restart at which the trailing 500 ms gave the victim >= 25%.
      int restartTenth = (int) Math.ceil((restartedAt.get() - start) / 1e8);
      int endTenth = SECONDS * 10;
      boolean returned = false;
      double returnSeconds = (endTenth - restartTenth) / 10.0;
      for (int t = restartTenth + 5; t <= endTenth; t++) {
        long v = 0;
        long sum = 0;
        for (int u = t - 5; u < t; u++) {
          v += victim.inTenth(u);
          for (Instance in : instances) {
            sum += in.inTenth(u);
          }
        }
        if (sum > 0 && v * 4 >= sum) {
          returned = true;
          returnSeconds = (t - restartTenth) / 10.0;
          break;
        }
      }
      System.out.printf("  restarted instance's share of traffic over %d-%d s: %.1f%% (%d of %d requests; even share "
          + "33.3%%)%s%n", SHARE_FROM, SECONDS, 100 * lateShare, lateVictim, lateAll,
          lateShare < 0.01 ? " -- still ejected: it comes back only after its ejection time and a passing trial call" : "");
      if (failedAttempts.sum() == 0) {
        throw new IllegalStateException("the killed instance caused no failed attempt: this run did not test failover");
      }
      System.out.printf("  back to >= 25%% of the traffic after the restart: %s%n",
          new Run(failed.get(), lateShare, returned, returnSeconds).returnText());
      return new Run(failed.get(), lateShare, returned, returnSeconds);
    } finally {
      callers.shutdownNow();
      chaos.shutdownNow();
      victim.start(); // up again for the next run, whatever happened
    }
  }

  private static double since(long epochNanos) {
    return (System.nanoTime() - epochNanos) / 1e9;
  }

  private static double ms(long[] sorted, double q) {
    return Latencies.quantile(sorted, q) / 1e6;
  }
}
