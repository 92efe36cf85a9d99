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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Consul leader election under traffic (issue 15). A three-server Consul cluster on loopback
 * with a client agent, as deployments have; three loopback instances of {@code inventory}
 * registered through the client agent with TTL checks (heartbeats every 500 ms); a
 * ServiceMeshClient with default settings whose ConsulDiscovery talks to the client agent. An
 * open loop of {@value #RATE} GETs/s for {@value #SECONDS} s; the leader is killed (SIGKILL) at
 * {@value #KILL_AT} s. Once a new leader is elected, a fourth instance is registered, and the time
 * until the client's discovery lists it is printed (from the kill and from the election). RESULT,
 * last: {@code consul_leader_loss_failed_calls}, calls that ended in an exception or a non-200
 * (target 0).
 *
 * <p>{@code scripts/bench.sh consul-leader-loss}
 */
public final class ConsulLeaderLossBench {
  private static final String SERVICE = "inventory";
  private static final int RATE = 300;
  private static final int SECONDS = 20;
  private static final int KILL_AT = 5;
  private static final int DRAIN_SECONDS = 40;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private ConsulLeaderLossBench() {}

  /** Runs the benchmark; the last line is {@code RESULT consul_leader_loss_failed_calls=<n> calls}. */
  public static void main(String[] args) throws Exception {
    List<Instance> instances = new ArrayList<>();
    ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
    HealthCheck ttl = HealthCheck.ttl(Duration.ofSeconds(10)).heartbeatInterval(Duration.ofMillis(500)).build();
    OpenLoop loop;
    long electedMs;
    long seenFromKillMs;
    long seenFromElectionMs;
    String oldLeader;
    String newLeader;
    try (ConsulCluster cluster = ConsulCluster.startPrivate()) {
      cluster.awaitLeader(WAIT);
      String url = cluster.clientAgent().baseUrl();
      try (ConsulRegistry registry = ConsulRegistry.builder().url(url).build();
          ConsulDiscovery discovery = ConsulDiscovery.builder().url(url).build();
          ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
        for (int i = 0; i < 4; i++) {
          instances.add(new Instance(0, 8));
        }
        for (int i = 0; i < 3; i++) {
          registry.register(ServiceRegistration.of(instance(i, instances.get(i).port()), ttl));
        }
        awaitInstances(discovery, 3, System.nanoTime() + WAIT.toNanos());
        System.out.printf("consul-leader-loss: %d GETs/s open loop for %d s through a ServiceMeshClient (defaults) "
            + "whose discovery talks to the client agent of a 3-server Consul cluster; 3 instances with TTL checks; "
            + "the leader killed at %d s%n", RATE, SECONDS, KILL_AT);
        ServiceClient client = mesh.service(SERVICE);
        OpenLoop warmUp = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(client), RATE, 2,
            ChaosBenchSupport.inMillis(20), DRAIN_SECONDS);
        if (warmUp.failed() > 0) {
          throw new IllegalStateException("the warm-up (no fault) had failed calls: " + warmUp.failureLines());
        }
        long start = ChaosBenchSupport.inMillis(50);
        AtomicLong killedAt = new AtomicLong();
        AtomicReference<String> killed = new AtomicReference<>();
        Future<?> kill = chaos.schedule(() -> {
          killedAt.set(System.nanoTime());
          killed.set(cluster.killLeader().name());
        }, start + TimeUnit.SECONDS.toNanos(KILL_AT) - System.nanoTime(), TimeUnit.NANOSECONDS);
        // The election, then a change made after it, watched while the load runs.
        Future<long[]> afterElection = Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "leader-loss-watch");
          t.setDaemon(true);
          return t;
        }).submit(() -> {
          kill.get(KILL_AT + 10, TimeUnit.SECONDS);
          cluster.awaitLeader(WAIT);
          long elected = System.nanoTime();
          registry.register(ServiceRegistration.of(instance(3, instances.get(3).port()), ttl));
          awaitInstances(discovery, 4, elected + WAIT.toNanos());
          long seen = System.nanoTime();
          return new long[] {elected, seen};
        });
        loop = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(client), RATE, SECONDS, start, DRAIN_SECONDS);
        long[] t = afterElection.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
        electedMs = (t[0] - killedAt.get()) / 1_000_000;
        seenFromKillMs = (t[1] - killedAt.get()) / 1_000_000;
        seenFromElectionMs = (t[1] - t[0]) / 1_000_000;
        oldLeader = killed.get();
        newLeader = cluster.leader().map(ConsulCluster.Node::name).orElse("none");
      }
    } finally {
      chaos.shutdownNow();
      instances.forEach(Instance::close);
    }
    System.out.printf("  load: %s%n", loop.describe(0, SECONDS));
    System.out.printf("  around the kill (%d-%d s): %s%n", KILL_AT, KILL_AT + 5, loop.describe(KILL_AT, KILL_AT + 5));
    System.out.printf("  leader %s killed; %s elected %d ms later; an instance registered after the election was in "
        + "the client's discovery %d ms after the election (%d ms after the kill)%n", oldLeader, newLeader,
        electedMs, seenFromElectionMs, seenFromKillMs);
    if (loop.failed() > 0) {
      System.out.println("  failures: " + loop.failureLines());
    }
    System.out.printf("RESULT consul_leader_loss_failed_calls=%d calls (of %d, leader killed at %d s; target 0)%n",
        loop.failed(), loop.calls(), KILL_AT);
  }

  private static ServiceInstance instance(int i, int port) {
    return ServiceInstance.newBuilder().serviceName(SERVICE).id(SERVICE + "-" + i).host("127.0.0.1").port(port)
        .build();
  }

  private static void awaitInstances(ConsulDiscovery discovery, int count, long deadlineNanos)
      throws InterruptedException {
    while (discovery.instances(SERVICE).size() < count) {
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new IllegalStateException(count + " instances never appeared in Consul discovery");
      }
      Thread.sleep(5);
    }
  }
}
