package io.mesh4j.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.testkit.RedisCluster;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/**
 * DistributedCache.get of a ~1 KiB JSON value against raw Jedis cluster GET plus a Jackson decode
 * with a pre-built reader, 2 threads, same keys, same payload, same timeouts and pool size; the two
 * alternate over 5 rounds (fresh fork each), medians compared.
 *
 * <p>{@code scripts/bench.sh cache-l2-get}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheL2GetBench {
  static final int KEYS = 64;

  /** The cached document. */
  public record Payload(String id, int version, List<String> tags, String body) {}

  @Param("")
  public String seeds;

  private RedisClusterConnection connection;
  private DistributedCache<Payload> cache;
  private RedisClusterClient raw;
  private ObjectReader reader;
  private final String[] keys = new String[KEYS];
  private final byte[][] rawKeys = new byte[KEYS][];

  /** Each thread walks the keys from its own position. */
  @State(Scope.Thread)
  public static class Cursor {
    int i = (int) (Thread.currentThread().getId() * 17);
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String[] nodes = seeds.split(",");
    connection = RedisClusterConnection.builder().seedNodes(nodes).maxConnectionsPerNode(16).build();
    cache = DistributedCache.builder(connection, Payload.class).namespace("bench-l2").build();
    Set<HostAndPort> hp = new HashSet<>();
    for (String n : nodes) {
      hp.add(HostAndPort.from(n));
    }
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(16);
    pool.setMaxIdle(16);
    raw = RedisClusterClient.builder().nodes(hp)
        .clientConfig(DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000).socketTimeoutMillis(1000).build())
        .poolConfig(pool).build();
    ObjectMapper mapper = new ObjectMapper();
    reader = mapper.readerFor(Payload.class);
    for (int i = 0; i < KEYS; i++) {
      Payload p = new Payload("doc-" + i, i, List.of("alpha", "beta", "gamma"), "x".repeat(900));
      keys[i] = "doc-" + i;
      rawKeys[i] = ("bench-raw:doc-" + i).getBytes(UTF_8);
      cache.set(keys[i], p);
      raw.set(rawKeys[i], mapper.writeValueAsBytes(p));
      if (!p.equals(cache.get(keys[i])) || !p.equals(reader.readValue(raw.get(rawKeys[i])))) {
        throw new IllegalStateException("setup read back a different value");
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    long misses = cache.stats().misses();
    cache.close();
    connection.close();
    raw.close();
    if (misses > 0) {
      throw new IllegalStateException("the cache missed " + misses + " times: not measuring hits");
    }
  }

  @Benchmark
  public Payload cache(Cursor c) {
    return cache.get(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public Payload jedis(Cursor c) throws Exception {
    return reader.readValue(raw.get(rawKeys[c.i++ & (KEYS - 1)]));
  }

  /** Starts a private cluster, runs both alternately; last line {@code RESULT cache_l2_vs_jedis=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    double result;
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      double[] m = CacheBenchSupport.alternate(CacheL2GetBench.class, "cache", "jedis", 5, 2,
          Map.of("seeds", CacheBenchSupport.seeds(cluster.seedNodes())));
      double ratio = m[2]; // median of the per-round ratios
      System.out.printf("DistributedCache.get %.0f ops/s, raw Jedis GET + Jackson %.0f ops/s (medians of 5, 2 threads; median per-round ratio %.3f); "
          + "target >= 0.9: %s%n", m[0], m[1], ratio, ratio >= 0.9 ? "met" : "MISSED");
      result = ratio;
    }
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_l2_vs_jedis=%.2f x%n", result);
  }
}
