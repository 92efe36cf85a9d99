package com.example.orders;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The service being called: answers GET /stock/{sku} and registers itself in Consul. */
public final class InventoryService implements AutoCloseable {
  private final HttpServer http;
  private final ConsulRegistry registry;
  private final AtomicInteger stockRequests = new AtomicInteger();

  /** Listens on {@code host:port} (port 0: any free port) and registers as "inventory" in Consul. */
  public InventoryService(String consulUrl, String host, int port) throws IOException {
    http = HttpServer.create(new InetSocketAddress(host, port), 0);
    http.createContext("/health", exchange -> respond(exchange, 200, "ok"));
    http.createContext("/stock/", exchange -> {
      stockRequests.incrementAndGet();
      try {
        int sku = Integer.parseInt(exchange.getRequestURI().getPath().substring("/stock/".length()));
        respond(exchange, 200, "{\"sku\":" + sku + ",\"count\":7}");
      } catch (NumberFormatException e) {
        respond(exchange, 404, "{\"error\":\"no such sku\"}");
      }
    });
    http.start();
    // Consul polls /health every second; callers see this instance once a check has passed.
    registry = ConsulRegistry.builder().url(consulUrl).shutdownHook(true).build();
    registry.register(ServiceRegistration.of(
        ServiceInstance.newBuilder().serviceName("inventory").host(host).port(http.getAddress().getPort()).build(),
        HealthCheck.http("/health").interval(Duration.ofSeconds(1)).build()));
  }

  /** How many GET /stock requests reached this instance. */
  public int stockRequests() {
    return stockRequests.get();
  }

  /** Deregisters from Consul, then stops serving. */
  @Override
  public void close() {
    registry.close();
    http.stop(0);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Runs an instance on port 8081 against the Consul agent at args[0] (default http://127.0.0.1:8500). */
  public static void main(String[] args) throws IOException {
    String consul = args.length > 0 ? args[0] : "http://127.0.0.1:8500";
    new InventoryService(consul, ConsulRegistry.localAddress(), 8081); // Ctrl-C deregisters it
  }
}
