package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.resilience.TimeoutConfig;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.FaultProxy;
import io.mesh4j.testkit.FaultProxyExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The faults that really hurt, under steady load, with the client's default settings (issue 14):
 * three WireMock instances, each behind its own {@link FaultProxy}, registered in a real Consul
 * agent at the proxy's address and discovered through {@link ConsulDiscovery}; about 100 async
 * GETs per second; one instance faulted for about 5 s once the service has a latency history.
 * The last scenario sets a fixed 10 s attempt timeout, which keeps the hole's attempts stuck for
 * the whole fault, to show the per-instance bound and OkHttp's per-host limit at work.
 *
 * <p>Why the ejection bound is {@value #EJECTION_BOUND_SECONDS} s: the default attempt timeout is
 * 5 × the service's p99, at least 1 s, so on loopback an attempt caught by the fault times out
 * about 1 s after it was sent, and the fifth timed-out attempt in a row ejects the instance; the
 * first five are sent within the fault's first ~150 ms. On an idle machine that is ~1.2 s. The
 * bound leaves room for a p99 of up to 1 s on a loaded machine (an attempt timeout of 5 s); the old
 * fixed 10 s attempt timeout could not eject anything before 10 s.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChaosScenariosTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension
  final FaultProxyExtension proxies = new FaultProxyExtension();

  private static final int EJECTION_BOUND_SECONDS = 6;
  private static final int RATE_PER_SECOND = 100;
  /** Successful calls before the fault: a latency history for the adaptive timeout (needs 20). */
  private static final int WARM_CALLS = 250;
  /** Calls sent while the fault holds: about 5 s at 100/s. */
  private static final int FAULT_CALLS = 500;
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String PAD = "x".repeat(300);

  static ConsulDiscovery discovery;
  static ConsulRegistry registry;
  Backends backends;
  final List<FaultProxy> proxy = new ArrayList<>();
  final List<ServiceInstance> instances = new ArrayList<>();
  final Queue<TimedEvent> events = new ConcurrentLinkedQueue<>();
  String service;

  record TimedEvent(long nanos, ResilienceEvent event) {}

  @BeforeAll
  static void connect() {
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
  }

  /**
   * Compiles the call path before any scenario: a cold JVM's first calls take hundreds of
   * milliseconds, and the adaptive attempt timeout (5 × p99 over the last 5 to 10 s) of whichever
   * scenario ran first would include them. The scenarios are about a service in steady state.
   */
  @BeforeAll
  static void warmUpTheJvm() {
    try (Backends warm = new Backends(1);
        ServiceMeshClient mesh = ServiceMeshClient.builder()
            .discovery(StaticServiceDiscovery.of("warm-up", warm.instances("warm-up"))).build()) {
      warm.get(0).stubFor(any(anyUrl()).willReturn(okJson("{\"pad\":\"" + PAD + "\"}")));
      List<CompletableFuture<MeshResponse>> calls = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        calls.add(mesh.service("warm-up").get("/items/{n}", i).executeAsync());
        if (calls.size() == 32) {
          calls.forEach(CompletableFuture::join);
          calls.clear();
        }
      }
      calls.forEach(CompletableFuture::join);
    }
  }

  @AfterAll
  static void disconnect() {
    registry.close();
    discovery.close();
  }

  @BeforeEach
  void register(TestInfo info) {
    service = "chaos-" + info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "")
        .substring(0, 12) + "-" + SEQ.incrementAndGet();
    backends = new Backends(3);
    for (int i = 0; i < 3; i++) {
      // About 330 bytes with the headers: a drip of one byte per 10 ms takes over 3 s per answer.
      backends.get(i).stubFor(any(anyUrl()).willReturn(okJson("{\"backend\":" + i + ",\"pad\":\"" + PAD + "\"}")));
      FaultProxy p = proxies.start("127.0.0.1", backends.get(i).port());
      proxy.add(p);
      ServiceInstance at = ServiceInstance.newBuilder().serviceName(service).id(service + "-" + i)
          .host(p.host()).port(p.port()).build();
      instances.add(at);
      registry.register(ServiceRegistration.withoutHealthCheck(at));
    }
    await("3 instances discovered").atMost(Duration.ofSeconds(10))
        .until(() -> discovery.instances(service).size() == 3);
  }

  @AfterEach
  void deregister() {
    for (ServiceInstance i : instances) {
      registry.deregister(i.id());
    }
    backends.close();
  }

  /** A client with the default settings, but for what {@code tweak} sets. */
  private ServiceMeshClient mesh(Consumer<ServiceMeshClient.Builder> tweak) {
    ServiceMeshClient.Builder b = ServiceMeshClient.builder().discovery(discovery)
        .listener(new MeshEventListener() {
          @Override
          public void onEvent(MeshEvent e) {
            if (e instanceof ResilienceEvent.InstanceEjected || e instanceof ResilienceEvent.InstanceReturned) {
              events.add(new TimedEvent(System.nanoTime(), (ResilienceEvent) e));
            }
          }
        });
    tweak.accept(b);
    return b.build();
  }

  /**
   * An instance that accepts and never answers: no call fails, the instance is ejected within the
   * bound, the two others answer everything meanwhile, and once the hole is gone it gets traffic
   * again. The one setting changed is the ejection time (2 s instead of 30 s), so that the return
   * happens within the test; it also makes the instance come back, fail its trial call and be
   * ejected again while the fault still holds, which must not fail a call either.
   */
  @Test
  void aBlackHoledInstanceFailsNoCallIsEjectedAndComesBack() {
    ServiceInstance hole = instances.get(0);
    try (ServiceMeshClient mesh = mesh(b -> b.outlierEjection(OutlierEjectionConfig.builder()
        .ejectionTime(Duration.ofSeconds(2), Duration.ofSeconds(300)).build()));
        SteadyLoad load = new SteadyLoad(mesh, service, RATE_PER_SECOND)) {
      load.awaitSucceeded(WARM_CALLS);
      long faultAt = System.nanoTime();
      proxy.get(0).blackhole();
      double ejectedAfter = awaitEjected(hole, faultAt);
      load.awaitSentSince(faultAt, FAULT_CALLS);
      proxy.get(0).clear();
      long clearedAt = System.nanoTime();
      // Healthy instances answered all along: each took about half of the calls sent during the fault.
      for (int i = 1; i < 3; i++) {
        long answered = load.answeredBy(instances.get(i), faultAt, clearedAt);
        assertTrue(answered >= FAULT_CALLS / 5, instances.get(i).id() + " answered " + answered + " calls during the fault");
      }
      await("the black-holed instance answers calls again after clear()").atMost(Duration.ofSeconds(20))
          .until(() -> load.answeredBy(hole, clearedAt, Long.MAX_VALUE) >= 5);
      load.stop();
      load.assertNoFailedCall();
      System.out.printf("black hole: %d calls, ejected after %.2f s, p50 %d ms, p99 %d ms during the fault%n",
          load.calls.size(), ejectedAfter, load.percentileMillis(50, faultAt, clearedAt),
          load.percentileMillis(99, faultAt, clearedAt));
    }
  }

  /** An instance that trickles its answer one byte per 10 ms: no call fails and it is ejected. */
  @Test
  void aSlowDripInstanceFailsNoCallAndIsEjected() {
    ServiceInstance drip = instances.get(1);
    try (ServiceMeshClient mesh = mesh(b -> { });
        SteadyLoad load = new SteadyLoad(mesh, service, RATE_PER_SECOND)) {
      load.awaitSucceeded(WARM_CALLS);
      long faultAt = System.nanoTime();
      proxy.get(1).drip(FaultProxy.Direction.DOWNSTREAM, 1, Duration.ofMillis(10));
      double ejectedAfter = awaitEjected(drip, faultAt);
      load.awaitSentSince(faultAt, FAULT_CALLS);
      proxy.get(1).clear();
      long clearedAt = System.nanoTime();
      load.stop();
      load.assertNoFailedCall();
      System.out.printf("slow drip: %d calls, ejected after %.2f s, p50 %d ms, p99 %d ms during the fault%n",
          load.calls.size(), ejectedAfter, load.percentileMillis(50, faultAt, clearedAt),
          load.percentileMillis(99, faultAt, clearedAt));
    }
  }

  /**
   * All three instances are on one host name (127.0.0.1, different ports). OkHttp limits requests
   * per host <em>name</em>; with that limit below what a black hole can hold, the stuck attempts
   * queued the healthy instances' requests behind them (the issue measured a p50 of 8.45 s). With
   * the defaults, no request waits in OkHttp's queue and the p50 of the calls sent during the
   * fault stays that of a loopback call.
   */
  @Test
  void aBlackHoleDoesNotSlowDownInstancesOnTheSameHostName() {
    assertEquals(1, instances.stream().map(ServiceInstance::host).distinct().count(), "one host name");
    try (ServiceMeshClient mesh = mesh(b -> { });
        SteadyLoad load = new SteadyLoad(mesh, service, RATE_PER_SECOND)) {
      load.awaitSucceeded(WARM_CALLS);
      long faultAt = System.nanoTime();
      proxy.get(2).blackhole();
      load.awaitSentSince(faultAt, FAULT_CALLS);
      proxy.get(2).clear();
      long clearedAt = System.nanoTime();
      load.stop();
      long p50 = load.percentileMillis(50, faultAt, clearedAt);
      long ej = ejectedAt(instances.get(2));
      System.out.printf("same host name: ejected after %.2f s, p50 %d ms, p90 %d ms during the fault, at most %d requests queued in OkHttp%n",
          ej == 0 ? -1.0 : (ej - faultAt) / 1e9, p50, load.percentileMillis(90, faultAt, clearedAt), load.maxQueued.get());
      assertTrue(p50 < 300, "p50 of the calls sent during the fault: " + p50 + " ms");
      assertEquals(0, load.maxQueued.get(), "requests queued in OkHttp's dispatcher behind the stuck ones");
      load.assertNoFailedCall();
    }
  }

  /**
   * The same with a fixed 10 s attempt timeout, as a service with slow endpoints might set: the
   * attempts caught by the hole now stay stuck for the whole fault. The per-instance bound keeps
   * them to {@value BulkheadConfig#DEFAULT_MAX_ATTEMPTS_PER_INSTANCE} (so they cannot take the
   * service's bulkhead), and OkHttp's per-host-name limit, as large as its global one, does not let
   * them queue the healthy instances' requests: still no failed call, no queueing, a small p50.
   */
  @Test
  void withALongFixedAttemptTimeoutTheBlackHoleHoldsOnlyItsOwnSlots() {
    try (ServiceMeshClient mesh = mesh(b -> b.service(service,
        s -> s.timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(10)).build())));
        SteadyLoad load = new SteadyLoad(mesh, service, RATE_PER_SECOND, () -> proxy.get(2).openConnections())) {
      load.awaitSucceeded(WARM_CALLS);
      long faultAt = System.nanoTime();
      proxy.get(2).blackhole();
      int bound = BulkheadConfig.DEFAULT_MAX_ATTEMPTS_PER_INSTANCE;
      await("the hole holds its bound of attempts").atMost(Duration.ofSeconds(10))
          .until(() -> proxy.get(2).openConnections() >= bound);
      load.awaitSentSince(faultAt, FAULT_CALLS);
      proxy.get(2).clear();
      long clearedAt = System.nanoTime();
      load.stop();
      long p50 = load.percentileMillis(50, faultAt, clearedAt);
      System.out.printf("fixed 10 s timeout: p50 %d ms, p90 %d ms during the fault, at most %d connections to the hole,"
          + " %d requests queued in OkHttp%n", p50, load.percentileMillis(90, faultAt, clearedAt), load.maxProbe.get(),
          load.maxQueued.get());
      // Pooled connections the hole had before the fault may stay idle beside the stuck ones.
      assertTrue(load.maxProbe.get() <= bound + 8, "connections open to the hole: " + load.maxProbe.get());
      assertTrue(p50 < 300, "p50 of the calls sent during the fault: " + p50 + " ms");
      assertEquals(0, load.maxQueued.get(), "requests queued in OkHttp's dispatcher behind the stuck ones");
      load.assertNoFailedCall();
    }
  }

  /** Waits for {@code instance}'s ejection within the bound; the seconds it took since {@code faultAt}. */
  private double awaitEjected(ServiceInstance instance, long faultAt) {
    await(instance.id() + " ejected").atMost(Duration.ofSeconds(EJECTION_BOUND_SECONDS))
        .until(() -> ejectedAt(instance) != 0);
    return (ejectedAt(instance) - faultAt) / 1e9;
  }

  private long ejectedAt(ServiceInstance instance) {
    for (TimedEvent e : events) {
      if (e.event instanceof ResilienceEvent.InstanceEjected ej && ej.instance().equals(instance)) {
        return e.nanos;
      }
    }
    return 0;
  }

  /** About {@code rate} async GETs per second from a timer until stopped; every call's times and outcome kept. */
  static final class SteadyLoad implements AutoCloseable {
    record Call(long sentNanos, long endNanos, ServiceInstance instance, Throwable error) {}

    final Queue<Call> calls = new ConcurrentLinkedQueue<>();
    final List<Long> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger maxQueued = new AtomicInteger();
    final AtomicInteger maxProbe = new AtomicInteger();
    private final IntSupplier probe;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "chaos-load");
      t.setDaemon(true);
      return t;
    });
    private final ServiceMeshClient mesh;
    private final String service;
    private final AtomicInteger seq = new AtomicInteger();

    SteadyLoad(ServiceMeshClient mesh, String service, int rate) {
      this(mesh, service, rate, () -> 0);
    }

    /** As above, sampling {@code probe} at every call into {@link #maxProbe}. */
    SteadyLoad(ServiceMeshClient mesh, String service, int rate, IntSupplier probe) {
      this.mesh = mesh;
      this.service = service;
      this.probe = probe;
      timer.scheduleAtFixedRate(this::send, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
    }

    private void send() {
      long now = System.nanoTime();
      sent.add(now);
      outstanding.incrementAndGet();
      CompletableFuture<MeshResponse> f;
      try {
        f = mesh.service(service).get("/items/{n}", seq.incrementAndGet()).executeAsync();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((r, e) -> {
        Throwable error = e != null ? e
            : r.status() != 200 ? new AssertionError("status " + r.status()) : null;
        calls.add(new Call(now, System.nanoTime(), r == null ? null : r.instance().orElse(null), error));
        outstanding.decrementAndGet();
      });
      maxQueued.accumulateAndGet(mesh.httpClient().dispatcher().queuedCallsCount(), Math::max);
      maxProbe.accumulateAndGet(probe.getAsInt(), Math::max);
    }

    void awaitSucceeded(int n) {
      await(n + " successful calls").atMost(Duration.ofSeconds(20))
          .until(() -> calls.stream().filter(c -> c.error == null).count() >= n);
    }

    void awaitSentSince(long since, int n) {
      await(n + " calls sent").atMost(Duration.ofSeconds(20))
          .until(() -> sent.stream().filter(t -> t - since >= 0).count() >= n);
    }

    long answeredBy(ServiceInstance instance, long from, long to) {
      return calls.stream().filter(c -> c.error == null && instance.equals(c.instance)
          && c.sentNanos - from >= 0 && to - c.sentNanos >= 0).count();
    }

    /** The {@code p}th percentile latency of the successful calls sent between {@code from} and {@code to}. */
    long percentileMillis(int p, long from, long to) {
      List<Long> l = calls.stream().filter(c -> c.error == null && c.sentNanos - from >= 0 && to - c.sentNanos >= 0)
          .map(c -> (c.endNanos - c.sentNanos) / 1_000_000).sorted().collect(Collectors.toList());
      return l.isEmpty() ? -1 : l.get(Math.min(l.size() - 1, (int) Math.ceil(p / 100.0 * l.size()) - 1));
    }

    /** Stops sending and waits for the calls in flight (each ends by its 30 s deadline at worst). */
    void stop() {
      timer.shutdownNow();
      await("calls in flight ended").atMost(Duration.ofSeconds(20)).until(() -> outstanding.get() == 0);
    }

    void assertNoFailedCall() {
      List<Call> failed = calls.stream().filter(c -> c.error != null).collect(Collectors.toList());
      assertTrue(failed.isEmpty(), failed.size() + " of " + calls.size() + " calls failed, the first: "
          + failed.stream().limit(3).map(c -> String.valueOf(c.error)).collect(Collectors.joining("; ")));
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
