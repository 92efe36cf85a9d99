package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** WireMock backends on loopback, playing the instances of a service. */
final class Backends implements AutoCloseable {
  final List<WireMockServer> servers = new ArrayList<>();

  Backends(int count) {
    for (int i = 0; i < count; i++) {
      WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
          .containerThreads(20).jettyAcceptors(1).disableRequestJournal());
      s.start();
      servers.add(s);
    }
  }

  /** Backends whose request journal is on, so tests can count what each received. */
  static Backends withJournal(int count) {
    Backends b = new Backends(0);
    for (int i = 0; i < count; i++) {
      WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
          .containerThreads(20).jettyAcceptors(1));
      s.start();
      b.servers.add(s);
    }
    return b;
  }

  WireMockServer get(int i) {
    return servers.get(i);
  }

  ServiceInstance instance(String service, int i) {
    return ServiceInstance.newBuilder().serviceName(service).id(service + "-" + i).host("127.0.0.1")
        .port(servers.get(i).port()).build();
  }

  List<ServiceInstance> instances(String service) {
    List<ServiceInstance> l = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      l.add(instance(service, i));
    }
    return l;
  }

  int received(int i) {
    return servers.get(i).getAllServeEvents().size();
  }

  @Override
  public void close() {
    for (WireMockServer s : servers) {
      if (s.isRunning()) {
        s.stop();
      }
    }
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
