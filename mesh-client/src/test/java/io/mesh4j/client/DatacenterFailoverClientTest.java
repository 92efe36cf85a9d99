package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulCluster;
import io.mesh4j.testkit.ConsulClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A ServiceMeshClient over a discovery with a failover datacenter, on a real two-datacenter Consul
 * (issue 15, part 3): the local instance drained (deregistered) under a steady stream of calls,
 * then back. Calls go to dc2's instance and return, and none fails.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DatacenterFailoverClientTest {
  @RegisterExtension static final ConsulClusterExtension CLUSTER = ConsulClusterExtension.withSecondDatacenter();

  @Test
  void callsMoveToTheOtherDatacenterAndBackWithoutAFailure() throws Exception {
    ConsulCluster cluster = CLUSTER.cluster();
    String service = "dr-orders";
    try (Backends backends = new Backends(2);
        ConsulRegistry dc1 = ConsulRegistry.builder().url(cluster.clientAgent().baseUrl()).build();
        ConsulRegistry dc2 = ConsulRegistry.builder().url(cluster.dc2Server().baseUrl()).build();
        ConsulDiscovery discovery = ConsulDiscovery.builder().url(cluster.clientAgent().baseUrl())
            .failoverDatacenters("dc2").build();
        ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
      backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("dc1")));
      backends.get(1).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("dc2")));
      dc1.register(ServiceRegistration.withoutHealthCheck(backends.instance(service, 0)));
      dc2.register(ServiceRegistration.withoutHealthCheck(backends.instance(service, 1)));
      Backends.await("dc1 serves", Duration.ofSeconds(20), () -> "dc1".equals(mesh.service(service).get("/x").asString()));

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger calls = new AtomicInteger();
      List<String> answers = Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      Thread caller = new Thread(() -> {
        while (!stop.get()) {
          try {
            answers.add(mesh.service(service).get("/x").asString());
          } catch (RuntimeException e) {
            failures.add(e);
          }
          calls.incrementAndGet();
        }
      });
      caller.start();
      try {
        dc1.deregister(service + "-0");
        Backends.await("calls go to dc2", Duration.ofSeconds(20), () -> answers.contains("dc2"));
        dc1.register(ServiceRegistration.withoutHealthCheck(backends.instance(service, 0)));
        int seen = answers.size();
        Backends.await("calls come back to dc1", Duration.ofSeconds(20),
            () -> answers.size() > seen && "dc1".equals(answers.get(answers.size() - 1)));
      } finally {
        stop.set(true);
        caller.join(10_000);
      }
      assertTrue(failures.isEmpty(), failures.size() + " of " + calls.get() + " calls failed, first: "
          + (failures.isEmpty() ? "" : failures.get(0)));
      assertEquals("dc1", mesh.service(service).get("/x").asString());
    }
  }
}
