package io.mesh4j.examples;

import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.RedisCluster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's first command until the quickstart demo exists: brings up a Consul agent and a
 * Redis Cluster through mesh-testkit (or uses existing ones named by {@code CONSUL_HTTP_ADDR} and
 * {@code REDIS_CLUSTER_NODES}), prints their health, stops what it started, and exits 0 when
 * both are healthy.
 */
public final class ServicesHealth {
  private ServicesHealth() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    String consulAddr = System.getenv("CONSUL_HTTP_ADDR");
    String redisNodes = System.getenv("REDIS_CLUSTER_NODES");
    ConsulAgent agent = null;
    RedisCluster cluster = null;
    boolean healthy = true;
    try {
      if (consulAddr == null || consulAddr.isBlank()) {
        System.out.println("Starting a Consul dev agent on loopback...");
        agent = ConsulAgent.startPrivate();
        consulAddr = agent.baseUrl();
      }
      String base = consulAddr.startsWith("http") ? consulAddr : "http://" + consulAddr;
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
      HttpResponse<String> leader = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/status/leader"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      boolean consulOk = leader.statusCode() == 200 && leader.body().length() > 2;
      healthy &= consulOk;
      System.out.printf("Consul  %-28s leader %s  -> %s%n", base, leader.body().trim(), consulOk ? "OK" : "NOT HEALTHY");

      List<InetSocketAddress> nodes = new ArrayList<>();
      if (redisNodes == null || redisNodes.isBlank()) {
        System.out.println("Starting a 6-node Redis Cluster on loopback...");
        cluster = RedisCluster.startPrivate();
        nodes.addAll(cluster.seedNodes());
      } else {
        for (String n : redisNodes.split(",")) {
          String[] hp = n.trim().split(":");
          nodes.add(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
        }
      }
      String info = clusterInfo(nodes.get(0));
      boolean redisOk = info.contains("cluster_state:ok");
      healthy &= redisOk;
      System.out.printf("Redis   %-28s %s, %s, %s  -> %s%n", nodes.size() + " nodes from " + nodes.get(0),
          field(info, "cluster_state"), field(info, "cluster_slots_assigned") + " slots",
          field(info, "cluster_size") + " masters", redisOk ? "OK" : "NOT HEALTHY");
    } finally {
      if (cluster != null) {
        cluster.close();
      }
      if (agent != null) {
        agent.close();
      }
    }
    System.out.println(healthy ? "All services healthy." : "Some service is not healthy.");
    System.exit(healthy ? 0 : 1);
  }

  private static String field(String info, String name) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return "?";
  }

  /** CLUSTER INFO over a bare socket: this program needs no Redis client library. */
  private static String clusterInfo(InetSocketAddress node) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(node, 3000);
      s.setSoTimeout(3000);
      s.getOutputStream().write("*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] buf = new byte[8192];
      int n = s.getInputStream().read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }
  }
}
