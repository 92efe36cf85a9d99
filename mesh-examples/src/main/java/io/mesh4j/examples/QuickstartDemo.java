package io.mesh4j.examples;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.micrometer.MeshMeterObservationHandler;
import io.mesh4j.micrometer.MeshMeters;
import io.mesh4j.micrometer.MeshObservations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.RedisCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The README's first command: the mesh at work, as a short story.
 *
 * <ol>
 *   <li>Brings up a Consul agent and a Redis Cluster (mesh-testkit), unless {@code CONSUL_HTTP_ADDR}
 *       and {@code REDIS_CLUSTER_NODES} name existing ones.</li>
 *   <li>Starts three "user-service" instances, each its own JVM, registered in Consul with an HTTP
 *       health check.</li>
 *   <li>Calls them through {@link ServiceMeshClient}: round robin, a GET served from the response
 *       cache, one instance killed (SIGKILL) mid-run with no failed call and its ejection shown, the
 *       instance restarted and back in rotation, and a summary table.</li>
 * </ol>
 *
 * Exits 0 when the story went as told, 1 with the reason otherwise; stops everything it started.
 */
public final class QuickstartDemo {
  private static final String SERVICE = "user-service";

  private final List<Process> instances = new ArrayList<>(Collections.nCopies(3, (Process) null));
  private final int[] ports = new int[3];
  private final List<Long> latenciesMicros = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicInteger retries = new AtomicInteger();
  private final AtomicInteger ejections = new AtomicInteger();
  private final AtomicInteger cacheHits = new AtomicInteger();
  /** What an operator would scrape: every call, attempt and decision of the mesh, as Micrometer meters. */
  private final SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();
  private final MeshMeters meters = MeshMeters.create(meterRegistry);
  private String consulUrl;

  private QuickstartDemo() {}

  /** Entry point. */
  public static void main(String[] args) {
    int code;
    try {
      code = new QuickstartDemo().run();
    } catch (Exception e) {
      System.out.println();
      System.out.println("DEMO FAILED: " + e);
      code = 1;
    }
    System.exit(code);
  }

