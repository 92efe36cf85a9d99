package io.mesh4j.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.internal.DefaultResilientExecutor;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ResilientExecutorTest {
  private static final String SVC = Backends.SERVICE;
  private static Backends backends;

  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBackends() {
    backends = new Backends(3);
  }

  @AfterAll
  static void stopBackends() {
    backends.close();
  }

  @BeforeEach
  void healthy() {
    backends.allHealthy();
  }

  private ResilientExecutor.Builder executor() {
    return ResilientExecutor.builder()
        .discovery(StaticServiceDiscovery.of(SVC, backends.instances))
        .retry(RetryConfig.builder().backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())
        .random(new Random(7))
        .listener(Fixtures.collecting(events));
  }

  private static CallOptions<HttpResponse<String>> idempotentHttp() {
    return CallOptions.<HttpResponse<String>>builder().idempotent(true).classifier(Backends.HTTP).build();
  }

  private <E extends MeshEvent> List<E> eventsOf(Class<E> type) {
    List<E> out = new ArrayList<>();
    for (MeshEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  @Test
  void eachRetryGoesToAnInstanceNotTriedYet() {
    for (int i = 0; i < 3; i++) {
      backends.answer(i, aResponse().withStatus(503));
    }
    ResilientExecutor ex = executor().outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled()).build();
    for (int call = 0; call < 5; call++) {
      List<ServiceInstance> tried = new ArrayList<>();
      HttpResponse<String> r = ex.execute(SVC, idempotentHttp(), (instance, ctx) -> {
        tried.add(instance);
        assertEquals(tried.size(), ctx.attempt());
        return backends.get(instance, ctx);
      });
      assertEquals(503, r.statusCode(), "last result returned when retries run out");
      assertEquals(3, tried.size());
      assertEquals(3, new HashSet<>(tried).size(), "three attempts, three instances: " + tried);
    }
  }

  @Test
  void perCallMaxAttemptsOverridesThePolicy() {
    for (int i = 0; i < 3; i++) {
      backends.answer(i, aResponse().withStatus(503));
    }
    ResilientExecutor ex = executor().outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled()).build();
    for (int limit = 1; limit <= 3; limit++) {
      AtomicInteger attempts = new AtomicInteger();
      CallOptions<HttpResponse<String>> options = CallOptions.<HttpResponse<String>>builder()
          .idempotent(true).classifier(Backends.HTTP).maxAttempts(limit).build();
      assertEquals(limit, options.maxAttempts().getAsInt());
      HttpResponse<String> r = ex.execute(SVC, options, (instance, ctx) -> {
        attempts.incrementAndGet();
        return backends.get(instance, ctx);
      });
      assertEquals(503, r.statusCode());
      assertEquals(limit, attempts.get(), "attempts with maxAttempts(" + limit + ")");
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> CallOptions.builder().maxAttempts(0));
    assertTrue(bad.getMessage().contains("maxAttempts"));
  }

  /** The faults injected on instance 0; the two others are healthy. */
  enum BackendFault {
    CONNECTION_RESET(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)),
    EMPTY_RESPONSE(aResponse().withFault(Fault.EMPTY_RESPONSE)),
    SLOW(aResponse().withStatus(200).withBody("{}").withFixedDelay(3_000)),
    STATUS_503(aResponse().withStatus(503)),
    MALFORMED_BODY(aResponse().withStatus(200).withBody("<html>oops"));

    final ResponseDefinitionBuilder response;

    BackendFault(ResponseDefinitionBuilder response) {
      this.response = response;
    }
  }

  @ParameterizedTest
  @EnumSource(BackendFault.class)
  void callsSucceedWhenOneInstanceFails(BackendFault fault) {
    backends.answer(0, fault.response);
    ResilientExecutor ex = executor()
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(300)).build()).build();
    AtomicInteger attemptsOnBad = new AtomicInteger();
    int calls = fault == BackendFault.SLOW ? 8 : 24;
    for (int i = 0; i < calls; i++) {
      String body = ex.execute(SVC, CallOptions.idempotent(), (instance, ctx) -> {
        if (backends.indexOf(instance) == 0) {
          attemptsOnBad.incrementAndGet();
        }
        return backends.getBody(instance, ctx);
      });
      assertTrue(body.startsWith("{\"from\":"), body);
      assertFalse(body.equals("{\"from\":0}"), "never served by the faulty instance");
    }
    assertTrue(attemptsOnBad.get() >= 1, "the faulty instance was tried");
    assertTrue(attemptsOnBad.get() <= 5, "and ejected after 5 consecutive failures: " + attemptsOnBad.get());
    if (fault != BackendFault.SLOW) {
      assertTrue(ex.outlierDetector().isEjected(backends.instances.get(0)));
      assertEquals(1, eventsOf(ResilienceEvent.InstanceEjected.class).size());
    }
  }

  @Test
  void nonIdempotentCallsAreNotRetried() {
    backends.answer(0, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    backends.answer(1, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    backends.answer(2, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    ResilientExecutor ex = executor().build();
    AtomicInteger attempts = new AtomicInteger();
    MeshException e = assertThrows(MeshException.class, () -> ex.execute(SVC, (instance, ctx) -> {
      attempts.incrementAndGet();
      return backends.getBody(instance, ctx);
    }));
    assertInstanceOf(IOException.class, e.getCause(), "the checked I/O error, wrapped");
    assertEquals(1, attempts.get());

    backends.answer(0, aResponse().withStatus(503));
    backends.answer(1, aResponse().withStatus(503));
    backends.answer(2, aResponse().withStatus(503));
    CallOptions<HttpResponse<String>> post = CallOptions.<HttpResponse<String>>builder().classifier(Backends.HTTP).build();
    HttpResponse<String> r = ex.execute(SVC, post, (instance, ctx) -> {
      attempts.incrementAndGet();
      return backends.get(instance, ctx);
    });
    assertEquals(503, r.statusCode());
    assertEquals(2, attempts.get());
    assertTrue(eventsOf(ResilienceEvent.RetryScheduled.class).isEmpty());
  }

  @Test
  void retryAfterIsHonouredUpToItsCap() {
    backends.answer(0, aResponse().withStatus(503).withHeader("Retry-After", "30"));
    backends.answer(1, aResponse().withStatus(503).withHeader("Retry-After", "30"));
    backends.answer(2, aResponse().withStatus(503).withHeader("Retry-After", "30"));
    ResilientExecutor ex = executor().retry(RetryConfig.builder().maxAttempts(2)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(1)).retryAfterMax(Duration.ofMillis(40)).build()).build();
    HttpResponse<String> r = ex.execute(SVC, idempotentHttp(), backends::get);
    assertEquals(503, r.statusCode());
    List<ResilienceEvent.RetryScheduled> retries = eventsOf(ResilienceEvent.RetryScheduled.class);
    assertEquals(1, retries.size());
    assertEquals(Duration.ofMillis(40), retries.get(0).delay(), "a 30 s Retry-After cut to the 40 ms cap");
  }

  @Test
  void retryBudgetHoldsUnderAFullOutageFrom8Threads() throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.answer(i, aResponse().withStatus(503));
    }
    FakeTicker frozen = new FakeTicker(); // one budget window for the whole test
    DefaultResilientExecutor ex = (DefaultResilientExecutor) executor().ticker(frozen)
        .retry(RetryConfig.builder().backoff(Duration.ZERO, Duration.ZERO).build())
        .circuitBreaker(CircuitBreakerConfig.disabled()).build();
    AtomicInteger attempts = new AtomicInteger();
    int threads = 8;
    int perThread = 120;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          int served503 = 0;
          for (int i = 0; i < perThread; i++) {
            HttpResponse<String> r = ex.execute(SVC, idempotentHttp(), (instance, ctx) -> {
              attempts.incrementAndGet();
              return backends.get(instance, ctx);
            });
            served503 += r.statusCode() == 503 ? 1 : 0;
          }
          return served503;
        }));
      }
      int failedCalls = 0;
      for (Future<Integer> f : fs) {
        failedCalls += f.get(30, TimeUnit.SECONDS);
      }
      int calls = threads * perThread;
      assertEquals(calls, failedCalls);
      int retries = attempts.get() - calls;
      assertEquals(calls, ex.retryBudget(SVC).calls());
      assertEquals(retries, ex.retryBudget(SVC).retries(), "every retry took a budget token");
      assertTrue(retries <= 0.2 * calls + 100, "retries " + retries + " over the budget");
      assertTrue(retries >= 0.2 * calls, "the budget's allowance was used: " + retries);
      assertEquals(calls, budgetRefusals() + callsThatUsedAllAttempts(),
          "each call ended either out of attempts or refused by the budget");
    } finally {
      pool.shutdownNow();
    }
  }

  private int budgetRefusals() {
    return eventsOf(ResilienceEvent.RetryBudgetExhausted.class).size();
  }

  private int callsThatUsedAllAttempts() {
    int n = 0;
    for (ResilienceEvent.AttemptFinished a : eventsOf(ResilienceEvent.AttemptFinished.class)) {
      n += a.attempt() == 3 ? 1 : 0;
    }
    return n;
  }

  @Test
  void budgetRefusalOfAnExceptionThrowsRejectedWithTheLastErrorAsCause() {
    for (int i = 0; i < 3; i++) {
      backends.answer(i, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    }
    ResilientExecutor ex = executor()
        .retryBudget(RetryBudgetConfig.builder().ratio(0).minRetriesPerSecond(0).build()).build();
    RejectedException e = assertThrows(RejectedException.class,
        () -> ex.execute(SVC, CallOptions.idempotent(), backends::getBody));
    assertEquals(RejectedException.Reason.RETRY_BUDGET, e.reason());
    assertInstanceOf(IOException.class, e.getCause());
    assertEquals(1, budgetRefusals());
  }

  @Test
  void breakerOpensRejectsAndFallbackAnswers() {
    for (int i = 0; i < 3; i++) {
      backends.answer(i, aResponse().withStatus(503));
    }
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = executor().ticker(ticker).retry(RetryConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.builder().failureRate(50, 4, Duration.ofSeconds(10))
            .openFor(Duration.ofSeconds(5)).openJitter(0).halfOpenTrials(1).build()).build();
    for (int i = 0; i < 4; i++) {
      assertEquals(503, ex.execute(SVC, idempotentHttp(), backends::get).statusCode());
    }
    assertEquals(CircuitState.OPEN, ex.circuitState(SVC));
    CircuitOpenException open = assertThrows(CircuitOpenException.class,
        () -> ex.execute(SVC, idempotentHttp(), backends::get));
    assertEquals(Duration.ofSeconds(5), open.remaining());
    assertSame(open, eventsOf(ResilienceEvent.CallRejected.class).get(0).exception());
    CallOptions<String> withFallback = CallOptions.<String>builder().fallback(e -> "cached").build();
    assertEquals("cached", ex.execute(SVC, withFallback, backends::getBody));

    backends.allHealthy();
    ticker.advance(Duration.ofSeconds(5));
    assertEquals(200, ex.execute(SVC, idempotentHttp(), backends::get).statusCode());
    assertEquals(CircuitState.CLOSED, ex.circuitState(SVC));
  }

  @Test
  void bulkheadAndRateLimitReject() throws Exception {
    ResilientExecutor ex = executor().bulkhead(BulkheadConfig.builder().maxConcurrentCalls(2).build()).build();
    CountDownLatch inside = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<String>> held = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        held.add(pool.submit(() -> ex.execute(SVC, (instance, ctx) -> {
          inside.countDown();
          assertTrue(release.await(30, TimeUnit.SECONDS), "released");
          return "done";
        })));
      }
      assertTrue(inside.await(5, TimeUnit.SECONDS));
      RejectedException full = assertThrows(RejectedException.class, () -> ex.execute(SVC, (i, c) -> "x"));
      assertEquals(RejectedException.Reason.BULKHEAD, full.reason());
      release.countDown();
      for (Future<String> f : held) {
        assertEquals("done", f.get(30, TimeUnit.SECONDS));
      }
      assertEquals("x", ex.execute(SVC, (i, c) -> "x"), "slots given back");
    } finally {
      pool.shutdownNow();
    }

    ResilientExecutor limited = executor().rateLimiter(RateLimiterConfig.bursty(2, Duration.ofHours(1))).build();
    assertEquals("a", limited.execute(SVC, (i, c) -> "a"));
    assertEquals("b", limited.execute(SVC, (i, c) -> "b"));
    RejectedException over = assertThrows(RejectedException.class, () -> limited.execute(SVC, (i, c) -> "c"));
    assertEquals(RejectedException.Reason.RATE_LIMIT, over.reason());
    assertEquals(2, eventsOf(ResilienceEvent.CallRejected.class).size());
  }

  @Test
  void loadBalancerHearsEveryAttemptAndAThrowingListenerBreaksNothing() {
    backends.answer(0, aResponse().withStatus(503));
    AtomicInteger starts = new AtomicInteger();
    AtomicInteger ends = new AtomicInteger();
    LoadBalancer rr = LoadBalancer.roundRobin();
    LoadBalancer counting = new LoadBalancer() {
      @Override
      public ServiceInstance choose(String s, List<ServiceInstance> c, Set<ServiceInstance> e) {
        return rr.choose(s, c, e);
      }

      @Override
      public void onAttemptStart(ServiceInstance instance) {
        starts.incrementAndGet();
      }

      @Override
      public void onAttemptEnd(ServiceInstance instance, long durationNanos, boolean success) {
        ends.incrementAndGet();
      }
    };
    ResilientExecutor ex = executor().loadBalancer(counting).listener(new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        throw new IllegalStateException("listener bug");
      }
    }).build();
    for (int i = 0; i < 9; i++) {
      assertEquals(200, ex.execute(SVC, idempotentHttp(), backends::get).statusCode());
    }
    int attempts = eventsOf(ResilienceEvent.AttemptFinished.class).size();
    assertTrue(attempts > 9, "some retries happened: " + attempts);
    assertEquals(attempts, starts.get());
    assertEquals(attempts, ends.get());
  }

  @Test
  void syncAttemptIsInterruptedAtItsTimeout() {
    ResilientExecutor ex = executor().timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(100))
        .interruptSyncAttempts(true).build()).build();
    long start = System.nanoTime();
    MeshTimeoutException e = assertThrows(MeshTimeoutException.class, () -> ex.execute(SVC, (instance, ctx) -> {
      Thread.sleep(10_000);
      return "late";
    }));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    assertInstanceOf(InterruptedException.class, e.getCause());
    assertFalse(Thread.currentThread().isInterrupted(), "the interrupt does not leak past the attempt");
  }

  @Test
  void asyncCallRetriesOnAnotherInstance() throws Exception {
    backends.answer(1, aResponse().withStatus(503));
    backends.answer(2, aResponse().withStatus(503));
    ResilientExecutor ex = executor().outlierEjection(OutlierEjectionConfig.disabled()).build();
    for (int i = 0; i < 6; i++) {
      Set<ServiceInstance> tried = new HashSet<>();
      HttpResponse<String> r = Fixtures.result(ex.executeAsync(SVC, idempotentHttp(), (instance, ctx) -> {
        assertTrue(tried.add(instance), "an instance tried twice in one call");
        return backends.http.sendAsync(java.net.http.HttpRequest.newBuilder(instance.uri().resolve("/orders")).build(),
            HttpResponse.BodyHandlers.ofString());
      }));
      assertEquals(200, r.statusCode());
      assertEquals("{\"from\":0}", r.body());
    }
  }

  @Test
  void asyncAttemptTimeoutCancelsItAndMovesOn() throws Exception {
    ResilientExecutor ex = executor()
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(100)).build()).build();
    List<CompletableFuture<String>> hung = new CopyOnWriteArrayList<>();
    String r = Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> {
      if (ctx.attempt() == 1) {
        CompletableFuture<String> never = new CompletableFuture<>();
        hung.add(never);
        return never;
      }
      return CompletableFuture.completedFuture("second on " + instance.port());
    }), Duration.ofMillis(100));
    assertTrue(r.startsWith("second"));
    assertTrue(hung.get(0).isCancelled());
    ResilienceEvent.AttemptFinished first = eventsOf(ResilienceEvent.AttemptFinished.class).get(0);
    assertInstanceOf(MeshTimeoutException.class, first.error());
  }

  @Test
  void cancellingAnAsyncCallStopsItsRetriesAndCancelsTheAttemptInFlight() throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    timer.setRemoveOnCancelPolicy(true);
    try {
      ResilientExecutor ex = executor().scheduler(timer)
          .retry(RetryConfig.builder().maxAttempts(5).backoff(Duration.ofSeconds(20), Duration.ofSeconds(20)).build())
          .random(new Random(3)).build();
      AtomicInteger attempts = new AtomicInteger();
      // 1) cancelled while waiting in backoff
      CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> {
        attempts.incrementAndGet();
        return CompletableFuture.failedFuture(new IOException("reset"));
      });
      Fixtures.await(Fixtures.WAIT, () -> timer.getQueue().size() == 1, "the retry to be scheduled");
      assertTrue(call.cancel(true));
      assertEquals(0, timer.getQueue().size(), "the pending retry was cancelled");
      assertEquals(1, attempts.get());

      // 2) cancelled while an attempt is in flight
      CompletableFuture<String> inFlight = new CompletableFuture<>();
      Supplier<CompletableFuture<String>> attempt = () -> inFlight;
      CompletableFuture<String> call2 = ex.executeAsync(SVC, CallOptions.idempotent(), (i, c) -> attempt.get());
      assertTrue(call2.cancel(true));
      assertTrue(inFlight.isCancelled(), "the attempt's future was cancelled");
      assertEquals(0, timer.getQueue().size(), "no timeout nor retry left behind");
      assertThrows(java.util.concurrent.CancellationException.class, call2::join);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void asyncFailuresAreDeliveredThroughTheFuture() throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.answer(i, aResponse().withStatus(503));
    }
    ResilientExecutor ex = executor().retry(RetryConfig.disabled())
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).build()).build();
    CompletableFuture<String> hold = new CompletableFuture<>();
    CompletableFuture<String> first = ex.executeAsync(SVC, (i, c) -> hold);
    assertInstanceOf(RejectedException.class,
        Fixtures.failure(ex.executeAsync(SVC, (i, c) -> CompletableFuture.completedFuture("x"))));
    hold.complete("ok");
    assertEquals("ok", Fixtures.result(first));
    assertNotEquals(CircuitState.OPEN, ex.circuitState(SVC));
  }
}
