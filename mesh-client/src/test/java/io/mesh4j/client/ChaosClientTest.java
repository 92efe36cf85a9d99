package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.ResilienceEvent;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fault injection, hedging over HTTP, and the client defaults that survive hanging instances (issue 14). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChaosClientTest {
  private static final String SVC = "chaos";
  private Backends backends;
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    backends = Backends.withJournal(2);
    for (int i = 0; i < 2; i++) {
      backends.get(i).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("b" + i)));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    backends.close();
  }

  private ServiceMeshClient mesh(List<ServiceInstance> instances, java.util.function.Consumer<ServiceSettings> svc) {
    ServiceMeshClient m = ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of(SVC, instances))
        .loadBalancer(LoadBalancer.roundRobin()).listener(new io.mesh4j.api.MeshEventListener() {
          @Override
          public void onEvent(MeshEvent event) {
            events.add(event);
          }
        }).service(SVC, svc).build();
    closeables.add(m);
    return m;
  }

  @Test
  void anInjectedAbortAnswersWithoutSendingAndIsVisibleInEvents() {
    ServiceMeshClient mesh = mesh(backends.instances(SVC), s -> { });
    mesh.faults(SVC).abort(100, 503);
    CallFailedException e = assertThrows(CallFailedException.class, () -> mesh.service(SVC).get("/x").execute());
    assertEquals(503, e.status());
    assertEquals(0, backends.received(0) + backends.received(1), "nothing reached the instances");
    assertTrue(events.stream().anyMatch(ev -> ev instanceof FaultInjectedEvent f && f.abortStatus() == 503));
    // Changed at run time: cleared, calls go through again.
    mesh.faults(SVC).clear();
    assertEquals(200, mesh.service(SVC).get("/x").execute().status());
  }

  @Test
  void anInjectedConnectionErrorFailsAsARefusedConnectWould() {
    ServiceMeshClient mesh = mesh(backends.instances(SVC), s -> { });
    mesh.faults(SVC).abortWithConnectionError(100);
    RuntimeException e = assertThrows(RuntimeException.class, () -> mesh.service(SVC).get("/x").execute());
    Throwable cause = e;
    while (cause != null && !(cause instanceof ConnectException)) {
      cause = cause.getCause();
    }
    assertInstanceOf(ConnectException.class, cause, () -> "got " + e);
  }

  @Test
  void anInjectedDelayCountsAgainstTheAttemptTimeoutSyncAndAsync() throws Exception {
    ServiceMeshClient mesh = mesh(backends.instances(SVC), s -> { });
    mesh.faults(SVC).delay(100, Duration.ofMillis(150));
    long start = System.nanoTime();
    assertEquals(200, mesh.service(SVC).get("/x").execute().status());
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(150));
    start = System.nanoTime();
    assertEquals(200, mesh.service(SVC).get("/x").executeAsync().get(10, TimeUnit.SECONDS).status());
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(150));
    assertThrows(RuntimeException.class, () -> mesh.service(SVC).get("/x").maxAttempts(1)
        .timeout(Duration.ofMillis(50)).execute());
    assertThrows(RuntimeException.class, () -> mesh.service(SVC).get("/x").maxAttempts(1)
        .timeout(Duration.ofMillis(50)).executeAsync().join());
  }

  @Test
  void headerTriggersApplyOnlyWhenAllowed() {
    ServiceMeshClient mesh = mesh(backends.instances(SVC), s -> { });
    MeshRequest asking = mesh.service(SVC).get("/x").header(FaultInjection.ABORT_HEADER, "418").maxAttempts(1);
    assertEquals(200, asking.execute().status(), "ignored while triggers are off");
    mesh.faults(SVC).allowHeaderTriggers(true);
    CallFailedException e = assertThrows(CallFailedException.class, () -> mesh.service(SVC).get("/x")
        .header(FaultInjection.ABORT_HEADER, "418").maxAttempts(1).execute());
    assertEquals(418, e.status());
    assertEquals(200, mesh.service(SVC).get("/x").execute().status(), "requests without the header pass");
  }

  @Test
  void aConnectThatHangsTimesOutInHalfASecondAndIsRetriedOnAnotherInstanceAtOnce() throws Exception {
    ServerSocket full = fullAcceptQueue();
    ServiceInstance dropping = ServiceInstance.newBuilder().serviceName(SVC).id("dropping").host("127.0.0.1")
        .port(full.getLocalPort()).build();
    ServiceMeshClient mesh = mesh(List.of(dropping, backends.instance(SVC, 1)), s -> { });
    long start = System.nanoTime();
    MeshResponse r = mesh.service(SVC).get("/x").execute();
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals("b1", r.bodyString());
    assertTrue(tookMillis < 1_500, "took " + tookMillis + " ms");
    ResilienceEvent.AttemptFinished first = events.stream().filter(ResilienceEvent.AttemptFinished.class::isInstance)
        .map(ResilienceEvent.AttemptFinished.class::cast).findFirst().orElseThrow();
    assertEquals("dropping", first.instance().id());
    assertInstanceOf(SocketTimeoutException.class, first.error());
    assertTrue(first.outcome().retryAtOnce(), "a connect timeout is retried without backoff");
  }

  @Test
  void hangingRequestsToOneInstanceDoNotQueueAnotherOnTheSameHostName() throws Exception {
    ServerSocket hole = acceptAndNeverAnswer();
    ServiceInstance holeInstance = ServiceInstance.newBuilder().serviceName(SVC).id("hole").host("127.0.0.1")
        .port(hole.getLocalPort()).build();
    ServiceMeshClient mesh = mesh(List.of(holeInstance, backends.instance(SVC, 1)), s -> { });
    List<CompletableFuture<MeshResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 160; i++) {
      calls.add(mesh.service(SVC).get("/x").timeout(Duration.ofSeconds(20)).executeAsync());
    }
    // 64 hang on the hole (its bound); every other call is answered by the healthy instance on the
    // same host name. With OkHttp's per-host limit at 64 they would queue behind the stuck ones.
    Backends.await("the healthy instance's answers", Duration.ofSeconds(10),
        () -> calls.stream().filter(CompletableFuture::isDone).count() >= 160 - 64);
    long answered = calls.stream().filter(c -> c.isDone() && !c.isCompletedExceptionally()).count();
    assertEquals(160 - 64, answered);
    calls.forEach(c -> c.cancel(true));
  }

  @Test
  void aHedgedSyncCallIsAnsweredByTheFastInstanceAndTheSlowRequestIsCancelled() {
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("slow")
        .withFixedDelay(5_000)));
    ServiceMeshClient mesh = mesh(backends.instances(SVC),
        s -> s.hedging(HedgingConfig.fixedDelay(Duration.ofMillis(30))));
    for (int i = 0; i < 4; i++) {
      long start = System.nanoTime();
      assertEquals("b1", mesh.service(SVC).get("/x").asString());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
    }
    assertTrue(events.stream().anyMatch(ResilienceEvent.HedgeSent.class::isInstance));
    // POST is not idempotent: never hedged.
    events.clear();
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("b0")));
    mesh.service(SVC).post("/x").execute();
    assertTrue(events.stream().noneMatch(ResilienceEvent.HedgeSent.class::isInstance));
  }

  /** A listening socket whose accept queue is full: the kernel drops further SYNs, as a black-holed host does. */
  private ServerSocket fullAcceptQueue() throws IOException {
    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    closeables.add(s);
    for (int i = 0; i < 8; i++) {
      Socket c = new Socket();
      closeables.add(c);
      try {
        c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()), 200);
      } catch (SocketTimeoutException queueFull) {
        return s;
      }
    }
    throw new AssertionError("the accept queue never filled");
  }

  /** Accepts connections and never answers (reads nothing, writes nothing). */
  private ServerSocket acceptAndNeverAnswer() throws IOException {
    ServerSocket s = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    closeables.add(s);
    Thread t = new Thread(() -> {
      try {
        while (!s.isClosed()) {
          closeables.add(s.accept());
        }
      } catch (IOException closed) {
        // the test is over
      }
    }, "black-hole-acceptor");
    t.setDaemon(true);
    t.start();
    return s;
  }
}
