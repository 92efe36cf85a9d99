package io.mesh4j.micrometer;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceInstance;
import java.util.ArrayList;
import java.util.List;

/** WireMock backends on loopback, playing the instances of a service; journal on. */
final class Backends implements AutoCloseable {
  final List<WireMockServer> servers = new ArrayList<>();

  Backends(int count) {
    for (int i = 0; i < count; i++) {
      WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
          .containerThreads(20).jettyAcceptors(1));
      s.start();
      servers.add(s);
    }
  }

  WireMockServer get(int i) {
    return servers.get(i);
  }

  ServiceInstance instance(String service, int i) {
    return ServiceInstance.newBuilder().serviceName(service).id(service + "-" + i).host("127.0.0.1")
        .port(servers.get(i).port()).build();
  }

  @Override
  public void close() {
    for (WireMockServer s : servers) {
      if (s.isRunning()) {
        s.stop();
      }
    }
  }
}
