package io.mesh4j.benchmarks;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.benchmarks.ChaosBenchSupport.EventLog;
import io.mesh4j.benchmarks.ChaosBenchSupport.OpenLoop;
import io.mesh4j.benchmarks.ClientBenchSupport.Instance;
import io.mesh4j.benchmarks.support.Throughput;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.resilience.HedgingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What hedging costs on healthy instances (issue 14). Three loopback instances of {@code inventory}
 * (static discovery) with a realistic latency spread: each answers at once, except about one
 * request in {@value #SLOW_ONE_IN}, which it answers {@value #SLOW_MILLIS} ms late. An open loop of
 * {@value #RATE} {@code GET}s per second ({@code executeAsync}, latency from the scheduled send
 * time) through two ServiceMeshClients with default settings, one of them with hedging on for the
 * service ({@link BlackholeBench#HEDGING}, a hedge after the service's recent p95). The sides
 * alternate (AB, BA, ...) in rounds of 10 s after a discarded warm-up round each; medians of the
 * rounds are reported.
 *
 * <p>Attempts are counted where they arrive: the instances count the requests they receive, so
 * attempts per call = requests received / calls made, hedges that reached an instance included.
 * Printed: attempts per call, hedges per call (client events), p50/p99/p99.9 of both sides. RESULT,
 * last: {@code hedging_amplification_attempts_per_call} with hedging on (target &lt;= 1.1). If
 * hedging does not lower the median p99, {@code ERRORS hedging_did_not_lower_p99=1 allowed=0}
 * fails the run, and so does the ejection of any (healthy) instance
 * ({@code ERRORS hedging_amplification_healthy_instance_ejections}). A round in which no instance
 * answered late throws (it would not test hedging).
 *
 * <p>{@code scripts/bench.sh hedging-amplification [seconds-per-round] [pairs]}
 */
public final class HedgingAmplificationBench {
  private static final String SERVICE = "inventory";
  private static final int RATE = 300;
  private static final int SLOW_ONE_IN = 50;
  private static final long SLOW_MILLIS = 50;
  private static final double TARGET = 1.1;
  private static final int WARMUP_SECONDS = 3;
  private static final int DRAIN_SECONDS = 40;

  private HedgingAmplificationBench() {}

  /** Runs the benchmark; the last line is {@code RESULT hedging_amplification_attempts_per_call=<n> attempts}. */
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<Instance> instances = new ArrayList<>();
    try {
      List<ServiceInstance> registered = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Instance in = new Instance(SLOW_MILLIS, SLOW_ONE_IN, 8);
        instances.add(in);
        registered.add(ServiceInstance.newBuilder().serviceName(SERVICE).id(SERVICE + "-" + i).host("127.0.0.1")
            .port(in.port()).build());
      }
      StaticServiceDiscovery discovery = StaticServiceDiscovery.of(SERVICE, registered);
      System.out.printf("hedging-amplification: 3 loopback instances, each answers 1 request in %d about %d ms late; "
          + "%d GETs/s open loop; hedging off (defaults) vs on (%s), %d s rounds alternated, 1 warm-up round each + "
          + "%d pairs, medians%n", SLOW_ONE_IN, SLOW_MILLIS, RATE, BlackholeBench.HEDGING, seconds, pairs);
      EventLog offLog = new EventLog();
      EventLog onLog = new EventLog();
      try (ServiceMeshClient off = ServiceMeshClient.builder().discovery(discovery).listener(offLog).build();
          ServiceMeshClient on = ServiceMeshClient.builder().discovery(discovery).listener(onLog)
              .service(SERVICE, s -> s.hedging(BlackholeBench.HEDGING)).build()) {
        Side a = new Side("hedging off", off, offLog, instances);
        Side b = new Side("hedging on", on, onLog, instances);
        a.round(WARMUP_SECONDS);
        b.round(WARMUP_SECONDS);
        double[][] offFigures = new double[4][pairs];
        double[][] onFigures = new double[4][pairs];
        for (int p = 0; p < pairs; p++) {
          Round x;
          Round y;
          if (p % 2 == 0) {
            x = a.round(seconds);
            y = b.round(seconds);
          } else {
            y = b.round(seconds);
            x = a.round(seconds);
          }
          x.into(offFigures, p);
          y.into(onFigures, p);
          System.out.printf("pair %d:%n  %s%n  %s%n", p + 1, x, y);
        }
        double offAttempts = Throughput.median(offFigures[0]);
        double onAttempts = Throughput.median(onFigures[0]);
        double offP99 = Throughput.median(offFigures[2]);
        double onP99 = Throughput.median(onFigures[2]);
        System.out.printf("medians: hedging off: %.4f attempts per call, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms; "
            + "hedging on: %.4f attempts per call, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%n", offAttempts,
            Throughput.median(offFigures[1]), offP99, Throughput.median(offFigures[3]), onAttempts,
            Throughput.median(onFigures[1]), onP99, Throughput.median(onFigures[3]));
        boolean lowered = onP99 < offP99;
        System.out.printf("hedging %s the p99 (%.2f -> %.2f ms); attempts per call with hedging %.4f, target <= %.2f: "
            + "%s%n", lowered ? "lowered" : "did NOT lower", offP99, onP99, onAttempts, TARGET,
            onAttempts <= TARGET ? "met" : "MISSED");
        offLog.lines().forEach(l -> System.out.println("hedging off: " + l));
        onLog.lines().forEach(l -> System.out.println("hedging on: " + l));
        int ejections = offLog.ejections().size() + onLog.ejections().size();
        System.out.printf("ejections of (healthy) instances, warm-up included: %d with hedging off, %d with hedging on%n",
            offLog.ejections().size(), onLog.ejections().size());
        System.out.printf("ERRORS hedging_amplification_healthy_instance_ejections=%d allowed=0%n", ejections);
        System.out.printf("ERRORS hedging_did_not_lower_p99=%d allowed=0%n", lowered ? 0 : 1);
        System.out.printf("RESULT hedging_amplification_attempts_per_call=%.4f attempts (hedging on; off: %.4f)%n",
            onAttempts, offAttempts);
      }
    } finally {
      instances.forEach(Instance::close);
    }
  }

  /** One round's figures. */
  private record Round(String name, OpenLoop loop, long requests, long delayed, long hedges) {
    double attemptsPerCall() {
      return (double) requests / loop.calls();
    }

    void into(double[][] figures, int p) {
      figures[0][p] = attemptsPerCall();
      figures[1][p] = loop.millis(0.5, 0, Double.MAX_VALUE);
      figures[2][p] = loop.millis(0.99, 0, Double.MAX_VALUE);
      figures[3][p] = loop.millis(0.999, 0, Double.MAX_VALUE);
    }

    @Override
    public String toString() {
      return String.format("%s: %d calls, %d requests received (%d answered late) = %.4f attempts per call, %d hedges "
          + "sent (%.4f per call); %s", name, loop.calls(), requests, delayed, attemptsPerCall(), hedges,
          (double) hedges / loop.calls(), loop.describe(0, Double.MAX_VALUE));
    }
  }

  /** One side: a client, and how to run a round with it. */
  private static final class Side {
    private final String name;
    private final ServiceMeshClient mesh;
    private final EventLog log;
    private final List<Instance> instances;

    Side(String name, ServiceMeshClient mesh, EventLog log, List<Instance> instances) {
      this.name = name;
      this.mesh = mesh;
      this.log = log;
      this.instances = instances;
    }

    Round round(int seconds) throws InterruptedException {
      long requestsBefore = sum(false);
      long delayedBefore = sum(true);
      long start = ChaosBenchSupport.inMillis(20);
      log.epoch(start);
      OpenLoop loop = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(mesh.service(SERVICE)), RATE, seconds, start,
          DRAIN_SECONDS);
      Round r = new Round(name, loop, sum(false) - requestsBefore, sum(true) - delayedBefore, log.hedges());
      log.failedAttemptLines().forEach(l -> System.out.println("  " + name + ", failed attempt: " + l));
      if (loop.failed() > 0) {
        throw new IllegalStateException(name + ": " + loop.failed() + " calls failed on healthy instances: "
            + loop.failureLines());
      }
      if (r.delayed == 0) {
        throw new IllegalStateException(name + ": no instance answered late in this round: it did not test hedging");
      }
      return r;
    }

    private long sum(boolean delayed) {
      long s = 0;
      for (Instance in : instances) {
        s += delayed ? in.delayed() : in.requests();
      }
      return s;
    }
  }
}
