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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Every call's end is counted: an answer of 200, another answer (the last attempt's, returned
 * when retries end), or an exception by type. A call rejected before any attempt (rate limiter,
 * bulkhead, breaker, no instance) is reported apart and left out of the denominator. An exception
 * after an attempt is unexpected here (every backend answers) and fails the run, as does a round
 * whose backends saw no request.
 *
 * <p>{@code scripts/bench.sh retry-amplification}
 */
public final class RetryAmplificationBench {
  private static final String SERVICE = "orders";
  private static final int THREADS = 8;
  private static final int CALLS = 5_000;
  private static final int ROUNDS = 3;
  /** Prefix of the exception counts of calls rejected before any attempt. */
  private static final String REJECTED = "rejected before any attempt: ";

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
      long unexpected = 0;
      long rejected = 0;
      long noRequests = 0;
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
        for (Stats st : List.of(a, b, c, d)) {
          unexpected += st.unexpectedErrors();
          rejected += st.rejected();
          noRequests += st.calls() == 0 || st.attempts() == 0 ? 1 : 0;
        }
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
      System.out.printf("calls rejected before any attempt (not in the denominators): %d; exceptions after an attempt "
          + "(none expected: every attempt gets an answer): %d; rounds whose backends saw no request: %d%n", rejected,
          unexpected, noRequests);
      System.out.printf("ERRORS retry_amplification_unexpected_errors=%d allowed=0%n", unexpected);
      System.out.printf("ERRORS retry_amplification_rounds_without_requests=%d allowed=0%n", noRequests);
      System.out.printf("RESULT retry_amplification=%.3f x%n", result);
    } finally {
      pool.shutdownNow();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      backends.forEach(Backend::close);
    }
  }

  /**
   * The outcome of one round: calls that made at least one attempt (the denominator), calls rejected
   * before any attempt (apart), requests the backends saw, calls answered 200, calls that ended with
   * an answer other than 200, and every exception by type.
   */
  record Stats(int calls, int rejected, long attempts, int succeeded, int failedAnswers, Map<String, Long> errors) {
    double ratio() {
      return (double) attempts / calls;
    }

    double successRate() {
      return (double) succeeded / calls;
    }

    long unexpectedErrors() {
      long n = 0;
      for (Map.Entry<String, Long> e : errors.entrySet()) {
        if (!e.getKey().startsWith(REJECTED)) {
          n += e.getValue();
        }
      }
      return n;
    }

    @Override
    public String toString() {
      return String.format("%d calls, %d attempts (%.3f x), %.1f%% ok, %d failed answers%s%s", calls, attempts, ratio(),
          100 * successRate(), failedAnswers, rejected == 0 ? "" : ", " + rejected + " rejected before any attempt",
          errors.isEmpty() ? "" : ", exceptions " + errors);
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
      AtomicInteger failedAnswers = new AtomicInteger();
      AtomicInteger rejected = new AtomicInteger();
      AtomicInteger made = new AtomicInteger();
      Map<String, LongAdder> errors = new ConcurrentHashMap<>();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        workers.add(pool.submit(() -> {
          while (next.getAndIncrement() < calls) {
            int[] tries = new int[1];
            try {
              int code = executor.execute(SERVICE, get, (instance, ctx) -> {
                tries[0]++;
                Request req = new Request.Builder().url(instance.uri().resolve("/orders/42").toString()).build();
                try (Response r = http.newCall(req).execute()) {
                  r.body().bytes();
                  return r.code();
                }
              });
              if (code == 200) {
                ok.incrementAndGet();
              } else {
                failedAnswers.incrementAndGet();
              }
            } catch (RuntimeException e) {
              String type = e.getClass().getSimpleName();
              if (tries[0] == 0) {
                rejected.incrementAndGet();
                type = REJECTED + type;
              }
              errors.computeIfAbsent(type, k -> new LongAdder()).increment();
            }
            if (tries[0] > 0) {
              made.incrementAndGet();
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
      Map<String, Long> counted = new TreeMap<>();
      errors.forEach((k, v) -> counted.put(k, v.sum()));
      return new Stats(made.get(), rejected.get(), attempts, ok.get(), failedAnswers.get(), counted);
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
