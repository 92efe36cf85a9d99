package io.mesh4j.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The demo's backend: a tiny "user-service" instance in its own JVM. It answers
 * {@code GET /users/{id}} with JSON naming itself, {@code GET /health} with 200, and registers in
 * Consul with an HTTP health check; a normal exit deregisters it, a kill does not (Consul's check
 * notices).
 *
 * <p>{@code java ... io.mesh4j.examples.UserService <consul-url> <instance-id> <port>}
 */
public final class UserService {
  private UserService() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    String consul = args[0];
    String id = args[1];
    int port = Integer.parseInt(args[2]);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/health", ex -> reply(ex, 200, "{\"status\":\"UP\"}"));
    server.createContext("/users/", ex -> {
      String userId = ex.getRequestURI().getPath().substring("/users/".length());
      reply(ex, 200, "{\"id\":\"" + userId.replaceAll("[^A-Za-z0-9_-]", "") + "\",\"name\":\"User "
          + userId.replaceAll("[^A-Za-z0-9_-]", "") + "\",\"servedBy\":\"" + id + "\"}");
    });
    server.start();
    ConsulRegistry registry = ConsulRegistry.builder().url(consul).shutdownHook(true).build();
    registry.register(ServiceRegistration.of(
        ServiceInstance.newBuilder().serviceName("user-service").id(id).host("127.0.0.1").port(port).build(),
        HealthCheck.http("/health").interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500))
            .deregisterCriticalAfter(Duration.ofMinutes(1)).build()));
    System.out.println("READY " + id + " " + port);
    System.out.flush();
    Thread.currentThread().join();
  }

  private static void reply(HttpExchange ex, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
