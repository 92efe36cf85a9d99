package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static io.mesh4j.discovery.TestSupport.threadsNamed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.discovery.internal.NamedThreadFactory;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15 part 4: watches in the shared view ({@code sharedViewAbove(0)}) keep what long polls of
 * their own do: no thread per service, the last known list while the agent is down and a fresh
 * one after, idle retirement. A private agent, since it is stopped.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedViewTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.privateInstance();
  private static final Duration T = Duration.ofSeconds(15);
  private static final String WATCH_THREADS = NamedThreadFactory.PREFIX + "watch-";

  private ConsulDiscovery.Builder shared() {
    return ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).sharedViewAbove(0)
        .queryWait(Duration.ofSeconds(2)).errorBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
  }

  @Test
  void sharedWatchesServeTheLastListWhileTheAgentIsDownAndReadItAgainAfter() {
    for (int i = 0; i < 5; i++) {
      CONSUL.agent().catalogRegister("shared-node", "outage-" + i, 21_000 + i, "passing");
    }
    try (ConsulDiscovery discovery = shared().build()) {
      for (int i = 0; i < 5; i++) {
        assertEquals(1, discovery.instances("outage-" + i).size());
      }
      assertEquals(0, threadsNamed(WATCH_THREADS + "outage-").size(), "no long poll of their own");
      CONSUL.agent().stop();
      try {
        await(T, "the view noticed the outage", () -> discovery.instances("outage-3").size() == 1
            && threadsNamed(WATCH_THREADS + "view-").size() == 2);
        for (int i = 0; i < 5; i++) {
          assertEquals(1, discovery.instances("outage-" + i).size(), "last known list of outage-" + i);
        }
      } finally {
        CONSUL.agent().start();
      }
      // A dev agent comes back empty: a fresh read says so, then a new registration arrives.
      await(T, "the restarted agent's empty answer", () -> discovery.instances("outage-1").isEmpty());
      CONSUL.agent().catalogRegister("shared-node", "outage-1", 21_101, "passing");
      await(T, "the new instance", () -> discovery.instances("outage-1").size() == 1
          && discovery.instances("outage-1").get(0).port() == 21_101);
    }
  }

  /**
   * One catalog answer can hold several registrations. A new service names itself in the
   * catalog's service list; an instance without checks added to a watched service in the same
   * write names nothing, and no check moves: the view must not take the first as the whole story.
   */
  @Test
  void anUnnamedRegistrationBesideANamedOneInTheSameAnswerIsSeen() {
    CONSUL.agent().catalogRegisterInOneWrite("txn-node", Map.of("beside", 21_300));
    try (ConsulDiscovery discovery = shared().build()) {
      assertEquals(1, discovery.instances("beside").size());
      // Alone, it is an unnamed change: every watch is fetched. Seen, it also shows the view's
      // loops past their first answers, whose baselines would fetch every watch anyway.
      CONSUL.agent().catalogRegisterInOneWrite("txn-node", Map.of("beside", 21_301));
      await(T, "the second instance of 'beside', alone", () -> discovery.instances("beside").size() == 2);
      CONSUL.agent().catalogRegisterInOneWrite("txn-node", Map.of("beside", 21_302, "beside-new", 21_303));
      await(T, "the third instance of 'beside', written with a new service",
          () -> discovery.instances("beside").size() == 3);
    }
  }

  @Test
  void anIdleSharedWatchRetiresAndTheNextCallLoadsAfresh() {
    CONSUL.agent().catalogRegister("shared-node", "idle-shared", 21_200, "passing");
    CONSUL.agent().catalogRegister("shared-node", "busy-shared", 21_201, "passing");
    AtomicLong now = new AtomicLong();
    try (ConsulDiscovery discovery = shared().ticker(now::get).watchIdleTimeout(Duration.ofMinutes(10)).build()) {
      assertEquals(1, discovery.instances("idle-shared").size());
      discovery.subscribe("busy-shared", change -> { });
      await(T, "the idle shared watch retired", () -> {
        now.addAndGet(Duration.ofMinutes(11).toNanos());
        return !discovery.watchedServices().contains("idle-shared");
      });
      assertTrue(discovery.watchedServices().contains("busy-shared"), "a subscribed watch is never idle");
      CONSUL.agent().catalogRegister("shared-node", "idle-shared", 21_202, "passing");
      assertEquals(2, discovery.instances("idle-shared").size(), "a fresh first load");
      assertFalse(discovery.watchedServices().isEmpty());
    }
  }
}
