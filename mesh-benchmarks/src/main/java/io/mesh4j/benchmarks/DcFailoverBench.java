package io.mesh4j.benchmarks;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.benchmarks.ChaosBenchSupport.OpenLoop;
import io.mesh4j.benchmarks.ClientBenchSupport.Instance;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Datacenter failover under traffic (issue 15). A two-datacenter Consul on loopback (dc1: three
 * servers and the client agent the application talks to; dc2: one server, joined over the WAN).
 * {@code orders} has two instances in each datacenter, each with an HTTP health check every
 * second. A ServiceMeshClient with default settings, over a ConsulDiscovery of the dc1 agent with
 * {@code failoverDatacenters("dc2")}, sends {@value #RATE} GETs/s for {@value #SECONDS} s; both dc1
 * instances are killed (connections refused) at {@value #KILL_AT} s and started again at
 * {@value #RESTART_AT} s. Printed: the time from the kill until dc2 takes at least 90% of the
 * traffic (per 100 ms), and from the restart until dc1 does again. RESULT, last:
 * {@code dc_failover_failed_calls}, calls that ended in an exception or a non-200 (target 0).
 *
 * <p>Failover follows Consul's health (a datacenter is used when the local one has no passing
 * instance), so calls made between the kill and the checks turning critical meet only dead local
 * instances; {@code docs/disaster-recovery.md} says so.
 *
 * <p>{@code scripts/bench.sh dc-failover}
 */
public final class DcFailoverBench {
  private static final String SERVICE = "orders";
  private static final int RATE = 300;
  private static final int SECONDS = 25;
  private static final int KILL_AT = 5;
  private static final int RESTART_AT = 15;
  private static final int DRAIN_SECONDS = 40;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private DcFailoverBench() {}

  /** Runs the benchmark; the last line is {@code RESULT dc_failover_failed_calls=<n> calls}. */
  public static void main(String[] args) throws Exception {
    List<Instance> local = new ArrayList<>();
    List<Instance> remote = new ArrayList<>();
    ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
    HealthCheck check = HealthCheck.http("/health").interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500))
        .build();
    OpenLoop loop;
    double toDc2;
    double backToDc1;
    try (ConsulCluster cluster = ConsulCluster.builder().secondDatacenter(true).start()) {
      cluster.awaitLeader(WAIT);
      try (ConsulRegistry dc1 = ConsulRegistry.builder().url(cluster.clientAgent().baseUrl()).build();
          ConsulRegistry dc2 = ConsulRegistry.builder().url(cluster.dc2Server().baseUrl()).build();
          ConsulDiscovery discovery = ConsulDiscovery.builder().url(cluster.clientAgent().baseUrl())
              .failoverDatacenters("dc2").build();
          ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
        for (int i = 0; i < 2; i++) {
          local.add(new Instance(0, 8));
          remote.add(new Instance(0, 8));
          dc1.register(ServiceRegistration.of(instance("dc1-" + i, local.get(i).port()), check));
          dc2.register(ServiceRegistration.of(instance("dc2-" + i, remote.get(i).port()), check));
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (discovery.instances(SERVICE).size() < 2) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("the 2 dc1 instances never passed in Consul discovery");
          }
          Thread.sleep(20);
        }
        System.out.printf("dc-failover: %d GETs/s open loop for %d s through a ServiceMeshClient (defaults) over a "
            + "ConsulDiscovery of the dc1 client agent with failoverDatacenters(\"dc2\"); 2 instances per datacenter, "
            + "HTTP checks every 1 s; both dc1 instances killed at %d s and restarted at %d s%n",
            RATE, SECONDS, KILL_AT, RESTART_AT);
        ServiceClient client = mesh.service(SERVICE);
        OpenLoop warmUp = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(client), RATE, 2,
            ChaosBenchSupport.inMillis(20), DRAIN_SECONDS);
        if (warmUp.failed() > 0) {
          throw new IllegalStateException("the warm-up (no fault) had failed calls: " + warmUp.failureLines());
        }
        long start = ChaosBenchSupport.inMillis(50);
        local.forEach(in -> in.epoch(start));
        remote.forEach(in -> in.epoch(start));
        Future<?> kill = chaos.schedule(() -> local.forEach(Instance::stop),
            start + TimeUnit.SECONDS.toNanos(KILL_AT) - System.nanoTime(), TimeUnit.NANOSECONDS);
        Future<?> restart = chaos.schedule(() -> {
          for (Instance in : local) {
            in.start();
          }
          return null;
        }, start + TimeUnit.SECONDS.toNanos(RESTART_AT) - System.nanoTime(), TimeUnit.NANOSECONDS);
        loop = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(client), RATE, SECONDS, start, DRAIN_SECONDS);
        kill.get(5, TimeUnit.SECONDS);
        restart.get(5, TimeUnit.SECONDS);
        toDc2 = firstTenthWithShare(remote, local, KILL_AT, RESTART_AT);
        backToDc1 = firstTenthWithShare(local, remote, RESTART_AT, SECONDS);
      }
    } finally {
      chaos.shutdownNow();
      local.forEach(Instance::close);
      remote.forEach(Instance::close);
    }
    System.out.printf("  load: %s%n", loop.describe(0, SECONDS));
    System.out.printf("  from the kill to the restart (%d-%d s): %s%n", KILL_AT, RESTART_AT,
        loop.describe(KILL_AT, RESTART_AT));
    System.out.printf("  dc2 took >= 90%% of the traffic %s after the kill; dc1 took it back %s after the restart%n",
        seconds(toDc2), seconds(backToDc1));
    if (loop.failed() > 0) {
      System.out.println("  failures: " + loop.failureLines());
    }
    System.out.printf("RESULT dc_failover_failed_calls=%d calls (of %d; every dc1 instance killed at %d s; target 0)%n",
        loop.failed(), loop.calls(), KILL_AT);
  }

  private static String seconds(double s) {
    return s < 0 ? "never (within the run)" : String.format("%.1f s", s);
  }

  /**
   * The first 100 ms step in [from, to) s in which {@code winners} received at least 90% of the
   * requests, in seconds after {@code from}, or -1.
   */
  private static double firstTenthWithShare(List<Instance> winners, List<Instance> losers, int from, int to) {
    for (int t = from * 10; t < to * 10; t++) {
      long w = 0;
      long l = 0;
      for (Instance in : winners) {
        w += in.inTenth(t);
      }
      for (Instance in : losers) {
        l += in.inTenth(t);
      }
      if (w > 0 && w >= 0.9 * (w + l)) {
        return t / 10.0 - from;
      }
    }
    return -1;
  }

  private static ServiceInstance instance(String id, int port) {
    return ServiceInstance.newBuilder().serviceName(SERVICE).id(SERVICE + "-" + id).host("127.0.0.1").port(port)
        .build();
  }
}
