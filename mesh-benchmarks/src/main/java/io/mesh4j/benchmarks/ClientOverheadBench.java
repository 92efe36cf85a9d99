package io.mesh4j.benchmarks;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.benchmarks.ClientBenchSupport.Op;
import io.mesh4j.benchmarks.ClientBenchSupport.Round;
import io.mesh4j.benchmarks.support.LoopbackHttpServer;
import io.mesh4j.benchmarks.support.Throughput;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.testkit.ConsulAgent;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * What ServiceMeshClient costs over the raw OkHttp call it makes. One loopback backend (a JDK
 * HttpServer answering 1 KiB) registered in a private Consul agent. Side A: raw OkHttp GET of
 * {@code /users/42}. Side B: {@code mesh.service("users").get("/users/{id}", 42).execute()} with
 * Consul discovery (watch already warm), round robin, retry, retry budget, outlier ejection and
 * circuit breaker on (their defaults), no response cache. Both sides use OkHttp clients built by
 * the same code ({@link ClientBenchSupport#okHttp()}: same dispatcher limits and pool), 2 threads
 * in a closed loop, and read the whole body. A and B alternate (AB, BA, AB, ...), one warm-up
 * pair is discarded; the throughput ratio is the median of the pairs' ratios, the added latency
 * the median of the pairs' p50 and p99 differences. Forty pairs: single pairs' ratios spread by about
 * ±0.05 on a 2-core machine (the backend shares the CPUs), and with 24 the median of two runs of one
 * commit differed by 0.03; the quartiles of the pairs' ratios are printed to show the spread.
 *
 * <p>{@code scripts/bench.sh client-overhead [millis-per-round] [pairs]}
 */
public final class ClientOverheadBench {
  private static final String SERVICE = "users";
  private static final int THREADS = 2;
  private static final int BODY_BYTES = 1024;
  private static final double TARGET = 0.97; // issue 18 (scripts/bench-targets.tsv)

  private ClientOverheadBench() {}

  /** Runs the benchmark; the last line is {@code RESULT client_throughput_ratio=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    Duration round = Duration.ofMillis(args.length > 0 ? Integer.parseInt(args[0]) : 2000);
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    try (ConsulAgent agent = ConsulAgent.startPrivate();
        LoopbackHttpServer backend = new LoopbackHttpServer(BODY_BYTES, 4);
        ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).build();
        ConsulDiscovery discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build()) {
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder()
          .serviceName(SERVICE).id(SERVICE + "-1").host("127.0.0.1").port(backend.port()).build()));
      awaitDiscovered(discovery);

      OkHttpClient rawHttp = ClientBenchSupport.okHttp();
      OkHttpClient meshHttp = ClientBenchSupport.okHttp();
      try (ServiceMeshClient mesh = ServiceMeshClient.builder()
          .discovery(discovery)
          .loadBalancer(LoadBalancer.roundRobin())
          .retry(RetryConfig.defaults())
          .retryBudget(RetryBudgetConfig.defaults())
          .outlierEjection(OutlierEjectionConfig.defaults())
          .httpClient(meshHttp)
          .build()) {
        String url = backend.url() + "/users/";
        Op raw = () -> {
          Request request = new Request.Builder().url(url + 42).build();
          try (Response r = rawHttp.newCall(request).execute()) {
            if (r.code() != 200 || r.body().bytes().length != BODY_BYTES) {
              throw new IllegalStateException("raw: bad answer " + r.code());
            }
          }
        };
        ServiceClient users = mesh.service(SERVICE);
        Op meshed = () -> {
          MeshResponse r = users.get("/users/{id}", 42).execute();
          if (r.status() != 200 || r.bodyBytes().length != BODY_BYTES) {
            throw new IllegalStateException("mesh: bad answer " + r.status());
          }
        };

        System.out.printf("client-overhead: %d threads, %d ms rounds, 1 warm-up pair (4 s each) + %d measured pairs, "
            + "backend %s (%d B body), mesh: Consul discovery, round robin, retry %s, budget on, ejection on, "
            + "breaker on, no cache%n", THREADS, round.toMillis(), pairs, backend.url(), BODY_BYTES,
            RetryConfig.defaults().maxAttempts() + " attempts");
        Duration warmUp = Duration.ofSeconds(4);
        ClientBenchSupport.closedLoop(raw, THREADS, warmUp); // warm-up, discarded
        ClientBenchSupport.closedLoop(meshed, THREADS, warmUp); // warm-up, discarded
        long requestsBefore = backend.requests();

        double[] ratio = new double[pairs];
        double[] rawOps = new double[pairs];
        double[] meshOps = new double[pairs];
        double[] addedP50 = new double[pairs];
        double[] addedP99 = new double[pairs];
        double[] rawP50 = new double[pairs];
        double[] rawP99 = new double[pairs];
        double[] meshP50 = new double[pairs];
        double[] meshP99 = new double[pairs];
        double[] rawCpu = new double[pairs];
        double[] meshCpu = new double[pairs];
        long calls = 0;
        for (int p = 0; p < pairs; p++) {
          Round a;
          Round b;
          if (p % 2 == 0) {
            a = ClientBenchSupport.closedLoop(raw, THREADS, round);
            b = ClientBenchSupport.closedLoop(meshed, THREADS, round);
          } else {
            b = ClientBenchSupport.closedLoop(meshed, THREADS, round);
            a = ClientBenchSupport.closedLoop(raw, THREADS, round);
          }
          calls += a.sortedNanos().length + b.sortedNanos().length;
          rawOps[p] = a.opsPerSecond();
          meshOps[p] = b.opsPerSecond();
          ratio[p] = b.opsPerSecond() / a.opsPerSecond();
          rawP50[p] = a.p50Micros();
          rawP99[p] = a.p99Micros();
          meshP50[p] = b.p50Micros();
          meshP99[p] = b.p99Micros();
          addedP50[p] = b.p50Micros() - a.p50Micros();
          addedP99[p] = b.p99Micros() - a.p99Micros();
          rawCpu[p] = a.cpuMicrosPerOp();
          meshCpu[p] = b.cpuMicrosPerOp();
          System.out.printf("pair %2d (%s): raw OkHttp %5.0f ops/s p50 %5.1f us p99 %6.1f us cpu %4.1f us/call | mesh %5.0f "
              + "ops/s p50 %5.1f us p99 %6.1f us cpu %4.1f us/call | ratio %.3f%n", p + 1,
              p % 2 == 0 ? "raw first " : "mesh first", a.opsPerSecond(), a.p50Micros(), a.p99Micros(), rawCpu[p],
              b.opsPerSecond(), b.p50Micros(), b.p99Micros(), meshCpu[p], ratio[p]);
        }
        long served = backend.requests() - requestsBefore;
        if (served != calls) {
          // Every call made exactly one request: nothing was retried or answered elsewhere.
          throw new IllegalStateException("backend served " + served + " requests for " + calls + " calls");
        }
        double result = Throughput.median(ratio);
        System.out.printf("medians: raw OkHttp %.0f ops/s (p50 %.1f us, p99 %.1f us); mesh %.0f ops/s (p50 %.1f us, "
            + "p99 %.1f us)%n", Throughput.median(rawOps), Throughput.median(rawP50),
            Throughput.median(rawP99), Throughput.median(meshOps), Throughput.median(meshP50),
            Throughput.median(meshP99));
        System.out.printf("CPU time of the calling threads per call (less disturbed by other load than throughput): "
            + "raw %.1f us, mesh %.1f us (+%.1f us; the backend's and OkHttp's background threads not included)%n",
            Throughput.median(rawCpu), Throughput.median(meshCpu),
            Throughput.median(meshCpu) - Throughput.median(rawCpu));
        System.out.printf("added latency (median of pairs): p50 %+.1f us, p99 %+.1f us (aim < 50 us; Istio's Envoy "
            + "sidecar adds 2,650 us at p90)%n", Throughput.median(addedP50), Throughput.median(addedP99));
        System.out.printf("pairs' ratios: quartiles %.3f / %.3f / %.3f, min %.3f, max %.3f%n",
            Throughput.quantile(ratio, 0.25), result, Throughput.quantile(ratio, 0.75), Throughput.quantile(ratio, 0),
            Throughput.quantile(ratio, 1));
        System.out.printf("throughput ratio mesh/raw (median of %d pairs): %.3f, target >= %.2f: %s%n",
            pairs, result, TARGET, result >= TARGET ? "met" : "MISSED");
        System.out.printf("RESULT client_throughput_ratio=%.3f x%n", result);
      } finally {
        ClientBenchSupport.shutdown(rawHttp);
        ClientBenchSupport.shutdown(meshHttp);
      }
    }
  }

  private static void awaitDiscovered(ConsulDiscovery discovery) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (discovery.instances(SERVICE).isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the backend never appeared in Consul discovery");
      }
      Thread.sleep(20);
    }
  }
}
