package io.mesh4j.resilience;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * What the hedged-call tests share ({@link HedgedCallStepsTest}, {@link HedgedCallAdmissionTest}):
 * two instances, an executor with hedging on that records its events, and attempts that stay
 * pending until the test completes them by hand. Every wait is bounded by {@link Fixtures#WAIT},
 * well below the class timeout, so a step that never happens fails its test instead of hanging it.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
abstract class HedgedCallHarness {
  static final String SVC = "hedged";
  static final Duration WAIT = Fixtures.WAIT;
  final List<ServiceInstance> two = Fixtures.instances(SVC, 2);
  final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  final List<Fixtures.Pending> attempts = new CopyOnWriteArrayList<>();

  /** An attempt that stays pending until the test completes it. */
  CompletableFuture<String> pending(ServiceInstance instance, AttemptContext ctx) {
    return Fixtures.pending(attempts, instance, ctx);
  }

  ResilientExecutor.Builder executor() {
    return Fixtures.hedgedExecutor(two, events);
  }

  void awaitAttempts(int n) {
    Fixtures.await(WAIT, () -> attempts.size() >= n, n + " attempts started");
  }

  <E> List<E> eventsOf(Class<E> type) {
    return Fixtures.eventsOf(events, type);
  }
}
