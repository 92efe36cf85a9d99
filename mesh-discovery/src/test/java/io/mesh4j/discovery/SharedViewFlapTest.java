package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;

import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared view must not keep a moment that passed: a check that goes critical and back between
 * two of the view's health answers leaves both answers alike, so their diff names nothing; a
 * fetch of that service in between (here one of the 300 a node-level check change sets off) read
 * "no instance". The view confirms such a fetch with one more once its health answer caught up;
 * without that, the service stayed empty for good (found by WatchScaleTest on a CI machine).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedViewFlapTest {
  private static final int SERVICES = 300;
  private static final String NODE = "scale-node";
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.withHttpConnLimit(40);

  @BeforeAll
  static void registerServices() {
    for (int i = 0; i < SERVICES; i++) {
      CONSUL.agent().catalogRegister(NODE, service(i), 20_000 + i, "passing");
    }
  }

  private static String service(int i) {
    return "scale-" + i;
  }

  @Test
  void aCheckThatFailsAndRecoversBetweenTwoHealthAnswersLeavesTheServiceWithItsInstance() {
    // Right after start, the view fetches all 300 services over some time while its health query
    // already runs: a check flapping then is read by a late fetch in the middle of its flap.
    // The view fetches "all" in its map's order: the services last in it are read latest.
    java.util.Map<String, Boolean> order = new java.util.concurrent.ConcurrentHashMap<>();
    for (int i = 0; i < SERVICES; i++) {
      order.put(service(i), true);
    }
    java.util.List<String> all = new java.util.ArrayList<>(order.keySet());
    java.util.List<String> lastFetched = all.subList(all.size() - 8, all.size());
    for (int round = 0; round < 8; round++) {
      try (ConsulDiscovery discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl())
          .queryWait(Duration.ofSeconds(10)).build()) {
        int[] heard = {0};
        for (int i = 0; i < SERVICES; i++) {
          discovery.subscribe(service(i), change -> {
            synchronized (heard) {
              heard[0]++;
            }
          });
        }
        await(Duration.ofSeconds(30), "every service's instance", () -> {
          synchronized (heard) {
            return heard[0] >= SERVICES;
          }
        });
        // A second instance of one service, then one service fails and recovers.
        String grown = service(100 + round);
        CONSUL.agent().catalogRegister(NODE, grown, 30_100 + round, "passing");
        await(Duration.ofSeconds(10), "the second instance of " + grown, () -> discovery.instances(grown).size() == 2);
        String flapping = lastFetched.get(round % lastFetched.size());
        int port = 20_000 + Integer.parseInt(flapping.substring("scale-".length()));
        CONSUL.agent().catalogRegister(NODE, flapping, port, "critical");
        await(Duration.ofSeconds(10), flapping + " without its instance", () -> discovery.instances(flapping).isEmpty());
        CONSUL.agent().catalogRegister(NODE, flapping, port, "passing");
        await(Duration.ofSeconds(10), "round " + round + ": " + flapping + " with its instance again",
            () -> discovery.instances(flapping).size() == 1);
      }
    }
  }
}
