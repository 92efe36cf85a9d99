package io.mesh4j.cache;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.testkit.RedisCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/** Shared helpers: unique namespaces, raw Jedis access, bounded polling, fake time. */
final class TestSupport {
  private TestSupport() {}

  /** A namespace no other test uses. */
  static String ns(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A raw Jedis cluster client, for writing what the cache would not and checking what it wrote. */
  static RedisClusterClient raw(RedisCluster cluster) {
    Set<HostAndPort> nodes = cluster.seedNodes().stream()
        .map(a -> new HostAndPort(a.getHostString(), a.getPort()))
        .collect(Collectors.toCollection(HashSet::new));
    return RedisClusterClient.create(nodes);
  }

  static RedisClusterConnection connection(RedisCluster cluster) {
    return RedisClusterConnection.builder().seedNodes(cluster.seedNodes()).build();
  }

  static DistributedCacheBuilder<String> strings(RedisCluster cluster, String ns) {
    return DistributedCache.builder(String.class).seedNodes(cluster.seedNodes()).namespace(ns);
  }

  /** Polls every 10 ms until {@code condition} holds, failing after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  /** The number of keys of {@code master} whose name starts with {@code prefix}. */
  static long keysOn(RedisCluster cluster, InetSocketAddress master, String prefix) {
    long n = 0;
    String cursor = "0";
    do {
      List<?> page = (List<?>) cluster.command(master, "SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
      cursor = String.valueOf(page.get(0));
      n += ((List<?>) page.get(1)).size();
    } while (!cursor.equals("0"));
    return n;
  }

  /** A listener that keeps every CacheEvent in {@code sink} (thread safe). */
  static MeshEventListener recording(List<CacheEvent> sink) {
    return new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        if (event instanceof CacheEvent) {
          synchronized (sink) {
            sink.add((CacheEvent) event);
          }
        }
      }
    };
  }

  /** How many events of {@code kind} {@code sink} holds. */
  static long count(List<CacheEvent> sink, CacheEvent.Kind kind) {
    synchronized (sink) {
      return sink.stream().filter(e -> e.kind() == kind).count();
    }
  }

  /**
   * What slf4j-simple (which writes to the current {@code System.err}) logged while {@code body}
   * ran; the lines still reach the real stderr.
   */
  static String logsDuring(Runnable body) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        captured.write(b);
        original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        captured.write(b, off, len);
        original.write(b, off, len);
      }
    }, true, UTF_8);
    System.setErr(tee);
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(UTF_8);
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  /** A wall clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private final AtomicLong millis;

    MutableClock(long startMillis) {
      this.millis = new AtomicLong(startMillis);
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("not needed by the tests");
    }
  }
}
