package io.mesh4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.benchmarks.support.Throughput;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.ResilientExecutor;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Retry amplification: attempts that reached the backends divided by calls made. Three loopback
 * instances all answer 503; 8 threads make 5,000 idempotent calls (max 3 attempts, backoff 2 to
 * 20 ms with full jitter) through {@link ResilientExecutor} with its defaults except the service
 * circuit breaker, which is disabled so the figure measures the retry budget, not the breaker.
 * The same run without the budget (what Resilience4j or Failsafe retries do: 3.0) is alternated
 * with it as the reference. A brown-out (every instance fails 40% of calls at random) is measured
 * the same way: attempts per call and share of calls that succeeded, with and without the budget.
 * Each round uses a fresh executor (a fresh budget window); a warm-up round is discarded; medians
 * of 3 rounds are reported.
 *
 * <p>{@code scripts/bench.sh retry-amplification}
 */
public final class RetryAmplificationBench {
  private static final String SERVICE = "orders";
  private static final int THREADS = 8;
  private static final int CALLS = 5_000;
  private static final int ROUNDS = 3;

  private RetryAmplificationBench() {}

  /** Runs the benchmark; the last line is {@code RESULT retry_amplification=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      backends.add(new Backend());
    }
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(64);
    dispatcher.setMaxRequestsPerHost(64);
    OkHttpClient http = new OkHttpClient.Builder().dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(32, 5, TimeUnit.MINUTES)).retryOnConnectionFailure(false).build();
    List<ServiceInstance> instances = new ArrayList<>();
    for (Backend b : backends) {
      instances.add(ServiceInstance.newBuilder().serviceName(SERVICE).host("127.0.0.1").port(b.port()).build());
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      Runner runner = new Runner(http, StaticServiceDiscovery.of(SERVICE, instances), backends, pool);
      runner.round(0.0, true, 1_000); // warm-up, discarded
      double[] outage = new double[ROUNDS];
      double[] outageNoBudget = new double[ROUNDS];
      double[] brownRatio = new double[ROUNDS];
      double[] brownSuccess = new double[ROUNDS];
      double[] brownRatioNoBudget = new double[ROUNDS];
      double[] brownSuccessNoBudget = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        Stats a = runner.round(1.0, true, CALLS);
        Stats b = runner.round(1.0, false, CALLS);
        Stats c = runner.round(0.4, true, CALLS);
        Stats d = runner.round(0.4, false, CALLS);
        System.out.printf("round %d  outage: mesh4j %s | no budget %s%n", r + 1, a, b);
        System.out.printf("round %d  brown-out 40%%: mesh4j %s | no budget %s%n", r + 1, c, d);
        outage[r] = a.ratio();
        outageNoBudget[r] = b.ratio();
        brownRatio[r] = c.ratio();
        brownSuccess[r] = c.successRate();
        brownRatioNoBudget[r] = d.ratio();
        brownSuccessNoBudget[r] = d.successRate();
      }
      double result = Throughput.median(outage);
      System.out.printf("all instances 503 (breaker disabled): mesh4j %.3f attempts/call, without a retry budget %.3f "
          + "(target <= 1.25: %s)%n", result, Throughput.median(outageNoBudget), result <= 1.25 ? "met" : "MISSED");
      System.out.printf("brown-out, every instance fails 40%%: mesh4j %.3f attempts/call, %.1f%% of calls succeeded; "
          + "without a retry budget %.3f attempts/call, %.1f%% succeeded%n", Throughput.median(brownRatio),
          100 * Throughput.median(brownSuccess), Throughput.median(brownRatioNoBudget), 100 * Throughput.median(brownSuccessNoBudget));
      System.out.printf("RESULT retry_amplification=%.3f x%n", result);
    } finally {
      pool.shutdownNow();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      backends.forEach(Backend::close);
    }
  }

  /** The outcome of one round. */
  record Stats(int calls, long attempts, int succeeded) {
    double ratio() {
      return (double) attempts / calls;
    }

    double successRate() {
      return (double) succeeded / calls;
    }

    @Override
    public String toString() {
      return String.format("%d calls, %d attempts (%.3f x), %.1f%% ok", calls, attempts, ratio(), 100 * successRate());
    }
  }

  private static final class Runner {
    private final OkHttpClient http;
    private final StaticServiceDiscovery discovery;
    private final List<Backend> backends;
    private final ExecutorService pool;

    Runner(OkHttpClient http, StaticServiceDiscovery discovery, List<Backend> backends, ExecutorService pool) {
      this.http = http;
      this.discovery = discovery;
      this.backends = backends;
      this.pool = pool;
    }

    Stats round(double failureRate, boolean budget, int calls) throws Exception {
      for (Backend b : backends) {
        b.failureRate = failureRate;
        b.requests.reset();
      }
      ResilientExecutor executor = ResilientExecutor.builder()
          .discovery(discovery)
          .retry(RetryConfig.builder().maxAttempts(3).backoff(Duration.ofMillis(2), Duration.ofMillis(20)).build())
          .retryBudget(budget ? RetryBudgetConfig.defaults() : RetryBudgetConfig.disabled())
          .circuitBreaker(CircuitBreakerConfig.disabled())
          .build();
      CallOptions<Integer> get = CallOptions.<Integer>builder().idempotent(true)
          .classifier(code -> code == 502 || code == 503 || code == 504 || code == 429
              ? Outcome.retryableFailure() : code >= 500 ? Outcome.failure() : Outcome.success())
          .build();
      AtomicInteger next = new AtomicInteger();
      AtomicInteger ok = new AtomicInteger();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        workers.add(pool.submit(() -> {
          while (next.getAndIncrement() < calls) {
            try {
              int code = executor.execute(SERVICE, get, (instance, ctx) -> {
                Request req = new Request.Builder().url(instance.uri().resolve("/orders/42").toString()).build();
                try (Response r = http.newCall(req).execute()) {
                  r.body().bytes();
                  return r.code();
                }
              });
              if (code == 200) {
                ok.incrementAndGet();
              }
            } catch (RuntimeException e) {
              // a failed call; counted by not being a success
            }
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get();
      }
      long attempts = 0;
      for (Backend b : backends) {
        attempts += b.requests.sum();
      }
      return new Stats(calls, attempts, ok.get());
    }
  }

  /** A loopback instance answering 503 for a share of requests, chosen at random, and 200 otherwise. */
  private static final class Backend implements AutoCloseable {
    static {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    final LongAdder requests = new LongAdder();
    volatile double failureRate;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    Backend() throws IOException {
      byte[] ok = "{\"id\":42}".getBytes(StandardCharsets.UTF_8);
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      server.setExecutor(executor);
      server.createContext("/", exchange -> {
        requests.increment();
        exchange.getRequestBody().readAllBytes();
        boolean fail = ThreadLocalRandom.current().nextDouble() < failureRate;
        byte[] body = fail ? "unavailable".getBytes(StandardCharsets.UTF_8) : ok;
        exchange.sendResponseHeaders(fail ? 503 : 200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
