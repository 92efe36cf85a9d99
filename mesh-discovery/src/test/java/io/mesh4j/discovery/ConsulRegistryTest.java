package io.mesh4j.discovery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.mesh4j.discovery.TestSupport.threadsNamed;
import static io.mesh4j.discovery.TestSupport.uniqueService;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulExtension;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registry behaviour on the shared agent that the discovery tests do not already cover. */
class ConsulRegistryTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  private static ServiceInstance instance(String svc, int port) {
    return ServiceInstance.newBuilder().serviceName(svc).host("127.0.0.1").port(port).build();
  }

  @Test
  void oneSchedulerThreadPerRegistry_forHeartbeatsAndTheReconciliationRound() {
    String svc = uniqueService("beats");
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    List<String> before = threadsNamed("mesh4j-consul-registry-scheduler");
    try (ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build()) {
      r.register(ServiceRegistration.withoutHealthCheck(instance(svc, 6001)));
      r.register(ServiceRegistration.of(instance(svc, 6002),
          HealthCheck.http("/health").interval(Duration.ofSeconds(30)).build()));
      assertEquals(before.size() + 1, threadsNamed("mesh4j-consul-registry-scheduler").size(),
          "the reconciliation round (on by default) runs on the registry's scheduler thread");
      String checks = raw.get("/v1/agent/checks");
      assertTrue(checks.contains("service:" + svc + "-127.0.0.1-6002") && checks.contains("\"Type\": \"http\""),
          "HTTP check registered: " + checks);

      r.register(ServiceRegistration.of(instance(svc, 6003), HealthCheck.ttl(Duration.ofSeconds(30)).build()));
      assertEquals(before.size() + 1, threadsNamed("mesh4j-consul-registry-scheduler").size());
      assertTrue(raw.get("/v1/health/checks/" + svc).contains("\"passing\""), "TTL check passing at once");
      assertEquals(3, r.registeredIds().size());
    }
    assertEquals(before, threadsNamed("mesh4j-consul-registry-scheduler"));
    assertFalse(raw.get("/v1/agent/services").contains(svc), "close() deregistered all three");
  }

  @Test
  void reregisteringTheSameId_replacesIt_andDeregisteringAnUnknownIdIsFine() {
    String svc = uniqueService("again");
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    try (ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build()) {
      ServiceInstance i = instance(svc, 6101);
      r.register(ServiceRegistration.withoutHealthCheck(i));
      r.register(ServiceRegistration.withoutHealthCheck(i.toBuilder().tag("v2").build()));
      assertEquals(List.of(i.id()), r.registeredIds());
      assertTrue(raw.get("/v1/agent/service/" + i.id()).contains("v2"));
      r.deregister("no-such-instance");
      r.deregister(i.id());
      r.deregister(i.id());
      assertEquals(404, raw.status("/v1/agent/service/" + i.id()));
    }
  }

  private static HealthCheck fastTtl() {
    return HealthCheck.ttl(Duration.ofSeconds(30)).heartbeatInterval(Duration.ofMillis(20)).build();
  }

  /** Waits until the scheduler thread that ran a heartbeat is back waiting for work (the beat ended). */
  private static void awaitIdle(Thread beating) {
    TestSupport.await(Duration.ofSeconds(10), "the heartbeat to end", () -> {
      Thread.State s = beating.getState();
      return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.TERMINATED;
    });
  }

  @Test
  void deregisterFromAnotherThreadDuringAHeartbeat_waitsForIt_andLeavesNoZombie() throws Exception {
    String svc = uniqueService("zombie");
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    TestSupport.EventRecorder recorder = new TestSupport.EventRecorder();
    ServiceInstance i = instance(svc, 6201);
    try (ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).eventListener(recorder).build()) {
      AtomicReference<Thread> beating = new AtomicReference<>();
      AtomicReference<Thread> deregistering = new AtomicReference<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch raced = new CountDownLatch(1);
      r.beforeHeartbeat = () -> {
        if (!beating.compareAndSet(null, Thread.currentThread())) {
          return;
        }
        Thread t = new Thread(() -> {
          try {
            r.deregister(i.id());
          } catch (Throwable e) {
            failure.set(e);
          }
        }, "test-deregister");
        deregistering.set(t);
        t.start();
        // The deregistration goes as far as it can: to its end without serialization (then this
        // heartbeat meets "unknown check"), to the registration's lock with it.
        TestSupport.await(Duration.ofSeconds(10), "deregister() to block or end",
            () -> t.getState() == Thread.State.BLOCKED || t.getState() == Thread.State.TERMINATED);
        raced.countDown();
      };
      r.register(ServiceRegistration.of(i, fastTtl()));
      assertTrue(raced.await(10, TimeUnit.SECONDS), "a heartbeat ran");
      deregistering.get().join(10_000);
      assertFalse(deregistering.get().isAlive(), "deregister() returned");
      awaitIdle(beating.get());
      assertNull(failure.get());
      assertEquals(List.of(), r.registeredIds());
      assertEquals(404, raw.status("/v1/agent/service/" + i.id()), "not registered again behind our back");
      assertEquals(List.of(), recorder.of(ServiceReregisteredEvent.class));
    }
  }

  @Test
  void heartbeatThatMeetsItsOwnDeregistration_doesNotRegisterAgain() throws Exception {
    String svc = uniqueService("retired");
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    TestSupport.EventRecorder recorder = new TestSupport.EventRecorder();
    ServiceInstance i = instance(svc, 6202);
    try (ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).eventListener(recorder).build()) {
      AtomicReference<Thread> beating = new AtomicReference<>();
      CountDownLatch deregistered = new CountDownLatch(1);
      // The deregistration lands after the heartbeat decided to beat: the agent then answers
      // "unknown check", which must not be taken for an agent that forgot us.
      r.beforeHeartbeat = () -> {
        if (beating.compareAndSet(null, Thread.currentThread())) {
          r.deregister(i.id());
          deregistered.countDown();
        }
      };
      r.register(ServiceRegistration.of(i, fastTtl()));
      assertTrue(deregistered.await(10, TimeUnit.SECONDS), "a heartbeat ran");
      awaitIdle(beating.get());
      assertEquals(List.of(), r.registeredIds());
      assertEquals(404, raw.status("/v1/agent/service/" + i.id()), "not registered again behind our back");
      assertEquals(List.of(), recorder.of(ServiceReregisteredEvent.class));
    }
  }

  /**
   * The hook thread holds the registry ({@code this::close}), and the JVM holds every registered
   * hook until exit: a hook left behind by close() keeps the registry reachable for ever. So the
   * registry can be garbage collected exactly when its hook is gone.
   */
  @Test
  void shutdownHook_isRemovedByAnExplicitClose() {
    WeakReference<ConsulRegistry> closed = closedRegistryWithHook();
    await("the closed registry collected, so no shutdown hook holds it")
        .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          System.gc();
          return closed.get() == null;
        });
  }

  private static WeakReference<ConsulRegistry> closedRegistryWithHook() {
    ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).shutdownHook(true).build();
    r.close();
    r.close();
    assertThrows(IllegalStateException.class, () -> r.register(
        ServiceRegistration.withoutHealthCheck(instance("x", 1))));
    return new WeakReference<>(r);
  }

  /**
   * register() is all or nothing: when the first heartbeat of a TTL check fails after the agent
   * took the registration, the registration is taken back from the agent too. WireMock passes
   * every request to the real agent except that heartbeat, which it answers with a 500.
   */
  @Test
  void register_whoseFirstHeartbeatFails_isRolledBackOnTheAgent() {
    String svc = uniqueService("rollback");
    ServiceInstance i = instance(svc, 6301);
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    WireMockServer proxy = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    proxy.start();
    try (ConsulRegistry r = ConsulRegistry.builder().url(proxy.baseUrl()).build()) {
      proxy.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(CONSUL.agent().baseUrl())));
      proxy.stubFor(put(urlPathEqualTo("/v1/agent/check/pass/service:" + i.id())).atPriority(1)
          .willReturn(aResponse().withStatus(500).withBody("check update failed")));

      MeshException e = assertThrows(MeshException.class,
          () -> r.register(ServiceRegistration.of(i, HealthCheck.ttl(Duration.ofSeconds(30)).build())));
      assertTrue(e.getMessage().contains("first heartbeat of '" + i.id() + "'"), e.getMessage());
      assertEquals(List.of(), r.registeredIds(), "nothing kept locally");
      proxy.verify(1, putRequestedFor(urlPathEqualTo("/v1/agent/service/register")));
      proxy.verify(1, putRequestedFor(urlPathEqualTo("/v1/agent/service/deregister/" + i.id())));
      assertEquals(404, raw.status("/v1/agent/service/" + i.id()), "and nothing left on the agent");
    } finally {
      proxy.stop();
    }
  }

  @Test
  void localAddress_isAnIpv4Literal() {
    String a = ConsulRegistry.localAddress();
    assertTrue(a.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), a);
  }
}
