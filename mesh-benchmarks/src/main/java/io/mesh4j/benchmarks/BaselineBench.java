package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.support.LoopbackHttpServer;
import io.mesh4j.benchmarks.support.Throughput;
import io.mesh4j.testkit.RedisCluster;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/**
 * The references later ratios divide by: raw OkHttp GET against a loopback HTTP server, and raw
 * Redis Cluster GET of a 1 KiB value through Jedis, each as ops/s on 2 threads over fixed-length
 * rounds (warm-up discarded, median of the measured rounds).
 *
 * <p>{@code scripts/bench.sh baseline [seconds-per-round]}
 */
public final class BaselineBench {
  private static final int THREADS = 2;

  private BaselineBench() {}

  /** Runs both baselines and prints two RESULT lines, Redis last. */
  public static void main(String[] args) throws Exception {
    Duration round = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
    double http = okHttp(round);
    double redis = redis(round);
    System.out.printf("RESULT baseline_okhttp_get_ops=%.0f ops/s%n", http);
    System.out.printf("RESULT baseline_redis_cluster_get_ops=%.0f ops/s%n", redis);
  }

  static double okHttp(Duration round) throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(1024, 4)) {
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequestsPerHost(64);
      OkHttpClient client = new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .connectionPool(new ConnectionPool(16, 5, TimeUnit.MINUTES))
          .build();
      Request request = new Request.Builder().url(server.url() + "/users/42").build();
      Throughput.Op op = () -> {
        try (Response r = client.newCall(request).execute()) {
          if (r.code() != 200 || r.body().bytes().length != 1024) {
            throw new IllegalStateException("bad answer " + r.code());
          }
        }
      };
      double result = measure("okhttp GET", op, round);
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
      return result;
    }
  }

  static double redis(Duration round) throws Exception {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      Set<HostAndPort> nodes = new HashSet<>();
      for (InetSocketAddress a : cluster.seedNodes()) {
        nodes.add(new HostAndPort(a.getHostString(), a.getPort()));
      }
      try (RedisClusterClient jedis = RedisClusterClient.create(nodes)) {
        String value = "v".repeat(1024);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          keys.add("baseline:" + i);
          jedis.set("baseline:" + i, value);
        }
        int[] next = new int[1];
        Throughput.Op op = () -> {
          int i = (next[0]++ & 63);
          String v = jedis.get(keys.get(i));
          if (v == null || v.length() != 1024) {
            throw new IllegalStateException("bad value for " + keys.get(i));
          }
        };
        return measure("redis cluster GET 1KiB", op, round);
      }
    }
  }

  private static double measure(String what, Throughput.Op op, Duration round) throws InterruptedException {
    Throughput.opsPerSecond(op, THREADS, round); // warm-up, discarded
    List<Double> rounds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      double ops = Throughput.opsPerSecond(op, THREADS, round);
      rounds.add(ops);
      System.out.printf("%s round %d: %.0f ops/s%n", what, i + 1, ops);
    }
    return Throughput.median(rounds);
  }
}
