package io.mesh4j.benchmarks.spring;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.RedisCluster;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cloud.client.circuitbreaker.CircuitBreaker;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * The same tiny application twice, on the same private Consul agent, backends and Redis Cluster:
 * once on mesh4j's starter ({@link MeshStack}), once on Spring Cloud 2025.1.4 ({@link CloudStack}:
 * Consul discovery with {@code query-passing}, LoadBalancer with its default instance cache and
 * retry on the next instance, a Resilience4j breaker, a Spring Data Redis cache). Both run their
 * load at the same time, so both see the same events. The properties of each are the two
 * configurations docs/spring-boot.md shows side by side.
 *
 * <ol>
 *   <li>Instance killed under load: three backends registered with an HTTP check every second; each
 *       stack calls {@code GET /users/1} from 4 threads, each call {@value #PAUSE_MS} ms after the
 *       previous one; at {@value #KILL_AT_S} s one backend is killed (connections refused, still
 *       registered until its check fails). Failed calls of each stack until a new instance is
 *       registered at {@value #REGISTER_AT_S} s: {@code spring_side_by_side_*_failed_calls}.</li>
 *   <li>New instance: a fourth backend registered at {@value #REGISTER_AT_S} s, the load going on:
 *       seconds until each stack's first request reaches it
 *       ({@code spring_side_by_side_*_new_instance_s}; one not reached within {@value #WATCH_NEW_S}
 *       s is reported as that, a lower bound, and said so).</li>
 *   <li>Eviction: two nodes of each stack (separate contexts and connections). Node A puts a value,
 *       node B reads it (warming an L1 where there is one), node A evicts it; the time until B's read
 *       no longer returns the old value, median of {@value #EVICTIONS} samples
 *       ({@code spring_side_by_side_*_eviction_stale_ms}).</li>
 * </ol>
 *
 * The run is invalid (and throws) when the killed backend had served neither stack before the kill.
 * Last line: {@code RESULT spring_side_by_side_mesh4j_failed_calls=<n> calls}.
 *
 * <p>{@code scripts/bench.sh spring-side-by-side}
 */
public final class SpringSideBySideBench {
  static final String SERVICE = "sbs-users";
  private static final int THREADS = 4;
  private static final long PAUSE_MS = 10;
  private static final int KILL_AT_S = 5;
  private static final int REGISTER_AT_S = 12;
  private static final int WATCH_NEW_S = 60;
  private static final int EVICTIONS = 30;
  private static final String[] STACKS = {"mesh4j", "spring-cloud"};

  private SpringSideBySideBench() {}

  /** The mesh4j application's configuration (besides where Consul and Redis are). */
  static final String[] MESH4J_PROPERTIES = {
      "mesh4j.cache.namespaces.sbs.value-type=java.lang.String",
      "mesh4j.cache.namespaces.sbs.ttl=10m",
  };

  /** The Spring Cloud application's configuration (besides where Consul and Redis are). */
  static final String[] SPRING_CLOUD_PROPERTIES = {
      "spring.cloud.consul.discovery.register=false",
      "spring.cloud.service-registry.auto-registration.enabled=false",
      "spring.cloud.consul.discovery.query-passing=true",
      "spring.cloud.loadbalancer.retry.enabled=true",
      "spring.cloud.loadbalancer.retry.max-retries-on-next-service-instance=1",
      "spring.cache.cache-names=sbs",
  };

  /** Runs the three scenarios; prints the RESULT lines after everything is closed. */
  public static void main(String[] args) throws Exception {
    List<String> results = new ArrayList<>();
    try (ConsulAgent agent = ConsulAgent.startPrivate(); RedisCluster cluster = RedisCluster.startPrivate();
        ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).build()) {
      List<Backend> backends = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        backends.add(register(registry, new Backend(), i));
      }
      List<ConfigurableApplicationContext> contexts = new ArrayList<>();
      try {
        ConfigurableApplicationContext mesh = mesh4j(agent, cluster);
        contexts.add(mesh);
        ConfigurableApplicationContext cloud = springCloud(agent, cluster);
        contexts.add(cloud);
        List<String> load = underLoad(registry, backends, mesh, cloud);
        results.addAll(load.subList(0, load.size() - 1));
        ConfigurableApplicationContext meshB = mesh4j(agent, cluster);
        contexts.add(meshB);
        ConfigurableApplicationContext cloudB = springCloud(agent, cluster);
        contexts.add(cloudB);
        results.add(eviction("spring_cloud", cloud, cloudB));
        results.add(eviction("mesh4j", mesh, meshB));
        results.add(load.get(load.size() - 1)); // mesh4j's failed calls, last
      } finally {
        for (int i = contexts.size() - 1; i >= 0; i--) {
          contexts.get(i).close();
        }
        backends.forEach(b -> {
          try {
            b.kill();
          } catch (RuntimeException ignored) {
            // already killed
          }
        });
      }
    }
    // Printed after every resource is closed: nothing may log after the RESULT lines.
    results.forEach(System.out::println);
  }

  private static Backend register(ConsulRegistry registry, Backend b, int i) {
    registry.register(ServiceRegistration.of(ServiceInstance.newBuilder().serviceName(SERVICE).id(SERVICE + "-" + i)
        .host("127.0.0.1").port(b.port()).build(),
        HealthCheck.http("/health").interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500)).build()));
    return b;
  }

  private static ConfigurableApplicationContext mesh4j(ConsulAgent agent, RedisCluster cluster) {
    List<String> p = new ArrayList<>(Arrays.asList(MESH4J_PROPERTIES));
    p.add("mesh4j.consul.url=" + agent.baseUrl());
    p.add("mesh4j.redis.nodes=" + String.join(",", cluster.seedNodeStrings()));
    // Spring Cloud is on this class path too: keep its beans out of the mesh4j application.
    p.add("spring.cloud.consul.enabled=false");
    p.add("spring.cloud.discovery.enabled=false");
    p.add("spring.cloud.service-registry.auto-registration.enabled=false");
    p.add("spring.application.name=sbs-mesh4j");
    return new SpringApplicationBuilder(MeshStack.class).web(WebApplicationType.NONE).properties(p.toArray(String[]::new)).run();
  }

  private static ConfigurableApplicationContext springCloud(ConsulAgent agent, RedisCluster cluster) {
    URI consul = URI.create(agent.baseUrl());
    List<String> p = new ArrayList<>(Arrays.asList(SPRING_CLOUD_PROPERTIES));
    p.add("spring.cloud.consul.host=" + consul.getHost());
    p.add("spring.cloud.consul.port=" + consul.getPort());
    p.add("spring.data.redis.cluster.nodes=" + String.join(",", cluster.seedNodeStrings()));
    // mesh4j's starter is on this class path too: keep its beans out of the Spring Cloud application.
    p.add("mesh4j.consul.enabled=false");
    p.add("spring.application.name=sbs-spring-cloud");
    return new SpringApplicationBuilder(CloudStack.class).web(WebApplicationType.NONE).properties(p.toArray(String[]::new)).run();
  }

  /** Scenarios 1 and 2 on one continuous load. */
  @SuppressWarnings("unchecked")
  private static List<String> underLoad(ConsulRegistry registry, List<Backend> backends,
      ConfigurableApplicationContext mesh, ConfigurableApplicationContext cloud) throws Exception {
    RestClient meshUsers = mesh.getBean(RestClient.class);
    RestClient cloudUsers = cloud.getBean("users", RestClient.class);
    CircuitBreaker breaker = ((Supplier<CircuitBreaker>) cloud.getBean("breaker")).get();
    Load meshLoad = new Load("mesh4j", () -> meshUsers.get().uri("/users/1").retrieve().body(String.class));
    Load cloudLoad = new Load("spring-cloud",
        () -> breaker.run(() -> cloudUsers.get().uri("/users/1").retrieve().body(String.class)));
    // Both stacks see every backend before the load starts, so the kill hits a known list.
    awaitServed(backends, meshLoad, cloudLoad);
    long start = System.nanoTime();
    meshLoad.start();
    cloudLoad.start();
    try {
      parkUntil(start, KILL_AT_S);
      Backend victim = backends.get(2);
      for (String s : STACKS) {
        if (victim.requests(s) == 0) {
          throw new IllegalStateException("invalid run: the backend to kill served no " + s + " call before the kill");
        }
      }
      victim.kill();
      System.out.printf("killed backend %d at %d s%n", victim.port(), KILL_AT_S);
      parkUntil(start, REGISTER_AT_S);
      long meshFailed = meshLoad.failed.sum();
      long cloudFailed = cloudLoad.failed.sum();
      System.out.printf("until %d s: mesh4j %d calls, %d failed; spring-cloud %d calls, %d failed%n", REGISTER_AT_S,
          meshLoad.calls.sum(), meshFailed, cloudLoad.calls.sum(), cloudFailed);
      Backend fresh = register(registry, new Backend(), 3);
      backends.add(fresh);
      long registered = System.nanoTime();
      long deadline = registered + TimeUnit.SECONDS.toNanos(WATCH_NEW_S);
      while (System.nanoTime() < deadline && (fresh.firstRequestNanos("mesh4j") == null
          || fresh.firstRequestNanos("spring-cloud") == null)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      List<String> out = new ArrayList<>();
      out.add(String.format("RESULT spring_side_by_side_spring_cloud_failed_calls=%d calls", cloudFailed));
      out.add(newInstance("spring_cloud", fresh.firstRequestNanos("spring-cloud"), registered));
      out.add(newInstance("mesh4j", fresh.firstRequestNanos("mesh4j"), registered));
      out.add(String.format("RESULT spring_side_by_side_mesh4j_failed_calls=%d calls", meshFailed));
      return out;
    } finally {
      meshLoad.stop();
      cloudLoad.stop();
    }
  }

  private static String newInstance(String stack, Long first, long registered) {
    if (first == null) {
      System.out.printf("%s: the new instance got no request within %d s (the figure is a lower bound)%n", stack, WATCH_NEW_S);
      return String.format("RESULT spring_side_by_side_%s_new_instance_s=%d s (lower bound: no traffic yet)", stack, WATCH_NEW_S);
    }
    return String.format("RESULT spring_side_by_side_%s_new_instance_s=%.2f s", stack, (first - registered) / 1e9);
  }

  /**
   * Calls each stack until every backend has served it. Can take Spring Cloud up to its LoadBalancer
   * cache's 35 s: a first lookup that failed (Consul slow on a loaded machine, or the breaker's 1 s
   * time limit interrupting it) leaves an empty list cached.
   */
  private static void awaitServed(List<Backend> backends, Load... loads) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (Load load : loads) {
      while (backends.stream().anyMatch(b -> b.requests(load.stack) == 0)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(load.stack + " did not reach all three backends within 120 s");
        }
        try {
          load.call.run();
        } catch (RuntimeException ignored) {
          // not discovered yet
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  /** Scenario 3: median ms from node A's eviction until node B stops serving the old value. */
  private static String eviction(String stack, ConfigurableApplicationContext a, ConfigurableApplicationContext b) {
    Cache onA = Objects.requireNonNull(a.getBean(CacheManager.class).getCache("sbs"), "cache sbs");
    Cache onB = Objects.requireNonNull(b.getBean(CacheManager.class).getCache("sbs"), "cache sbs");
    double[] ms = new double[EVICTIONS];
    for (int i = 0; i < EVICTIONS; i++) {
      String key = stack + "-" + i + "-" + System.nanoTime();
      onA.put(key, "old");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!"old".equals(value(onB, key))) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException(stack + ": node B never saw the value node A put");
        }
      }
      onA.evict(key);
      long evicted = System.nanoTime();
      until = evicted + TimeUnit.SECONDS.toNanos(30);
      while ("old".equals(value(onB, key))) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException(stack + ": node B still served the evicted value after 30 s");
        }
      }
      ms[i] = (System.nanoTime() - evicted) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf("%s eviction seen by node B: median %.3f ms, max %.3f ms%n", stack, ms[EVICTIONS / 2], ms[EVICTIONS - 1]);
    return String.format("RESULT spring_side_by_side_%s_eviction_stale_ms=%.3f ms", stack, ms[EVICTIONS / 2]);
  }

  private static Object value(Cache cache, String key) {
    Cache.ValueWrapper w = cache.get(key);
    return w == null ? null : w.get();
  }

  private static void parkUntil(long start, int second) {
    long at = start + TimeUnit.SECONDS.toNanos(second);
    for (long left = at - System.nanoTime(); left > 0; left = at - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /** A closed-loop load of one stack: {@value #THREADS} threads, a pause between calls. */
  private static final class Load {
    final String stack;
    final Runnable call;
    final LongAdder calls = new LongAdder();
    final LongAdder failed = new LongAdder();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    Load(String stack, Runnable call) {
      this.stack = stack;
      this.call = call;
    }

    void start() {
      for (int i = 0; i < THREADS; i++) {
        Thread t = new Thread(() -> {
          while (running) {
            try {
              call.run();
            } catch (RuntimeException e) {
              failed.increment();
            }
            calls.increment();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PAUSE_MS));
          }
        }, "load-" + stack + "-" + i);
        t.start();
        threads.add(t);
      }
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
  }
}
