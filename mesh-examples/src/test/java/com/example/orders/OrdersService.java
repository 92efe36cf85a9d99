package com.example.orders;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import java.time.Duration;
import java.util.Arrays;

/** The caller: finds inventory through Consul and caches its answers in memory and in Redis. */
public final class OrdersService implements AutoCloseable {
  /** What inventory answers to GET /stock/{sku}. */
  public record Stock(int sku, int count) {}

  private final ConsulDiscovery discovery;
  private final TwoLevelCache<CachedResponse> responses;
  private final ServiceMeshClient mesh;

  /** Talks to the Consul agent at {@code consulUrl} and the Redis Cluster at {@code redisSeedNodes} ("host:port"). */
  public OrdersService(String consulUrl, String... redisSeedNodes) {
    discovery = ConsulDiscovery.builder().url(consulUrl).build();
    responses = TwoLevelCache.builder(DistributedCache.builder(CachedResponse.class)
        .seedNodes(redisSeedNodes).namespace("orders-responses").build()).build();
    mesh = ServiceMeshClient.builder()
        .discovery(discovery)                                        // instances from Consul, kept current
        .responseCache(responses, Duration.ofSeconds(30))            // GET responses, for the routes below only
        .cacheRoute("inventory", "/stock/{sku}", Duration.ofSeconds(10))
        .build();                                                    // retries, timeouts, ejection: defaults
  }

  /** The stock of {@code sku}, from the cache or from an inventory instance. */
  public Stock stockOf(int sku) {
    return mesh.service("inventory").get("/stock/{sku}", sku).as(Stock.class);
  }

  @Override
  public void close() {
    mesh.close();
    responses.close(); // closes its Redis level too
    discovery.close();
  }

  /** Asks for the stock of SKU 42 twice; args: the Consul URL, then Redis seed nodes. */
  public static void main(String[] args) {
    String consul = args.length > 0 ? args[0] : "http://127.0.0.1:8500";
    String[] redis = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : new String[] {"127.0.0.1:7000"};
    try (OrdersService orders = new OrdersService(consul, redis)) {
      System.out.println(orders.stockOf(42)); // from an inventory instance
      System.out.println(orders.stockOf(42)); // from the cache
    }
  }
}
