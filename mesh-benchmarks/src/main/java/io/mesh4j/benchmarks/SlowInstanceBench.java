package io.mesh4j.benchmarks;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.benchmarks.ClientBenchSupport.Instance;
import io.mesh4j.benchmarks.ClientBenchSupport.Op;
import io.mesh4j.benchmarks.ClientBenchSupport.Round;
import io.mesh4j.benchmarks.support.Throughput;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.client.ServiceMeshClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * Tail latency with one slow instance: three loopback instances of {@code catalog}, one of them
 * 50 ms slower per request; 2 threads call {@code GET /items/{id}} in a closed loop through
 * ServiceMeshClient with round robin (side A) or power-of-two-choices peak EWMA
 * ({@link LoadBalancer#peakEwma()}, side B), everything else at its defaults. Each round builds a
 * fresh ServiceMeshClient (a fresh balancer that has to learn which instance is slow) over one
 * shared OkHttp client (same pool and dispatcher for both sides). Instances come from a static
 * discovery: the balancer, not discovery, is what is measured. A and B alternate (AB, BA, ...),
 * one warm-up pair is discarded; the RESULT is the median p99 of peak EWMA divided by the median
 * p99 of round robin.
 *
 * <p>{@code scripts/bench.sh slow-instance [seconds-per-round] [pairs]}
 */
public final class SlowInstanceBench {
  private static final String SERVICE = "catalog";
  private static final int THREADS = 2;
  private static final long SLOW_MILLIS = 50;
  private static final double TARGET = 0.5;

  private SlowInstanceBench() {}

  /** Runs the benchmark; the last line is {@code RESULT p2c_vs_rr_p99=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    Duration round = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    List<Instance> instances = new ArrayList<>();
    OkHttpClient http = ClientBenchSupport.okHttp();
    try {
      List<ServiceInstance> registered = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Instance in = new Instance(i == 0 ? SLOW_MILLIS : 0, 8);
        instances.add(in);
        registered.add(ServiceInstance.newBuilder().serviceName(SERVICE).id(SERVICE + "-" + i).host("127.0.0.1")
            .port(in.port()).build());
      }
      StaticServiceDiscovery discovery = StaticServiceDiscovery.of(SERVICE, registered);
      Instance slow = instances.get(0);
      System.out.printf("slow-instance: 3 loopback instances, instance 0 answers %d ms later; %d threads closed loop, "
          + "%d s rounds, 1 warm-up pair + %d measured pairs, a fresh client (fresh balancer) per round%n",
          SLOW_MILLIS, THREADS, round.toSeconds(), pairs);

      Side rr = new Side("round robin", LoadBalancer::roundRobin, discovery, http, slow, instances);
      Side p2c = new Side("P2C peak EWMA", LoadBalancer::peakEwma, discovery, http, slow, instances);
      rr.round(round); // warm-up, discarded
      p2c.round(round); // warm-up, discarded
      double[] rrP99 = new double[pairs];
      double[] p2cP99 = new double[pairs];
      double[] rrP50 = new double[pairs];
      double[] p2cP50 = new double[pairs];
      double[] rrP999 = new double[pairs];
      double[] p2cP999 = new double[pairs];
      double rrMax = 0;
      double p2cMax = 0;
      double[] rrSlowShare = new double[pairs];
      double[] p2cSlowShare = new double[pairs];
      for (int p = 0; p < pairs; p++) {
        Measured a;
        Measured b;
        if (p % 2 == 0) {
          a = rr.round(round);
          b = p2c.round(round);
        } else {
          b = p2c.round(round);
          a = rr.round(round);
        }
        rrP99[p] = a.round.p99Millis();
        p2cP99[p] = b.round.p99Millis();
        rrP50[p] = a.round.p50Micros() / 1e3;
        p2cP50[p] = b.round.p50Micros() / 1e3;
        rrP999[p] = a.round.p999Millis();
        p2cP999[p] = b.round.p999Millis();
        rrMax = Math.max(rrMax, a.round.maxMillis());
        p2cMax = Math.max(p2cMax, b.round.maxMillis());
        rrSlowShare[p] = a.slowShare;
        p2cSlowShare[p] = b.slowShare;
        System.out.printf("pair %d: %s | %s%n", p + 1, a, b);
      }
      double rrMedian = Throughput.median(rrP99);
      double p2cMedian = Throughput.median(p2cP99);
      double result = p2cMedian / rrMedian;
      System.out.printf("medians: round robin p50 %.2f ms, p99 %.2f ms, %.1f%% of calls to the slow instance; "
          + "P2C peak EWMA p50 %.2f ms, p99 %.2f ms, %.2f%% to the slow instance%n", Throughput.median(rrP50),
          rrMedian, 100 * Throughput.median(rrSlowShare), Throughput.median(p2cP50), p2cMedian,
          100 * Throughput.median(p2cSlowShare));
      System.out.printf("tails: round robin p99.9 %.2f ms (median of pairs), max %.2f ms (all pairs); P2C peak EWMA "
          + "p99.9 %.2f ms, max %.2f ms%n", Throughput.median(rrP999), rrMax, Throughput.median(p2cP999), p2cMax);
      System.out.printf("p99 ratio P2C/RR: %.3f, target <= %.2f (aim 0.10): %s%n", result, TARGET,
          result <= TARGET ? "met" : "MISSED");
      System.out.printf("RESULT p2c_vs_rr_p99=%.3f x%n", result);
    } finally {
      ClientBenchSupport.shutdown(http);
      instances.forEach(Instance::close);
    }
  }

  /** One round's figures. */
  private record Measured(String name, Round round, long calls, double slowShare) {
    @Override
    public String toString() {
      return String.format("%s %.0f calls/s p50 %.2f ms p99 %.2f ms p99.9 %.2f ms max %.2f ms, slow instance got %d of "
          + "%d (%.2f%%)", name, round.opsPerSecond(), round.p50Micros() / 1e3, round.p99Millis(), round.p999Millis(),
          round.maxMillis(), Math.round(slowShare * calls), calls, 100 * slowShare);
    }
  }

  /** One side of the comparison: a balancer, and how to run a round with it. */
  private static final class Side {
    private final String name;
    private final Supplier<LoadBalancer> balancer;
    private final StaticServiceDiscovery discovery;
    private final OkHttpClient http;
    private final Instance slow;
    private final List<Instance> instances;

    Side(String name, Supplier<LoadBalancer> balancer, StaticServiceDiscovery discovery, OkHttpClient http,
        Instance slow, List<Instance> instances) {
      this.name = name;
      this.balancer = balancer;
      this.discovery = discovery;
      this.http = http;
      this.slow = slow;
      this.instances = instances;
    }

    Measured round(Duration length) throws InterruptedException {
      try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).loadBalancer(balancer.get())
          .httpClient(http).build()) {
        ServiceClient catalog = mesh.service(SERVICE);
        long slowBefore = slow.requests();
        long allBefore = total();
        Op op = () -> {
          int status = catalog.get("/items/{id}", 7).execute().status();
          if (status != 200) {
            throw new IllegalStateException("status " + status);
          }
        };
        Round r = ClientBenchSupport.closedLoop(op, THREADS, length);
        long calls = total() - allBefore;
        if (calls != r.sortedNanos().length) {
          throw new IllegalStateException("instances served " + calls + " requests for " + r.sortedNanos().length
              + " calls");
        }
        return new Measured(name, r, calls, calls == 0 ? 0 : (double) (slow.requests() - slowBefore) / calls);
      }
    }

    private long total() {
      long sum = 0;
      for (Instance in : instances) {
        sum += in.requests();
      }
      return sum;
    }
  }
}
