package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How an attempt's instance is chosen when instances are at their bound of attempts in flight
 * ({@code maxAttemptsPerInstance} 1 here) or returning from ejection with their one trial call
 * taken: which error ends the call, and that a returning instance refused for being full keeps
 * its trial for later. The detector is fed by hand; attempts stay in flight until the test ends
 * them; the balancer takes the first instance listed, so the order of the checks is known.
 */
@Timeout(30)
class ChooseBookkeepingTest {
  private static final String SVC = "choose";
  private final List<ServiceInstance> three = Fixtures.instances(SVC, 3);
  private final ServiceInstance p = three.get(0);
  private final ServiceInstance q = three.get(1);
  /** The instances listed to the calls. */
  private final List<ServiceInstance> two = List.of(p, q);
  private final AtomicReference<List<ServiceInstance>> listed = new AtomicReference<>(two);
  private final FakeTicker ticker = new FakeTicker();
  /** When set, listing the instances (the first step of an attempt) uses up a 1 s call deadline, exactly. */
  private final AtomicBoolean spendDeadline = new AtomicBoolean();
  /** The instances attempts were sent to, in order; every attempt stays in flight. */
  private final List<ServiceInstance> sentTo = new CopyOnWriteArrayList<>();
  private final LoadBalancer firstListed = (service, candidates, excluded) ->
      candidates.stream().filter(c -> !excluded.contains(c)).findFirst().orElseThrow();

  private final ResilientExecutor ex = ResilientExecutor.builder()
      .instances(s -> {
        if (spendDeadline.get()) {
          ticker.advance(Duration.ofSeconds(1));
        }
        return listed.get();
      })
      .ticker(ticker)
      .loadBalancer(firstListed)
      .retry(RetryConfig.disabled())
      .retryBudget(RetryBudgetConfig.disabled())
      .circuitBreaker(CircuitBreakerConfig.disabled())
      .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMinutes(1)).build())
      .bulkhead(BulkheadConfig.builder().maxAttemptsPerInstance(1).build())
      .outlierEjection(OutlierEjectionConfig.builder().consecutiveFailures(1).trialCalls(1).returnJitter(0)
          .maxEjectionPercent(100).ejectionTime(Duration.ofSeconds(10), Duration.ofSeconds(10)).build())
      .build();

  /** A call whose attempt stays in flight; the choice (or the refusal) is made before this returns. */
  private CompletableFuture<String> call() {
    return ex.executeAsync(SVC, (instance, ctx) -> {
      sentTo.add(instance);
      return new CompletableFuture<String>();
    });
  }

  private void eject(ServiceInstance instance) {
    // Seen as a service of three, of which two may be ejected (at most all but one).
    ex.outlierDetector().selectable(SVC, three);
    ex.outlierDetector().record(instance, false);
    assertTrue(ex.outlierDetector().isEjected(instance), instance + " ejected");
  }

  private static Throwable refusedAtOnce(CompletableFuture<String> call) {
    assertTrue(call.isDone(), "refused while choosing, without an attempt");
    return Fixtures.failure(call);
  }

  @Test
  void aReturningInstanceRefusedForBeingFullKeepsItsTrialCall() {
    CompletableFuture<String> onP = call();
    assertEquals(List.of(p), sentTo);
    eject(p); // its attempt is still in flight
    ticker.advance(Duration.ofSeconds(11)); // p may return now
    eject(q); // q stays out for 10 s more
    for (int i = 0; i < 2; i++) {
      // p, the only one returning, has its trial call but no free slot. The trial must be given back,
      // or q (ejected, no trial) would be chosen as the last resort the second time.
      RejectedException e = assertInstanceOf(RejectedException.class, refusedAtOnce(call()), "call " + i);
      assertEquals(RejectedException.Reason.BULKHEAD, e.reason());
      assertTrue(e.getMessage().contains("maxAttemptsPerInstance"), e.getMessage());
    }
    assertEquals(List.of(p), sentTo, "no attempt was sent");
    onP.cancel(true);
  }

  @Test
  void whenEveryInstanceIsReturningWithItsTrialTakenTheCallFindsNoInstance() {
    eject(p);
    eject(q);
    ticker.advance(Duration.ofSeconds(11));
    CompletableFuture<String> trialP = call();
    CompletableFuture<String> trialQ = call();
    assertEquals(List.of(p, q), sentTo, "one trial call each");
    NoInstanceAvailableException e = assertInstanceOf(NoInstanceAvailableException.class, refusedAtOnce(call()));
    assertTrue(e.getMessage().contains("trial calls are taken"), e.getMessage());
    assertEquals(2, sentTo.size(), "no attempt was sent");
    trialP.cancel(true);
    trialQ.cancel(true);
  }

  @Test
  void oneInstanceFullAndOneWithItsTrialTakenIsABulkheadRefusalWhicheverIsAskedFirst() {
    listed.set(List.of(q, p));
    CompletableFuture<String> onQ = call();
    assertEquals(List.of(q), sentTo);
    eject(p);
    ticker.advance(Duration.ofSeconds(11)); // p may return now
    eject(q); // with its attempt still in flight: ejected, but at its bound
    listed.set(two);
    CompletableFuture<String> trialP = call();
    assertEquals(List.of(q, p), sentTo, "p's trial call");
    // p (trial taken) is asked first and refuses, then q (ejected, chosen as the last resort) is full.
    RejectedException e = assertInstanceOf(RejectedException.class, refusedAtOnce(call()));
    assertEquals(RejectedException.Reason.BULKHEAD, e.reason());
    assertEquals(2, sentTo.size(), "no attempt was sent");
    onQ.cancel(true);
    trialP.cancel(true);
  }

  @Test
  void aCallWhoseDeadlinePassedBeforeItsAttemptGivesTheReturningInstanceItsTrialBack() {
    eject(p);
    ticker.advance(Duration.ofSeconds(11)); // p may return, with one trial call
    spendDeadline.set(true);
    CompletableFuture<String> late = ex.executeAsync(SVC,
        CallOptions.<String>builder().callTimeout(Duration.ofSeconds(1)).build(), (instance, ctx) -> {
          sentTo.add(instance);
          return CompletableFuture.completedFuture("never");
        });
    assertInstanceOf(MeshTimeoutException.class, refusedAtOnce(late));
    spendDeadline.set(false);
    CompletableFuture<String> trial = call();
    assertEquals(List.of(p), sentTo, "p's trial call was given back, and p is chosen first again");
    trial.cancel(true);
  }
}
