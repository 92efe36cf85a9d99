package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static io.mesh4j.discovery.TestSupport.threadsNamed;
import static io.mesh4j.discovery.TestSupport.uniqueService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.Subscription;
import io.mesh4j.discovery.internal.NamedThreadFactory;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11 item 16: a watch of a service nobody asks about stops after watchIdleTimeout (on an
 * injected ticker) and its thread ends; the next call starts a fresh one. Against the real agent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleWatchTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final Duration T = Duration.ofSeconds(15);
  private static final String WATCH_THREADS = NamedThreadFactory.PREFIX + "watch-";

  private final AtomicLong now = new AtomicLong();
  private ConsulRegistry registry;

  @BeforeEach
  void setUp() {
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private ConsulDiscovery.Builder discovery() {
    // A 1 s wait, so the loop comes round (and checks idleness) every second.
    return ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).queryWait(Duration.ofSeconds(1)).ticker(now::get);
  }

  private static ServiceInstance instance(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  private static long watchThreadsOf(String service) {
    return threadsNamed(WATCH_THREADS + service + "-").size();
  }

  @Test
  void anIdleWatchStopsItsThreadAndTheNextCallLoadsAfresh() {
    String idle = uniqueService("idle");
    String subscribed = uniqueService("subscribed");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(idle, 9101)));
    registry.register(ServiceRegistration.withoutHealthCheck(instance(subscribed, 9102)));
    try (ConsulDiscovery discovery = discovery().watchIdleTimeout(Duration.ofMinutes(10)).build()) {
      assertEquals(1, discovery.instances(idle).size());
      Subscription sub = discovery.subscribe(subscribed, change -> { });
      assertEquals(1, watchThreadsOf(idle));
      assertEquals(1, watchThreadsOf(subscribed));

      // Nobody asks for 'idle' while the ticker moves on: its watch retires and its thread ends.
      await(T, "the idle watch's thread ended", () -> {
        now.addAndGet(Duration.ofMinutes(11).toNanos());
        return watchThreadsOf(idle) == 0;
      });
      assertFalse(discovery.watchedServices().contains(idle), discovery.watchedServices().toString());
      assertEquals(1, watchThreadsOf(subscribed), "a watch with a subscriber is never idle");

      // While no watch ran, the service changed: the next call starts a watch and sees it.
      registry.register(ServiceRegistration.withoutHealthCheck(instance(idle, 9103)));
      assertEquals(2, discovery.instances(idle).size());
      assertEquals(1, watchThreadsOf(idle));
      assertTrue(discovery.watchedServices().contains(idle));

      // Unsubscribed, the other one retires too.
      sub.close();
      await(T, "the unsubscribed watch's thread ended", () -> {
        now.addAndGet(Duration.ofMinutes(11).toNanos());
        return watchThreadsOf(subscribed) == 0;
      });
      discovery.subscribe(subscribed, change -> { });
      assertEquals(1, watchThreadsOf(subscribed), "a new subscriber starts it again");
    }
  }

  @Test
  void aWatchThatIsReadStaysAndZeroMeansNever() {
    String read = uniqueService("read");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(read, 9104)));
    try (ConsulDiscovery never = discovery().watchIdleTimeout(Duration.ZERO).build();
        ConsulDiscovery readOften = discovery().build()) {
      String other = uniqueService("other");
      registry.register(ServiceRegistration.withoutHealthCheck(instance(other, 9105)));
      assertEquals(1, never.instances(other).size());
      assertEquals(1, readOften.instances(read).size());
      // Each round reads 'read' and moves the ticker by less than the timeout: never idle that long.
      for (int round = 0; round < 30; round++) {
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        assertEquals(1, readOften.instances(read).size());
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        await(T, "a tenth of a second", () -> System.nanoTime() > until);
      }
      assertEquals(1, watchThreadsOf(read), "read every 4 ticker minutes: stays");
      assertEquals(1, watchThreadsOf(other), "watchIdleTimeout 0: never stops");
    }
    assertThrows(IllegalArgumentException.class, () -> discovery().watchIdleTimeout(Duration.ofSeconds(-1)));
  }
}
