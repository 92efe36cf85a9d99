package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.ChaosBenchSupport.EventLog;
import io.mesh4j.benchmarks.ChaosBenchSupport.OpenLoop;
import io.mesh4j.benchmarks.ChaosBenchSupport.ProxiedInstances;
import io.mesh4j.benchmarks.ClientBenchSupport.Instance;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.testkit.FaultProxy;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One run of a fault benchmark (blackhole, slow-drip): a fresh ServiceMeshClient with default
 * settings (hedging optionally on for the service) over three proxied loopback instances; a
 * discarded warm-up, then {@value #RATE} GETs/s open loop for {@value #SECONDS} s; instance
 * {@value #VICTIM}'s proxy gets the fault from {@value #FAULT_AT} s to {@value #CLEAR_AT} s.
 */
final class FaultRun {
  static final String SERVICE = "inventory";
  static final int RATE = 300;
  static final int SECONDS = 20;
  static final int FAULT_AT = 5;
  static final int CLEAR_AT = 15;
  static final int VICTIM = 0;
  private static final int WARMUP_SECONDS = 2;
  private static final int DRAIN_SECONDS = 40;

  private FaultRun() {}

  /** What one run measured. */
  record Result(OpenLoop loop, double ejectionSeconds, long failedAttemptsOnVictim, long hedgesFromVictim,
      long hedges, long retries, long budgetRefusals, long victimRequestsDuringFault, int healthyEjections,
      long victimAttemptsSinceFault, double victimSlowestSuccessMillis) {
    double p99Before() {
      return loop.millis(0.99, 0, FAULT_AT);
    }

    double p99During() {
      return loop.millis(0.99, FAULT_AT, CLEAR_AT);
    }

    double p99Ratio() {
      return p99During() / p99Before();
    }

    String ejectionText() {
      return ejectionSeconds < 0 ? "NOT ejected during the run" : String.format("%.3f s", ejectionSeconds);
    }
  }

  /** Three instances answering at once, each behind its own fault proxy. */
  static ProxiedInstances backends() throws java.io.IOException {
    return new ProxiedInstances(SERVICE, 3, i -> new Instance(0, 8));
  }

  /**
   * Runs once with a fresh client; {@code hedging} null leaves every setting at its default,
   * otherwise hedging is turned on for the service with it. {@code fault} is applied to the victim's
   * proxy at {@value #FAULT_AT} s; the proxy is cleared at {@value #CLEAR_AT} s.
   */
  static Result run(ProxiedInstances backends, String title, HedgingConfig hedging, Consumer<FaultProxy> fault)
      throws Exception {
    System.out.println(title);
    FaultProxy proxy = backends.proxies.get(VICTIM);
    Instance victim = backends.instances.get(VICTIM);
    String victimId = backends.registered.get(VICTIM).id();
    EventLog log = new EventLog();
    ServiceMeshClient.Builder b = ServiceMeshClient.builder().discovery(backends.discovery).listener(log);
    if (hedging != null) {
      b.service(SERVICE, s -> s.hedging(hedging));
    }
    ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
    try (ServiceMeshClient mesh = b.build()) {
      ServiceClient client = mesh.service(SERVICE);
      OpenLoop warmUp = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(client), RATE, WARMUP_SECONDS,
          ChaosBenchSupport.inMillis(20), DRAIN_SECONDS);
      if (warmUp.failed() > 0) {
        throw new IllegalStateException("the warm-up (no fault) had failed calls: " + warmUp.failureLines());
      }
      long start = ChaosBenchSupport.inMillis(50);
      log.epoch(start);
      System.out.printf("  warm-up (%d s, discarded): %s%n", WARMUP_SECONDS, warmUp.describe(0, WARMUP_SECONDS));
      victim.epoch(start);
      AtomicLong faultAt = new AtomicLong();
      AtomicBoolean ejectedAtFault = new AtomicBoolean();
      AtomicLong victimCallsBefore = new AtomicLong();
      Future<?> on = chaos.schedule(() -> {
        faultAt.set(System.nanoTime());
        victimCallsBefore.set(log.attempts(victimId) + log.hedgesFrom(victimId));
        ejectedAtFault.set(mesh.outlierDetector(SERVICE).isEjected(backends.registered.get(VICTIM)));
        fault.accept(proxy);
      }, start + TimeUnit.SECONDS.toNanos(FAULT_AT) - System.nanoTime(), TimeUnit.NANOSECONDS);
      Future<?> off = chaos.schedule(proxy::clear, start + TimeUnit.SECONDS.toNanos(CLEAR_AT) - System.nanoTime(),
          TimeUnit.NANOSECONDS);
      OpenLoop loop = ChaosBenchSupport.openLoop(ChaosBenchSupport.get(client), RATE, SECONDS, start, DRAIN_SECONDS);
      on.get(5, TimeUnit.SECONDS);
      off.get(5, TimeUnit.SECONDS);
      long victimDuring = 0;
      for (int s = FAULT_AT + 1; s < CLEAR_AT; s++) { // from 1 s in: requests sent just before the fault may land
        victimDuring += victim.inSecond(s);
      }
      // A healthy instance ejected: any ejection of another instance, or of the victim before its fault.
      int healthyEjections = 0;
      for (EventLog.Ejection e : log.ejections()) {
        if (!e.id().equals(victimId) || e.nanos() - faultAt.get() < 0) {
          healthyEjections++;
        }
      }
      Result r = new Result(loop, ChaosBenchSupport.secondsBetween(faultAt.get(), log.firstEjectionNanos(victimId)),
          log.failedAttempts(victimId), log.hedgesFrom(victimId), log.hedges(), log.retries(), log.budgetRefusals(),
          victimDuring, healthyEjections,
          log.attempts(victimId) + log.hedgesFrom(victimId) - victimCallsBefore.get(),
          log.slowestSuccessMillis(victimId));
      print(r, log);
      if (ejectedAtFault.get()) {
        System.out.printf("  WARNING: %s was already ejected (while healthy) when the fault began: this run did not "
            + "test the fault, its p99 figures are not those of a black-holed instance%n", victimId);
      } else if (r.victimAttemptsSinceFault == 0) {
        throw new IllegalStateException("no attempt went to " + victimId + " after the fault began: this run did "
            + "not test it");
      }
      return r;
    } finally {
      chaos.shutdownNow();
      proxy.clear();
    }
  }

  private static void print(Result r, EventLog log) {
    OpenLoop loop = r.loop;
    System.out.printf("  calls %d, failed %d (before the fault %d, during %d, after %d)%n", loop.calls(),
        loop.failed(), loop.failed(0, FAULT_AT), loop.failed(FAULT_AT, CLEAR_AT), loop.failed(CLEAR_AT, SECONDS));
    loop.failureLines().forEach(l -> System.out.println("  failure: " + l));
    System.out.printf("  before the fault (0-%d s): %s%n", FAULT_AT, loop.describe(0, FAULT_AT));
    System.out.printf("  during the fault (%d-%d s): %s%n", FAULT_AT, CLEAR_AT, loop.describe(FAULT_AT, CLEAR_AT));
    System.out.printf("  after the fault (%d-%d s): %s%n", CLEAR_AT, SECONDS, loop.describe(CLEAR_AT, SECONDS));
    StringBuilder perSecond = new StringBuilder("  p99 per second (ms):");
    for (int s = 0; s < SECONDS; s++) {
      perSecond.append(String.format(" %d:%.1f", s, loop.millis(0.99, s, s + 1)));
    }
    System.out.println(perSecond);
    System.out.printf("  instance %d: ejected %s after the fault began; failed attempts on it %d, hedges sent because "
        + "it was slow %d; requests it received %d-%d s: %d%n", VICTIM, r.ejectionText(), r.failedAttemptsOnVictim,
        r.hedgesFromVictim, FAULT_AT + 1, CLEAR_AT, r.victimRequestsDuringFault);
    System.out.printf("  attempts on instance %d from the fault on: %d (finished or overtaken); its slowest successful "
        + "attempt of the run: %.1f ms%n", VICTIM, r.victimAttemptsSinceFault, r.victimSlowestSuccessMillis);
    System.out.printf("  hedges sent %d, retries %d, retries refused by the budget %d%n", r.hedges, r.retries,
        r.budgetRefusals);
    log.failedAttemptLines().forEach(l -> System.out.println("  failed attempt: " + l));
    log.lines().forEach(l -> System.out.println("  " + l));
    System.out.printf("  ejections of healthy instances (another instance, or instance %d before its fault, warm-up "
        + "included): %d%n", VICTIM, r.healthyEjections);
    System.out.printf("  p99 during / before: %.2f / %.2f ms = %.2f x%n", r.p99During(), r.p99Before(),
        r.p99Ratio());
  }
}
