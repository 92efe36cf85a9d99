package io.mesh4j.benchmarks.spring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * One loopback instance of the called service: {@code /health} and {@code /users/{id}}, counting the
 * requests of each stack (header {@code X-Stack}) and the time of each stack's first request.
 */
final class Backend {
  private final HttpServer server;
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, Long> firstNanos = new ConcurrentHashMap<>();

  Backend() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "backend");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/health", e -> answer(e, "ok"));
    server.createContext("/users/", e -> {
      String stack = String.valueOf(e.getRequestHeaders().getFirst("X-Stack"));
      requests.computeIfAbsent(stack, s -> new LongAdder()).increment();
      firstNanos.putIfAbsent(stack, System.nanoTime());
      answer(e, "{\"id\":\"1\"}");
    });
    server.start();
  }

  private static void answer(HttpExchange e, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    e.sendResponseHeaders(200, bytes.length);
    e.getResponseBody().write(bytes);
    e.close();
  }

  int port() {
    return server.getAddress().getPort();
  }

  long requests(String stack) {
    LongAdder n = requests.get(stack);
    return n == null ? 0 : n.sum();
  }

  /** {@link System#nanoTime()} of the stack's first request, or null. */
  Long firstRequestNanos(String stack) {
    return firstNanos.get(stack);
  }

  /** Kills the instance: the listening socket closes, connections are refused. */
  void kill() {
    server.stop(0);
  }
}
