package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared view's health query asks Consul for the watched services' checks only (and the
 * node-level ones), not every check of the datacenter ({@code docs/scaling.md}, "Watching many
 * services"). A private agent, so that its checks are only this class's: the dev agent's own
 * serfHealth is the one node-level check.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedViewFilterTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.privateInstance();
  private static final Duration T = Duration.ofSeconds(10);

  private ConsulDiscovery.Builder shared(Duration wait) {
    return ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).sharedViewAbove(0).queryWait(wait)
        .errorBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
  }

  /** Fails unless every answer so far held at most {@code perRound} checks. */
  private static void assertAnswersAtMost(ConsulDiscovery discovery, int perRound) {
    long rounds = discovery.viewHealthRounds();
    long read = discovery.viewChecksRead();
    assertTrue(rounds >= 2, "rounds " + rounds);
    assertTrue(read <= rounds * perRound, read + " checks read in " + rounds + " answers, more than "
        + perRound + " an answer: unwatched services' checks were read");
  }

  @Test
  void theViewReadsTheWatchedServicesChecksNotTheDatacenters() {
    for (int i = 0; i < 50; i++) {
      CONSUL.agent().catalogRegister("noise-node", "noise-" + i, 22_000 + i, "passing");
    }
    for (int i = 0; i < 3; i++) {
      CONSUL.agent().catalogRegister("filter-node", "filtered-" + i, 22_100 + i, "passing");
    }
    try (ConsulDiscovery discovery = shared(Duration.ofSeconds(2)).build()) {
      for (int i = 0; i < 3; i++) {
        assertEquals(1, discovery.instances("filtered-" + i).size());
      }
      CONSUL.agent().catalogRegister("noise-node", "noise-7", 22_007, "critical"); // wakes the view
      CONSUL.agent().catalogRegister("filter-node", "filtered-1", 22_101, "critical");
      await(T, "the watched check's change", () -> discovery.instances("filtered-1").isEmpty());
      await(T, "two answers", () -> discovery.viewHealthRounds() >= 2);
      assertAnswersAtMost(discovery, 3 + 1); // three watched checks and serfHealth
    }
  }

  @Test
  void aWatchAddedWhileTheViewWaitsIsCoveredAtItsFirstChange() {
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    raw.register("late-a", "late-a-1", 22_200, "{\"TTL\":\"600s\"}");
    raw.register("late-b", "late-b-1", 22_201, "{\"TTL\":\"600s\"}");
    assertEquals(200, raw.put("/v1/agent/check/pass/service:late-a-1", null));
    assertEquals(200, raw.put("/v1/agent/check/pass/service:late-b-1", null));
    // A long wait: a change the view misses would only be read at its end, after the await below.
    try (ConsulDiscovery discovery = shared(Duration.ofSeconds(40)).build()) {
      assertEquals(1, discovery.instances("late-a").size());
      // Let the view settle into a blocking query whose filter names late-a only (no way to see
      // it from outside; a shorter pause only makes the test pass without exercising the case).
      Awaitility.await().pollDelay(Duration.ofMillis(700)).atMost(T).until(() -> discovery.viewHealthRounds() >= 1);
      assertEquals(1, discovery.instances("late-b").size());
      assertEquals(200, raw.put("/v1/agent/check/fail/service:late-b-1", null)); // checks only, no registration
      await(T, "late-b's failing check, though added after the view's query began",
          () -> discovery.instances("late-b").isEmpty());
    }
  }

  @Test
  void namesWithQuotesAndBackslashesAreQuotedNotInjected() {
    for (int i = 0; i < 20; i++) {
      CONSUL.agent().catalogRegister("noise-node", "odd-noise-" + i, 22_300 + i, "passing");
    }
    String quoted = "q\"uo\\te";
    String injection = "x\" or ServiceName != \"";
    CONSUL.agent().catalogRegister("odd-node", quoted, 22_400, "passing");
    CONSUL.agent().catalogRegister("odd-node", injection, 22_401, "passing");
    try (ConsulDiscovery discovery = shared(Duration.ofSeconds(2)).build()) {
      assertEquals(1, discovery.instances(quoted).size());
      assertEquals(1, discovery.instances(injection).size());
      CONSUL.agent().catalogRegister("odd-node", quoted, 22_400, "critical");
      await(T, "the quoted name's change", () -> discovery.instances(quoted).isEmpty());
      CONSUL.agent().catalogRegister("odd-node", injection, 22_401, "critical");
      await(T, "the other name's change", () -> discovery.instances(injection).isEmpty());
      await(T, "two answers", () -> discovery.viewHealthRounds() >= 2);
      assertAnswersAtMost(discovery, 2 + 1); // two watched checks and serfHealth
    }
  }
}
