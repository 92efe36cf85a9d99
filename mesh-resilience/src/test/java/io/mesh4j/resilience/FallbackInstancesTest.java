package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fallback instances (a failover datacenter's): an attempt goes to them only when every listed
 * instance has failed within the call or is ejected, as when a datacenter goes dark before its
 * health checks turn critical (issue 15, {@code dc-failover}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FallbackInstancesTest {
  private static final String SVC = "orders";
  private static final ServiceInstance A = instance("a", 1);
  private static final ServiceInstance B = instance("b", 2);
  private static final ServiceInstance X = instance("x", 3);

  private static ServiceInstance instance(String id, int port) {
    return ServiceInstance.newBuilder().serviceName(SVC).id(id).host("10.0.0." + port).port(8080).build();
  }

  private final AtomicInteger fallbackAsked = new AtomicInteger();

  private ResilientExecutor.Builder executor(OutlierEjectionConfig ejection) {
    return ResilientExecutor.builder()
        .instances(s -> List.of(A, B))
        .fallbackInstances(s -> {
          fallbackAsked.incrementAndGet();
          return List.of(X);
        })
        .retry(RetryConfig.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())
        .retryBudget(RetryBudgetConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .outlierEjection(ejection)
        .random(new Random(7));
  }

  private static CallOptions<String> idempotent() {
    return CallOptions.<String>builder().idempotent(true).build();
  }

  /** Local instances refuse connections; the fallback answers. */
  private static String call(ResilientExecutor ex, List<ServiceInstance> tried) {
    return ex.execute(SVC, idempotent(), (instance, ctx) -> {
      tried.add(instance);
      if (instance != X) {
        throw new ConnectException("Connection refused: " + instance.id());
      }
      return "from " + instance.id();
    });
  }

  @Test
  void whenEveryLocalInstanceFailedInTheCall_theNextAttemptGoesToTheFallback() {
    ResilientExecutor ex = executor(OutlierEjectionConfig.disabled()).build();
    List<ServiceInstance> tried = new ArrayList<>();
    assertEquals("from x", call(ex, tried));
    assertEquals(3, tried.size(), "two local attempts, then the fallback: " + tried);
    assertEquals(X, tried.get(2));
    assertTrue(tried.subList(0, 2).containsAll(List.of(A, B)), "both local instances first: " + tried);
  }

  @Test
  void whileALocalInstanceIsUntried_theFallbackIsNotEvenAsked() {
    ResilientExecutor ex = executor(OutlierEjectionConfig.disabled())
        .retry(RetryConfig.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())
        .build();
    List<ServiceInstance> tried = new ArrayList<>();
    assertThrows(MeshException.class, () -> call(ex, tried), "two attempts, two local instances, both refused");
    assertEquals(List.of(A, B), tried.stream().sorted((l, r) -> l.id().compareTo(r.id())).toList());
    assertEquals(0, fallbackAsked.get(), "a local instance was left at every attempt");
    // Healthy local instances: never asked either.
    assertEquals("ok", ex.execute(SVC, idempotent(), (instance, ctx) -> "ok"));
    assertEquals(0, fallbackAsked.get());
  }

  @Test
  void onceEveryLocalInstanceIsEjected_theFirstAttemptGoesToTheFallback() {
    OutlierEjectionConfig ejection = OutlierEjectionConfig.builder().consecutiveFailures(2)
        .ejectionTime(Duration.ofMinutes(1), Duration.ofMinutes(2)).build();
    ResilientExecutor ex = executor(ejection).build();
    for (int i = 0; i < 3; i++) {
      assertEquals("from x", call(ex, new ArrayList<>()));
    }
    // maxEjectionPercent never ejects every instance of a service: one is ejected, the other keeps
    // failing; both count as gone for the fallback.
    assertTrue(ex.outlierDetector().isEjected(A) || ex.outlierDetector().isEjected(B), "a local instance ejected");
    List<ServiceInstance> tried = new ArrayList<>();
    assertEquals("from x", call(ex, tried));
    assertEquals(List.of(X), tried, "no attempt wasted on ejected instances");
  }

  @Test
  void aFallbackThatFailedToo_endsTheCallWithItsFailure() {
    ResilientExecutor ex = executor(OutlierEjectionConfig.disabled())
        .fallbackInstances(s -> List.of(A)) // nothing new to offer: already tried
        .build();
    List<ServiceInstance> tried = new ArrayList<>();
    MeshException e = assertThrows(MeshException.class, () -> call(ex, tried));
    assertTrue(tried.size() <= 3, "no endless retries: " + tried);
    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
  }
}
