package io.mesh4j.examples.spring;

import io.mesh4j.examples.spring.caller.CallerApplication;
import io.mesh4j.examples.spring.users.UserServiceApplication;
import io.mesh4j.examples.spring.users.UsersController;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.RedisCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code scripts/spring-example.sh}: brings up a Consul agent and a Redis Cluster (mesh-testkit,
 * as {@code scripts/demo.sh} does) unless {@code CONSUL_HTTP_ADDR} and {@code REDIS_CLUSTER_NODES}
 * name existing ones, starts two user-service instances and the caller (each its own Spring Boot
 * application context with its own Tomcat), and asks the caller for a user three times: through the
 * mesh, from the cache, and through the mesh again after an eviction. With {@code --keep-running}
 * everything stays up until Ctrl-C, for curl.
 *
 * <p>Exits 0 when the story went as told, 1 with the reason otherwise; stops everything it started.
 */
public final class SpringExample {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SpringExample() {}

  /** Entry point; {@code --keep-running} keeps the applications up after the story. */
  public static void main(String[] args) {
    int code;
    try {
      code = run(List.of(args).contains("--keep-running"));
    } catch (Exception e) {
      System.out.println("EXAMPLE FAILED: " + e);
      code = 1;
    }
    System.exit(code);
  }

  private static int run(boolean keepRunning) throws Exception {
    ConsulAgent agent = null;
    RedisCluster cluster = null;
    List<ConfigurableApplicationContext> apps = new ArrayList<>();
    try {
      String consulUrl = System.getenv("CONSUL_HTTP_ADDR");
      if (consulUrl == null || consulUrl.isBlank()) {
        say("== Starting a Consul dev agent on loopback");
        agent = ConsulAgent.startPrivate();
        consulUrl = agent.baseUrl();
      } else if (!consulUrl.startsWith("http")) {
        consulUrl = "http://" + consulUrl;
      }
      String redisNodes = System.getenv("REDIS_CLUSTER_NODES");
      if (redisNodes == null || redisNodes.isBlank()) {
        say("== Starting a 6-node Redis Cluster on loopback");
        cluster = RedisCluster.startPrivate();
        redisNodes = String.join(",", cluster.seedNodeStrings());
      }
      say("Consul %s, Redis Cluster %s", consulUrl, redisNodes);

      say("== Starting 2 user-service instances (they register themselves in Consul)");
      List<ConfigurableApplicationContext> users = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        ConfigurableApplicationContext u = UserServiceApplication.builder()
            .properties("mesh4j.consul.url=" + consulUrl).run();
        users.add(u);
        apps.add(u);
        say("   user-service on port %s", port(u));
      }
      say("== Starting the caller (@HttpExchange client, @Cacheable service)");
      ConfigurableApplicationContext caller = CallerApplication.builder()
          .properties("mesh4j.consul.url=" + consulUrl, "mesh4j.redis.nodes=" + redisNodes).run();
      apps.add(caller);
      String base = "http://127.0.0.1:" + port(caller);
      say("   caller on %s", base);

      String id = "42-" + ProcessHandle.current().pid();
      // The instances become callable once Consul's HTTP check of /actuator/health has passed.
      String first = awaitOk(base + "/profiles/" + id, Duration.ofSeconds(30));
      say("1. GET /profiles/%s -> %s   (user-service requests served: %d)", id, first, served(users));
      String second = get(base + "/profiles/" + id);
      long afterSecond = served(users);
      say("2. GET /profiles/%s -> %s   (user-service requests served: %d: from the cache)", id, second, afterSecond);
      if (afterSecond != 1 || !first.equals(second)) {
        return fail("the second call was expected from the cache");
      }
      send(HttpRequest.newBuilder(URI.create(base + "/profiles/" + id)).DELETE().build());
      String third = get(base + "/profiles/" + id);
      say("3. after DELETE /profiles/%s: -> %s   (user-service requests served: %d)", id, third, served(users));
      if (served(users) != 2) {
        return fail("the call after the eviction was expected to reach the user-service");
      }
      say("== OK: the caller reached the user-service through Consul and the mesh, and its cache served the repeat");
      if (keepRunning) {
        say("Running until Ctrl-C: curl %s/profiles/7, curl %s/actuator/mesh", base, base);
        Thread.currentThread().join();
      }
      return 0;
    } finally {
      for (int i = apps.size() - 1; i >= 0; i--) {
        apps.get(i).close();
      }
      if (cluster != null) {
        cluster.close();
      }
      if (agent != null) {
        agent.close();
      }
    }
  }

  private static long served(List<ConfigurableApplicationContext> users) {
    return users.stream().mapToLong(u -> u.getBean(UsersController.class).served()).sum();
  }

  private static String port(ConfigurableApplicationContext app) {
    return app.getEnvironment().getProperty("local.server.port");
  }

  private static String awaitOk(String url, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)).build());
      if (r.statusCode() == 200) {
        return r.body();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(url + " answered " + r.statusCode() + " for " + within + ": " + r.body());
      }
      Thread.sleep(200); // polling an external process's readiness, with a deadline
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)).build());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static int fail(String why) {
    say("EXAMPLE FAILED: %s", why);
    return 1;
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(format, args));
  }
}
