package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Interceptor;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a {@link CallObserver} is told of each call by {@link MeshRequest}: the start, the scope
 * opened and closed around a sync call, each attempt, and the end with the answer or the error,
 * for every terminal operation; and that its attempt interceptor sees every attempt.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CallObserverTest {
  /** Records what it is told, as "event" strings and the objects passed. */
  static final class Recorder implements CallObserver {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Object[]> ends = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<MeshResponse>> asyncCalls = new CopyOnWriteArrayList<>();
    final AtomicInteger intercepted = new AtomicInteger();
    final boolean withInterceptor;
    /** What endAsync hands back instead of the call, when set. */
    volatile CompletableFuture<MeshResponse> substitute;

    Recorder(boolean withInterceptor) {
      this.withInterceptor = withInterceptor;
    }

    @Override
    public Interceptor attemptInterceptor() {
      return withInterceptor ? chain -> {
        intercepted.incrementAndGet();
        return chain.proceed(chain.request());
      } : null;
    }

    @Override
    public Observed start(String serviceName, String method, String routeTemplate, String requestId) {
      events.add("start " + serviceName + " " + method + " " + routeTemplate + " " + requestId);
      return new Observed() {
        @Override
        public void attemptStarting(ServiceInstance instance, int attempt, Request.Builder request) {
          events.add("attempt " + attempt + " " + instance.id());
        }

        @Override
        public Scope openScope() {
          events.add("open");
          return () -> events.add("close");
        }

        @Override
        public void end(MeshResponse response, Throwable error) {
          events.add("end");
          ends.add(new Object[] {response, error});
        }

        @Override
        public CompletableFuture<MeshResponse> endAsync(CompletableFuture<MeshResponse> call) {
          events.add("endAsync");
          asyncCalls.add(call);
          CompletableFuture<MeshResponse> s = substitute;
          return s != null ? s : call;
        }
      };
    }
  }

  Backends backends;
  Recorder recorder;
  ServiceMeshClient mesh;

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    backends.get(0).stubFor(any(urlEqualTo("/ok")).willReturn(okJson("{\"a\":1}")));
    backends.get(0).stubFor(any(urlEqualTo("/busy")).willReturn(aResponse().withStatus(503)));
    recorder = new Recorder(true);
    mesh = build(recorder);
  }

  private ServiceMeshClient build(Recorder r) {
    return ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of(Map.of("svc", backends.instances("svc"), "none", List.of())))
        .retry(x -> x.maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(1)))
        .outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .observer(r)
        .build();
  }

  @AfterEach
  void stop() {
    mesh.close();
    backends.close();
  }

  @Test
  void aSyncCallIsStartedScopedAttemptedAndEndedWithItsAnswer() {
    MeshResponse r = mesh.service("svc").get("/ok").header("X-Request-ID", "r1").execute();
    assertEquals(List.of("start svc GET /ok r1", "open", "attempt 1 svc-0", "close", "end"), recorder.events);
    assertSame(r, recorder.ends.get(0)[0]);
    assertNull(recorder.ends.get(0)[1]);
    assertEquals(1, recorder.intercepted.get(), "the attempt interceptor saw the attempt");
  }

  @Test
  void aFailedSyncCallEndsWithItsErrorInsideTheScope() {
    CallFailedException e = assertThrows(CallFailedException.class,
        () -> mesh.service("svc").get("/busy").header("X-Request-ID", "r2").execute());
    assertEquals(List.of("start svc GET /busy r2", "open", "attempt 1 svc-0", "attempt 2 svc-0", "end", "close"),
        recorder.events);
    assertNull(recorder.ends.get(0)[0]);
    assertSame(e, recorder.ends.get(0)[1]);
    assertEquals(2, recorder.intercepted.get(), "each attempt");
  }

  @Test
  void aCallThatNeverReachesAnInstanceEndsWithTheExecutorsError() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> mesh.service("none").get("/ok").execute());
    assertEquals(List.of("open", "end", "close"), recorder.events.subList(1, recorder.events.size()));
    assertSame(e, recorder.ends.get(0)[1]);
  }

  @Test
  void aStreamIsEndedWithoutAnAnswerObjectAndItsFailuresWithTheirError() throws Exception {
    try (InputStream in = mesh.service("svc").get("/ok").header("X-Request-ID", "r3").asStream()) {
      assertEquals("{\"a\":1}", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    assertEquals(List.of("start svc GET /ok r3", "open", "attempt 1 svc-0", "close", "end"), recorder.events);
    assertNull(recorder.ends.get(0)[0]);
    assertNull(recorder.ends.get(0)[1]);

    recorder.events.clear();
    CallFailedException failed = assertThrows(CallFailedException.class,
        () -> mesh.service("svc").get("/busy").asStream());
    assertEquals(List.of("close", "end"), recorder.events.subList(recorder.events.size() - 2, recorder.events.size()));
    assertSame(failed, recorder.ends.get(1)[1]);

    recorder.events.clear();
    RuntimeException none = assertThrows(RuntimeException.class, () -> mesh.service("none").get("/ok").asStream());
    assertEquals(List.of("open", "end", "close"), recorder.events.subList(1, recorder.events.size()));
    assertSame(none, recorder.ends.get(2)[1]);
  }

  @Test
  void anAsyncCallIsHandedToEndAsync() throws Exception {
    CompletableFuture<MeshResponse> f = mesh.service("svc").get("/ok").executeAsync();
    assertEquals(1, recorder.asyncCalls.size());
    assertSame(f, recorder.asyncCalls.get(0));
    assertEquals(200, f.get(10, TimeUnit.SECONDS).status());
    assertEquals(1, recorder.intercepted.get());
  }

  @Test
  void cancellingWhatAsAsyncReturnedCancelsTheFutureUnderIt() {
    CompletableFuture<MeshResponse> under = new CompletableFuture<>();
    recorder.substitute = under; // what asAsync maps: one that never completes by itself
    CompletableFuture<?> mapped = mesh.service("svc").get("/ok").asAsync(Map.class);
    assertTrue(mapped.cancel(true));
    assertTrue(under.isCancelled(), "the cancel reached the future under it");
  }

  @Test
  void anObserverWithoutAttemptInterceptorStillObservesTheCall() {
    Recorder plain = new Recorder(false);
    try (ServiceMeshClient m = build(plain)) {
      m.service("svc").get("/ok").execute();
    }
    assertEquals(5, plain.events.size(), plain.events.toString());
    assertEquals(0, plain.intercepted.get());
  }
}
