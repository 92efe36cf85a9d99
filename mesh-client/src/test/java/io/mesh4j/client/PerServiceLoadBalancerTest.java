package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A service's own load balancer is the one asked for its calls; the others use the client-wide one. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PerServiceLoadBalancerTest {
  /** Refuses every choice, naming itself: which balancer was asked shows in the failure. */
  private record Named(String name) implements LoadBalancer {
    @Override
    public ServiceInstance choose(String serviceName, List<ServiceInstance> candidates, Set<ServiceInstance> excluded) {
      throw new IllegalStateException(name + " chose for " + serviceName);
    }
  }

  private static ServiceInstance instance(String service) {
    return ServiceInstance.newBuilder().serviceName(service).id(service + "-1").host("127.0.0.1").port(1).build();
  }

  @Test
  void aServicesOwnBalancerChoosesItsInstances() {
    StaticServiceDiscovery discovery = StaticServiceDiscovery.of(Map.of(
        "orders", List.of(instance("orders")), "users", List.of(instance("users"))));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .loadBalancer(new Named("client-wide"))
        .service("orders", s -> s.loadBalancer(new Named("orders-own")))
        .build()) {
      Exception orders = assertThrows(Exception.class, () -> mesh.service("orders").get("/x").execute());
      Exception users = assertThrows(Exception.class, () -> mesh.service("users").get("/x").execute());
      assertEquals("orders-own chose for orders", rootMessage(orders));
      assertEquals("client-wide chose for users", rootMessage(users));
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
