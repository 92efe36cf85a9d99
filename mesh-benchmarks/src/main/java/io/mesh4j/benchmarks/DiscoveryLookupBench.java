package io.mesh4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.testkit.ConsulAgent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * JMH: {@code ConsulDiscovery.instances(service)} on a warm snapshot, 2 threads, against a
 * private real agent reached through a counting HTTP proxy, so the run also counts the HTTP
 * requests the agent served from the end of set-up to the start of tear-down (warm-up and
 * measurement, about 11 s). The watch's blocking wait is set to {@value #QUERY_WAIT_S} s for this
 * benchmark (default 55 s) so that the window spans several of them: a working watch makes one
 * request per wait, so the count must lie between {@code window / (wait + 1 s) - 1} and
 * {@code window / wait + 2}. More (a request per lookup, or a watch that spins) or fewer (a watch
 * that stopped) fails the run.
 *
 * <p>Reference in the same run: {@code bareQuery} asks the agent per lookup (one HTTP GET of the
 * health endpoint with the JDK client), which is what a discovery without a snapshot costs.
 *
 * <p>{@code scripts/bench.sh discovery-lookup}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DiscoveryLookupBench {
  private static final String SERVICE = "lookup";
  private static final String COUNT_FILE = "mesh4j.bench.requestsFile";
  private static final String WINDOW = "window-ms";
  static final int QUERY_WAIT_S = 2;

  private ConsulAgent agent;
  private CountingProxy proxy;
  private ConsulDiscovery discovery;
  private HttpClient http;
  private HttpRequest bareRequest;
  private long windowStart;

  /** Starts the agent, registers 3 instances, warms the snapshot. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    agent = ConsulAgent.startPrivate();
    http = HttpClient.newHttpClient();
    for (int i = 0; i < 3; i++) {
      String json = "{\"Name\":\"" + SERVICE + "\",\"ID\":\"l" + i + "\",\"Address\":\"127.0.0.1\",\"Port\":" + (9000 + i) + "}";
      http.send(HttpRequest.newBuilder(URI.create(agent.baseUrl() + "/v1/agent/service/register"))
          .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.discarding());
    }
    proxy = new CountingProxy(agent.baseUrl());
    discovery = ConsulDiscovery.builder().url(proxy.url()).queryWait(Duration.ofSeconds(QUERY_WAIT_S)).build();
    if (discovery.instances(SERVICE).size() != 3) {
      throw new IllegalStateException("expected 3 instances");
    }
    proxy.reset();
    windowStart = System.nanoTime();
    bareRequest = HttpRequest.newBuilder(URI.create(agent.baseUrl() + "/v1/health/service/" + SERVICE + "?passing"))
        .build();
  }

  /** Writes the proxy's counts for the parent process, then stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    String file = System.getProperty(COUNT_FILE);
    Map<String, Long> counts = proxy.counts();
    counts.put(WINDOW, (System.nanoTime() - windowStart) / 1_000_000);
    discovery.close();
    proxy.close();
    agent.close();
    if (file != null) {
      StringBuilder sb = new StringBuilder();
      counts.forEach((k, v) -> sb.append(k).append('\t').append(v).append('\n'));
      Files.writeString(Path.of(file), sb.toString(), StandardCharsets.UTF_8);
    }
  }

  /** The hot path: a lookup from the local snapshot. */
  @Benchmark
  @Threads(2)
  public List<ServiceInstance> lookup() {
    return discovery.instances(SERVICE);
  }

  /** The reference: one HTTP round trip to the agent per lookup. */
  @Benchmark
  @Threads(2)
  public String bareQuery() throws Exception {
    return http.send(bareRequest, HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Runs both benchmarks in one fork; the last line is {@code RESULT discovery_lookup_ns=<v> ns/op}. */
  public static void main(String[] args) throws Exception {
    Path lookupCounts = Files.createTempFile("discovery-lookup", ".counts");
    Path bareCounts = Files.createTempFile("discovery-bare", ".counts");
    double lookupNs = run("lookup", lookupCounts);
    double bareNs = run("bareQuery", bareCounts);
    Map<String, Long> counts = read(lookupCounts);
    Long windowMs = counts.remove(WINDOW);
    if (windowMs == null) {
      throw new IllegalStateException("the lookup fork wrote no request counts");
    }
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    long low = Math.max(1, (long) Math.floor(windowMs / 1000.0 / (QUERY_WAIT_S + 1)) - 1);
    long high = (long) Math.ceil(windowMs / 1000.0 / QUERY_WAIT_S) + 2;
    boolean inBounds = total >= low && total <= high;
    System.out.printf("bare HTTP query per lookup: %.0f ns/op; snapshot lookup is %.0fx faster%n",
        bareNs, bareNs / lookupNs);
    System.out.printf("HTTP requests the agent served for the discovery during warm-up and measurement (%.1f s, "
        + "blocking wait %d s): %d %s; a working watch makes %d to %d: %s%n", windowMs / 1e3, QUERY_WAIT_S, total,
        counts, low, high, inBounds ? "yes" : "NO");
    Files.deleteIfExists(lookupCounts);
    Files.deleteIfExists(bareCounts);
    System.out.printf("ERRORS discovery_lookup_agent_requests_out_of_bounds=%d allowed=0%n", inBounds ? 0 : 1);
    System.out.printf("RESULT discovery_lookup_ns=%.1f ns/op%n", lookupNs);
  }

  private static double run(String method, Path countFile) throws Exception {
    Options opt = new OptionsBuilder()
        .include(DiscoveryLookupBench.class.getName() + "." + method + "$")
        .forks(1)
        .warmupIterations(2).warmupTime(TimeValue.seconds(1))
        .measurementIterations(3).measurementTime(TimeValue.seconds(2))
        .shouldFailOnError(true)
        .jvmArgsAppend("-D" + COUNT_FILE + "=" + countFile,
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dmesh4j.repo.root=" + System.getProperty("mesh4j.repo.root", "."))
        .build();
    Collection<RunResult> results = new Runner(opt).run();
    return results.iterator().next().getPrimaryResult().getScore();
  }

  private static Map<String, Long> read(Path file) throws IOException {
    Map<String, Long> m = new TreeMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] kv = line.split("\t");
      if (kv.length == 2) {
        m.put(kv[0], Long.parseLong(kv[1]));
      }
    }
    return m;
  }

  /**
   * A reverse proxy in front of the agent that counts the requests it forwards, by method and
   * path without query: an independent count of what the agent served to the discovery.
   */
  static final class CountingProxy implements AutoCloseable {
    static {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "counting-proxy");
      t.setDaemon(true);
      return t;
    });
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    CountingProxy(String target) throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      server.setExecutor(executor);
      server.createContext("/", ex -> {
        URI u = ex.getRequestURI();
        counts.computeIfAbsent(ex.getRequestMethod() + " " + u.getPath(), k -> new LongAdder()).increment();
        try {
          HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + u.getRawPath()
              + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery())))
              .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes()));
          String token = ex.getRequestHeaders().getFirst("X-Consul-Token");
          if (token != null) {
            b.header("X-Consul-Token", token);
          }
          HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
          r.headers().map().forEach((k, v) -> {
            if (k.regionMatches(true, 0, "X-Consul-", 0, 9) || k.equalsIgnoreCase("Content-Type")) {
              ex.getResponseHeaders().put(k, v);
            }
          });
          byte[] body = r.body();
          ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          ex.sendResponseHeaders(502, -1);
        } catch (IOException e) {
          ex.sendResponseHeaders(502, -1);
        } finally {
          ex.close();
        }
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void reset() {
      counts.clear();
    }

    Map<String, Long> counts() {
      Map<String, Long> m = new TreeMap<>();
      counts.forEach((k, v) -> m.put(k, v.sum()));
      return m;
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
