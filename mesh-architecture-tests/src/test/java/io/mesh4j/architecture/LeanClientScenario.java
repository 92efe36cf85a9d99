package io.mesh4j.architecture;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.client.ServiceMeshClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A user's program that wants a resilient HTTP client and nothing else: static discovery, no
 * response cache. {@link LeanClientTest} runs it in a class loader without mesh-cache, Jedis,
 * Caffeine, mesh-discovery, the Consul client or Guava.
 */
public final class LeanClientScenario {
  private LeanClientScenario() {}

  /** Calls a local backend through the mesh and returns its answer. */
  public static String run() throws IOException {
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/ping", exchange -> {
      byte[] body = "pong".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    backend.start();
    try {
      ServiceInstance instance = ServiceInstance.newBuilder().serviceName("echo").id("echo-1")
          .host("127.0.0.1").port(backend.getAddress().getPort()).build();
      try (ServiceMeshClient mesh = ServiceMeshClient.builder()
          .discovery(StaticServiceDiscovery.of(instance))
          .build()) {
        return mesh.service("echo").get("/ping").asString();
      }
    } finally {
      backend.stop(0);
    }
  }
}