  private int run() throws Exception {
    ConsulAgent agent = null;
    RedisCluster cluster = null;
    try {
      consulUrl = System.getenv("CONSUL_HTTP_ADDR");
      if (consulUrl == null || consulUrl.isBlank()) {
        step("Starting a Consul dev agent on loopback");
        agent = ConsulAgent.startPrivate();
        consulUrl = agent.baseUrl();
      } else if (!consulUrl.startsWith("http")) {
        consulUrl = "http://" + consulUrl;
      }
      say("Consul at %s", consulUrl);
      String[] redisNodes;
      String env = System.getenv("REDIS_CLUSTER_NODES");
      if (env == null || env.isBlank()) {
        step("Starting a 6-node Redis Cluster on loopback (3 masters, 3 replicas)");
        cluster = RedisCluster.startPrivate();
        redisNodes = cluster.seedNodeStrings().toArray(new String[0]);
      } else {
        redisNodes = env.split(",");
      }
      say("Redis Cluster seeds %s", String.join(",", redisNodes));

      step("Starting 3 instances of user-service, each in its own JVM, registered in Consul with HTTP health checks");
      for (int i = 0; i < 3; i++) {
        ports[i] = freePort();
        startInstance(i);
      }
      ObservationRegistry observations = ObservationRegistry.create();
      observations.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
          new MeshMeterObservationHandler(meterRegistry), new DefaultMeterObservationHandler(meterRegistry)));
      try (ConsulDiscovery discovery = ConsulDiscovery.builder().url(consulUrl).eventListener(meters).build();
          DistributedCache<CachedResponse> responses = DistributedCache.builder(CachedResponse.class)
              .seedNodes(redisNodes).namespace("demo-responses-" + ProcessHandle.current().pid()).build();
          ServiceMeshClient mesh = ServiceMeshClient.builder()
              .discovery(discovery)
              .retry(r -> r.maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(200)))
              // Short ejection for the demo, so the restarted instance is back within seconds.
              .outlierEjection(OutlierEjectionConfig.builder().consecutiveFailures(3)
                  .ejectionTime(Duration.ofSeconds(3), Duration.ofSeconds(30)).build())
              .responseCache(responses, Duration.ofSeconds(30))
              .listener(MeshEventListener.of(this::onEvent))
              .listener(meters)
              .observer(MeshObservations.create(observations))
              .build()) {
        meters.bind(mesh); // the retry budget gauges read the client
        awaitInstances(discovery, 3, Duration.ofSeconds(20));
        say("Discovery sees %d instances: %s", discovery.instances(SERVICE).size(), ids(discovery.instances(SERVICE)));
        discovery.subscribe(SERVICE, change -> {
          if (!change.removed().isEmpty()) {
            say("   - Consul: %s left (health check critical); %d instance(s) now", ids(change.removed()), change.instances().size());
          }
          // The first notification lists every current instance as added: not news.
          if (!change.added().isEmpty() && change.added().size() < change.instances().size()) {
            say("   + Consul: %s back (health check passing); %d instance(s) now", ids(change.added()), change.instances().size());
          }
        });

        step("Round robin: 9 calls of GET /users/{id}");
        StringBuilder line = new StringBuilder("   served by:");
        for (int i = 1; i <= 9; i++) {
          MeshResponse r = call(mesh, i);
          line.append(' ').append(r == null ? "FAILED" : servedBy(r));
        }
        say("%s", line);

        step("Response cache: GET /users/42 twice, cached for 30 s in the Redis Cluster");
        for (int k = 0; k < 2; k++) {
          MeshResponse r = timed(() -> mesh.service(SERVICE).get("/users/{id}", 42).cacheFor(Duration.ofSeconds(30)).execute());
          String cache = r == null ? "FAILED" : r.header("X-Cache").orElse("?");
          if ("HIT".equals(cache)) {
            cacheHits.incrementAndGet();
          }
          say("   call %d: X-Cache: %s%s", k + 1, cache, r != null && r.fromCache() ? " (no instance was called)" : " (served by " + (r == null ? "-" : servedBy(r)) + ")");
        }

        step("Killing user-service-2 (SIGKILL) in the middle of 150 calls");
        int failuresBefore = failures.get();
        for (int i = 0; i < 150; i++) {
          if (i == 30) {
            instances.get(1).destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            say("   x killed user-service-2 after call 30");
          }
          call(mesh, 100 + i);
          Thread.sleep(10);
        }
        int lost = failures.get() - failuresBefore;
        say("   150 calls, %d failed, %d retried on another instance, %d ejection(s)", lost, retries.get(), ejections.get());
        if (lost > 0) {
          return fail(lost + " calls failed while an instance died");
        }

        step("Restarting user-service-2 on the same port");
        startInstance(1);
        awaitInstances(discovery, 3, Duration.ofSeconds(20));
        ServiceInstance second = discovery.instances(SERVICE).stream().filter(s -> s.id().equals("user-service-2")).findFirst().orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        Map<String, Integer> share = new TreeMap<>();
        while (System.nanoTime() < deadline && share.getOrDefault("#2", 0) < 5) {
          MeshResponse r = call(mesh, 500);
          if (r != null) {
            share.merge(servedBy(r), 1, Integer::sum);
          }
          Thread.sleep(20);
        }
        say("   taking traffic again; ejected now = %s", mesh.outlierDetector(SERVICE).isEjected(second));
        share.clear();
        for (int i = 0; i < 60; i++) {
          MeshResponse r = call(mesh, 600 + i);
          if (r != null) {
            share.merge(servedBy(r), 1, Integer::sum);
          }
        }
        say("   next 60 calls: %s", share);
        if (share.getOrDefault("#2", 0) == 0) {
          return fail("the restarted instance got no traffic");
        }
        summary();
        printMeters();
        if (failures.get() > 0) {
          return fail(failures.get() + " calls failed");
        }
        System.out.println();
        System.out.println("Demo finished: no failed call.");
        return 0;
      }
    } finally {
      for (Process p : instances) {
        if (p != null && p.isAlive()) {
          p.destroy();
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
      if (cluster != null) {
        cluster.close();
      }
      if (agent != null) {
        agent.close();
      }
    }
  }

  private interface Call {
    MeshResponse run();
  }

  private MeshResponse call(ServiceMeshClient mesh, int userId) {
    return timed(() -> mesh.service(SERVICE).get("/users/{id}", userId).execute());
  }

  private MeshResponse timed(Call c) {
    long t0 = System.nanoTime();
    calls.incrementAndGet();
    try {
      MeshResponse r = c.run();
      latenciesMicros.add((System.nanoTime() - t0) / 1000);
      return r;
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      say("   ! call failed: %s", e.getMessage());
      return null;
    }
  }

  private void onEvent(MeshEvent e) {
    if (e instanceof ResilienceEvent.RetryScheduled) {
      retries.incrementAndGet();
    } else if (e instanceof ResilienceEvent.InstanceEjected) {
      ResilienceEvent.InstanceEjected ej = (ResilienceEvent.InstanceEjected) e;
      ejections.incrementAndGet();
      say("   ! %s ejected for %.1f s (%s)", ej.instance().id(), ej.ejectionTime().toMillis() / 1000.0, ej.reason());
    } else if (e instanceof ResilienceEvent.InstanceReturned) {
      say("   + %s returned to rotation", ((ResilienceEvent.InstanceReturned) e).instance().id());
    }
  }

  private void startInstance(int i) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String id = "user-service-" + (i + 1);
    Process p = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), UserService.class.getName(), consulUrl, id, String.valueOf(ports[i]))
        .redirectErrorStream(true).start();
    instances.set(i, p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("READY")) {
        say("   %s listening on 127.0.0.1:%d (pid %d)", id, ports[i], p.pid());
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), id + "-out");
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IllegalStateException(id + " exited before it was ready (exit " + p.waitFor() + ")");
  }

  private static void awaitInstances(ConsulDiscovery discovery, int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (discovery.instances(SERVICE).size() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("discovery saw " + discovery.instances(SERVICE).size() + " of " + n
            + " passing instances after " + timeout);
      }
      Thread.sleep(50);
    }
  }

  private void summary() {
    List<Long> sorted = new ArrayList<>(latenciesMicros);
    sorted.sort(null);
    step("Summary");
    System.out.println("   +------------+-------+");
    row("calls", String.valueOf(calls.get()));
    row("failures", String.valueOf(failures.get()));
    row("retries", String.valueOf(retries.get()));
    row("ejections", String.valueOf(ejections.get()));
    row("cache hits", String.valueOf(cacheHits.get()));
    row("p50 (ms)", String.format("%.2f", percentile(sorted, 0.50) / 1000.0));
    row("p99 (ms)", String.format("%.2f", percentile(sorted, 0.99) / 1000.0));
    System.out.println("   +------------+-------+");
  }

  /** A few of the meters mesh-micrometer keeps (docs/observability.md lists them all). */
  private void printMeters() {
    step("Meters (mesh-micrometer; the gateway serves them at /metrics)");
    for (Timer t : meterRegistry.find("mesh.client.call.duration").timers()) {
      say("   %-40s %4d calls, mean %.2f ms  %s", "mesh.client.call.duration", t.count(), t.mean(TimeUnit.MILLISECONDS),
          tags(t.getId(), "url.template", "error.type", "mesh.cache"));
    }
    for (Timer t : meterRegistry.find("http.client.request.duration").timers()) {
      say("   %-40s %4d attempts                 %s", "http.client.request.duration", t.count(),
          tags(t.getId(), "http.response.status_code", "error.type"));
    }
    for (String name : List.of("mesh.client.retries", "mesh.outlier.ejections", "mesh.outlier.returns",
        "mesh.discovery.changes")) {
      for (Counter c : meterRegistry.find(name).counters()) {
        say("   %-40s %4.0f                        %s", name, c.count(), tags(c.getId(), "reason"));
      }
    }
    for (Gauge g : meterRegistry.find("mesh.discovery.instances").gauges()) {
      say("   %-40s %4.0f", "mesh.discovery.instances", g.value());
    }
  }

  private static String tags(Meter.Id id, String... keys) {
    StringBuilder b = new StringBuilder();
    for (String k : keys) {
      String v = id.getTag(k);
      if (v != null) {
        b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v);
      }
    }
    return b.toString();
  }

  private static void row(String name, String value) {
    System.out.printf("   | %-10s | %5s |%n", name, value);
  }

  private static double percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  private static String servedBy(MeshResponse r) {
    Object s = r.as(Map.class).get("servedBy");
    return s == null ? "?" : s.toString().replace("user-service-", "#");
  }

  private static List<String> ids(List<ServiceInstance> l) {
    List<String> ids = new ArrayList<>();
    l.forEach(i -> ids.add(i.id()));
    ids.sort(null);
    return ids;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int fail(String reason) {
    System.out.println();
    System.out.println("DEMO FAILED: " + reason);
    return 1;
  }

  private static void step(String text) {
    System.out.println();
    System.out.println("== " + text);
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(format, args));
  }
}
