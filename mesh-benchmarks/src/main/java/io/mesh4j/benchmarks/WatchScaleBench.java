package io.mesh4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.testkit.ConsulAgent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@link ConsulDiscovery} with default settings watching {@value #SERVICES} services (one
 * instance each, with a passing check) on a private agent with stock limits
 * ({@code http_max_conns_per_client} 200), issue 15 part 4. Every service is subscribed to at
 * once; after a {@value #LOAD_SECONDS} s deadline the services that never heard their instance
 * are counted, then nothing changes until a whole 10 s telemetry interval has passed (at most
 * {@value #QUIET_SECONDS} s).
 *
 * <p>Printed: discovery threads (live threads named {@code mesh4j-consul-*}, the peak while
 * loading and quiet), TCP connections from this JVM to the agent (counted in
 * {@code /proc/self/net/tcp}: established, remote port the agent's), heap growth per watched
 * service (used heap after a GC, before the discovery and after every list loaded), and the HTTP
 * requests the agent served per second, from its own telemetry ({@code /v1/agent/metrics},
 * 10 s intervals): the peak interval and the first whole interval after loading. RESULTs, for
 * context (no target, the constants of docs/scaling.md's arithmetic):
 * {@code watch_scale_idle_agent_requests_per_s}, {@code watch_scale_heap_per_service_kib},
 * {@code watch_scale_agent_connections}; then {@code watch_scale_threads} (target at most 8) and,
 * last, {@code watch_scale_unserved} (target 0).
 *
 * <p>{@code scripts/bench.sh watch-scale}
 */
public final class WatchScaleBench {
  private static final int SERVICES = 1_000;
  private static final int LOAD_SECONDS = 20;
  private static final int QUIET_SECONDS = 25;
  private static final String THREAD_PREFIX = "mesh4j-consul-";

  private WatchScaleBench() {}

  /** Runs the benchmark; the last line is {@code RESULT watch_scale_unserved=<n> services}. */
  public static void main(String[] args) throws Exception {
    try (ConsulAgent agent = ConsulAgent.startPrivate()) {
      long t0 = System.nanoTime();
      for (int i = 0; i < SERVICES; i++) {
        agent.catalogRegister("watch-scale-node", "svc-" + i, 20_000 + i, "passing");
      }
      System.out.printf("registered %d services in %d ms%n", SERVICES, (System.nanoTime() - t0) / 1_000_000);
      AgentRequests requests = new AgentRequests(agent.baseUrl());
      long heapBefore = usedHeapAfterGc();
      ConcurrentHashMap<String, Boolean> served = new ConcurrentHashMap<>();
      int peakThreads = 0;
      int peakConnections = 0;
      try (ConsulDiscovery discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build()) {
        long start = System.nanoTime();
        for (int i = 0; i < SERVICES; i++) {
          String s = "svc-" + i;
          discovery.subscribe(s, change -> {
            if (!change.instances().isEmpty()) {
              served.put(s, Boolean.TRUE);
            }
          });
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(LOAD_SECONDS);
        long allAt = -1;
        while (System.nanoTime() < deadline && allAt < 0) {
          peakThreads = Math.max(peakThreads, discoveryThreads());
          peakConnections = Math.max(peakConnections, connectionsTo(agent.httpPort()));
          requests.sample();
          if (served.size() == SERVICES) {
            allAt = System.nanoTime();
          }
          Thread.sleep(50);
        }
        int unserved = SERVICES - served.size();
        System.out.printf("services with their list: %d of %d (%s)%n", served.size(), SERVICES,
            allAt < 0 ? "deadline of " + LOAD_SECONDS + " s reached" : "all after "
                + (allAt - start) / 1_000_000 + " ms");
        long heapLoaded = usedHeapAfterGc();
        requests.loaded();
        // Quiet until one whole telemetry interval passed after loading (capped).
        long quietEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(QUIET_SECONDS);
        while (System.nanoTime() < quietEnd && !requests.quietIntervalDone()) {
          peakThreads = Math.max(peakThreads, discoveryThreads());
          peakConnections = Math.max(peakConnections, connectionsTo(agent.httpPort()));
          requests.sample();
          Thread.sleep(250);
        }
        int connectionsNow = connectionsTo(agent.httpPort());
        System.out.printf("connections to the agent: %d now, peak %d (agent limit per client: 200)%n",
            connectionsNow, peakConnections);
        System.out.printf("discovery threads: %d now, peak %d: %s%n", discoveryThreads(), peakThreads,
            discoveryThreadNames());
        System.out.printf("heap per watched service: %.1f KiB (%d KiB for %d services, used heap after GC)%n",
            (heapLoaded - heapBefore) / 1024.0 / SERVICES, (heapLoaded - heapBefore) / 1024, SERVICES);
        requests.report();
        // Context for docs/scaling.md's arithmetic (no target).
        System.out.printf("RESULT watch_scale_heap_per_service_kib=%.1f KiB (used heap after GC per watched service)%n",
            (heapLoaded - heapBefore) / 1024.0 / SERVICES);
        System.out.printf("RESULT watch_scale_agent_connections=%d connections (peak, %d watched services)%n",
            peakConnections, SERVICES);
        System.out.printf("RESULT watch_scale_threads=%d threads (peak discovery threads, %d watched services)%n",
            peakThreads, SERVICES);
        System.out.printf("RESULT watch_scale_unserved=%d services (never got their list within %d s, of %d)%n",
            unserved, LOAD_SECONDS, SERVICES);
      }
    }
  }

  private static int discoveryThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith(THREAD_PREFIX)) {
        n++;
      }
    }
    return n;
  }

  private static List<String> discoveryThreadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith(THREAD_PREFIX)).sorted().toList();
  }

  /** Established TCP connections whose remote port is {@code port} (our side of each). */
  static int connectionsTo(int port) throws IOException {
    String hexPort = String.format(":%04X", port);
    int n = 0;
    for (String file : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      Path p = Path.of(file);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[2].endsWith(hexPort) && "01".equals(f[3])) {
          n++;
        }
      }
    }
    return n;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Requests the agent served, from its telemetry, which shows the last finished 10 s interval
   * (go-metrics' in-memory sink): per interval, the largest total count of
   * {@code consul.http.GET.*} samples seen (the registrations are PUTs) (a count only grows within its interval), leaving out the
   * telemetry requests themselves.
   */
  static final class AgentRequests {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final URI metrics;
    private final TreeMap<String, Long> perInterval = new TreeMap<>();
    private long lastSample;

    AgentRequests(String baseUrl) {
      this.metrics = URI.create(baseUrl + "/v1/agent/metrics");
    }

    void sample() throws IOException, InterruptedException {
      if (System.nanoTime() - lastSample < TimeUnit.MILLISECONDS.toNanos(500)) {
        return;
      }
      lastSample = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode root = json.readTree(r.body());
      long count = 0;
      for (JsonNode s : root.path("Samples")) {
        String name = s.path("Name").asText();
        if (name.startsWith("consul.http.GET.") && !name.contains("agent.metrics")) {
          count += s.path("Count").asLong();
        }
      }
      perInterval.merge(root.path("Timestamp").asText(), count, Math::max);
    }

    private String loadedIn; // the interval during which every list had loaded

    void loaded() throws IOException, InterruptedException {
      lastSample = 0;
      sample();
      loadedIn = perInterval.lastKey();
    }

    /** Whether a whole interval began and ended after loading (the one loading ended in, then the next). */
    boolean quietIntervalDone() {
      return loadedIn != null && perInterval.tailMap(loadedIn, false).size() >= 2;
    }

    void report() {
      // Every interval listed is complete: the agent shows the last finished one.
      System.out.printf("agent HTTP GET requests per 10 s interval: %s%n", perInterval);
      long peak = perInterval.values().stream().mapToLong(Long::longValue).max().orElse(0);
      String endedIn = loadedIn == null ? null : perInterval.higherKey(loadedIn);
      String quietKey = endedIn == null ? null : perInterval.higherKey(endedIn);
      if (quietKey == null) {
        System.out.printf("agent requests per second: peak %.1f (busiest interval, loading included); no whole "
            + "quiet interval within %d s%n", peak / 10.0, QUIET_SECONDS);
        return;
      }
      System.out.printf("agent requests per second: peak %.1f (busiest interval, loading included), "
          + "%.1f when nothing changes (the first whole interval after loading)%n", peak / 10.0,
          perInterval.get(quietKey) / 10.0);
      System.out.printf("RESULT watch_scale_idle_agent_requests_per_s=%.1f requests/s (agent HTTP GETs while nothing "
          + "changes, %d watched services)%n", perInterval.get(quietKey) / 10.0, SERVICES);
    }
  }
}
