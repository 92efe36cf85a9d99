package io.mesh4j.benchmarks.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * A JDK HTTP server on a free loopback port answering every request with 200 and a fixed body;
 * the backend of benchmarks that compare HTTP clients (both sides hit the same server).
 */
public final class LoopbackHttpServer implements AutoCloseable {
  static {
    // Without TCP_NODELAY the JDK server's small writes meet the client's delayed ACK: ~40 ms a call.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final LongAdder requests = new LongAdder();

  /** Starts a server answering {@code bodyBytes} bytes of JSON-ish text, with {@code threads} workers. */
  public LoopbackHttpServer(int bodyBytes, int threads) throws IOException {
    byte[] body = new byte[bodyBytes];
    Arrays.fill(body, (byte) 'x');
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    executor = Executors.newFixedThreadPool(threads);
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      requests.increment();
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:port}. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Requests served so far. */
  public long requests() {
    return requests.sum();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
