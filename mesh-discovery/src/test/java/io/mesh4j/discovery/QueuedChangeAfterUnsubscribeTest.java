package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static io.mesh4j.discovery.TestSupport.uniqueService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.Subscription;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A change already queued for a listener when its subscription is closed (or its discovery is
 * closed) is not delivered: {@link Subscription#close()} "stops calls to the listener", and a queued
 * change is a call that has not happened yet. (A call already running when close() is called runs
 * to its end: close() does not wait for it.)
 *
 * <p>The race is made deterministic with a listener executor of the test's own, one thread, that
 * the test blocks: the watch queues the change behind the blocking task, the test sees it in the
 * executor's queue, closes, then unblocks. A control subscriber that stays subscribed gets the same
 * change after the closed one's turn, so "not delivered" is checked after it was due. Real agent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueuedChangeAfterUnsubscribeTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final Duration T = Duration.ofSeconds(15);

  private ConsulRegistry registry;
  private ThreadPoolExecutor listeners;
  private final CountDownLatch gate = new CountDownLatch(1);

  @BeforeEach
  void setUp() {
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    listeners = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    gate.countDown();
    listeners.shutdownNow();
    assertTrue(listeners.awaitTermination(10, TimeUnit.SECONDS), "the test's listener thread ended");
    registry.close();
  }

  private static ServiceInstance instance(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  /** Blocks the one listener thread until {@link #gate} opens; returns once it is blocked. */
  private void blockListenerThread() throws InterruptedException {
    CountDownLatch blocked = new CountDownLatch(1);
    listeners.execute(() -> {
      blocked.countDown();
      try {
        gate.await(T.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(blocked.await(T.toMillis(), TimeUnit.MILLISECONDS), "the listener thread was blocked");
  }

  @Test
  void aChangeQueuedBeforeUnsubscribeIsNotDeliveredAfterIt() throws InterruptedException {
    String service = uniqueService("queued");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 9201)));
    try (ConsulDiscovery discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl())
        .listenerExecutor(listeners).build()) {
      assertEquals(1, discovery.instances(service).size());
      TestSupport.Recorder leaving = new TestSupport.Recorder();
      TestSupport.Recorder staying = new TestSupport.Recorder();
      Subscription sub = discovery.subscribe(service, leaving);
      discovery.subscribe(service, staying);
      await(T, "both heard the current list", () -> leaving.lastSize() == 1 && staying.lastSize() == 1);

      blockListenerThread();
      registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 9202)));
      // One lane task per subscriber, the leaving one's first: the change is queued for both.
      await(T, "the change queued for both listeners", () -> listeners.getQueue().size() == 2);
      sub.close();
      gate.countDown();

      await(T, "the staying listener got the change", () -> staying.lastSize() == 2);
      await(T, "the listener thread idle", () -> listeners.getQueue().isEmpty() && listeners.getActiveCount() == 0);
      assertEquals(1, leaving.changes.size(), "after close() returned, the queued change was not delivered: "
          + leaving.changes);
    }
  }

  @Test
  void aChangeQueuedBeforeTheDiscoveryClosesIsNotDelivered() throws InterruptedException {
    String service = uniqueService("closing");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 9203)));
    TestSupport.Recorder listener = new TestSupport.Recorder();
    try (ConsulDiscovery discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl())
        .listenerExecutor(listeners).build()) {
      assertEquals(1, discovery.instances(service).size());
      discovery.subscribe(service, listener);
      await(T, "the listener heard the current list", () -> listener.lastSize() == 1);

      blockListenerThread();
      registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 9204)));
      await(T, "the change queued", () -> listeners.getQueue().size() == 1);
    } // close() stops the watch while the change waits in the queue
    gate.countDown();
    await(T, "the listener thread idle", () -> listeners.getQueue().isEmpty() && listeners.getActiveCount() == 0);
    assertEquals(1, listener.changes.size(), "after the discovery closed, the queued change was not delivered: "
        + listener.changes);
  }
}
