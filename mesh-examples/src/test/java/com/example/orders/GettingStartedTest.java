package com.example.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.RedisClusterExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Orders calls inventory through a real Consul agent and caches the answer in a real Redis Cluster. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GettingStartedTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  @Test
  void ordersCallsInventoryThroughConsulAndCachesTheAnswer() throws IOException {
    String consul = CONSUL.agent().baseUrl();
    String[] redis = REDIS.cluster().seedNodeStrings().toArray(new String[0]);
    try (InventoryService inventory = new InventoryService(consul, "127.0.0.1", 0);
        OrdersService orders = new OrdersService(consul, redis)) {
      // Inventory is called once Consul has seen its first health check pass (about a second).
      await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
          .until(() -> orders.stockOf(42).equals(new OrdersService.Stock(42, 7)));
      int calls = inventory.stockRequests();

      assertEquals(new OrdersService.Stock(42, 7), orders.stockOf(42));
      assertEquals(calls, inventory.stockRequests(), "the second answer came from the cache, not from inventory");
    }
  }
}
