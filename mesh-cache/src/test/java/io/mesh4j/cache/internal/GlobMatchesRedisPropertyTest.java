package io.mesh4j.cache.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/**
 * Our matcher answers what the real Redis answers: random keys (ASCII, two-, three- and four-byte
 * UTF-8) are written to the testkit's Redis Cluster under a prefix of their own, a random pattern
 * (stars, question marks, classes with ranges and negation, escapes, unclosed brackets) is asked
 * of every master with {@code SCAN 0 MATCH <prefix><pattern>}, and the keys found must be exactly
 * the keys {@link Glob} matches. The prefix is literal, so Redis matching prefix + key against
 * prefix + pattern is the cache's case: L2 is scanned with the prefix, L1 holds keys without it.
 *
 * <p>A jqwik property (its engine runs beside Jupiter's on the JUnit Platform): a fixed seed and a
 * bounded number of tries keep it a few seconds long and repeatable. Jupiter's {@code @Timeout}
 * does not apply to jqwik; every Redis call here has the testkit's socket timeouts.
 */
class GlobMatchesRedisPropertyTest {
  /**
   * Key material: plain letters (a and b often, so patterns match), glob characters as data,
   * é (2 bytes), € (3), 😀 (4).
   */
  private static final String[] KEY_CHARS = {
      "a", "a", "a", "b", "b", "c", "z", "A", "0", "-", "^", "]", "[", "\\", "*", "?", ":", "é", "€",
      "😀"};
  private static final String[] PATTERN_LITERALS = {
      "a", "a", "b", "b", "c", "z", "A", "0", "-", "^", "]", ":", "é", "€", "😀"};

  private static RedisCluster cluster;
  private static RedisClusterClient client;
  private static final AtomicLong TRY = new AtomicLong();

  @BeforeContainer
  static void start() {
    cluster = RedisClusterExtension.shared().cluster();
    Set<HostAndPort> nodes = cluster.seedNodes().stream()
        .map(a -> new HostAndPort(a.getHostString(), a.getPort()))
        .collect(Collectors.toCollection(HashSet::new));
    client = RedisClusterClient.create(nodes);
  }

  @AfterContainer
  static void stop() {
    if (client != null) {
      client.close();
    }
  }

  @Property(tries = 300, seed = "20240611", shrinking = ShrinkingMode.OFF)
  void scanMatchAndGlobAgree(@ForAll("keys") List<String> keys, @ForAll("patterns") String pattern) {
    String prefix = "globprop:" + ProcessHandle.current().pid() + ":" + TRY.incrementAndGet() + ":";
    Set<String> unique = new TreeSet<>(keys);
    for (String k : unique) {
      client.set(prefix + k, "1");
    }
    try {
      Set<String> redis = new TreeSet<>();
      for (InetSocketAddress master : cluster.masterAddresses()) {
        String cursor = "0";
        do {
          List<?> page = (List<?>) cluster.command(master, "SCAN", cursor, "MATCH", prefix + pattern,
              "COUNT", "1000");
          cursor = String.valueOf(page.get(0));
          for (Object k : (List<?>) page.get(1)) {
            redis.add(String.valueOf(k).substring(prefix.length()));
          }
        } while (!cursor.equals("0"));
      }
      Set<String> ours = new TreeSet<>();
      for (String k : unique) {
        if (ours(pattern, k)) {
          ours.add(k);
        }
      }
      Statistics.label("Redis matched").collect(redis.isEmpty() ? "none" : redis.size() == unique.size() ? "all" : "some");
      assertEquals(redis, ours, "pattern '" + pattern + "' over " + unique);
    } finally {
      for (String k : unique) {
        client.del(prefix + k);
      }
    }
  }

  private static boolean ours(String pattern, String key) {
    return Glob.compile(pattern).matches(key);
  }

  @Provide
  Arbitrary<List<String>> keys() {
    Arbitrary<String> key = Arbitraries.of(KEY_CHARS).list().ofMinSize(1).ofMaxSize(6)
        .map(parts -> String.join("", parts));
    return key.list().ofMinSize(1).ofMaxSize(12);
  }

  @Provide
  Arbitrary<String> patterns() {
    Arbitrary<String> literal = Arbitraries.of(PATTERN_LITERALS);
    Arbitrary<String> member = Arbitraries.oneOf(
        literal,
        Arbitraries.of(PATTERN_LITERALS).tuple2().map(t -> t.get1() + "-" + t.get2()),
        Arbitraries.of(KEY_CHARS).map(c -> "\\" + c));
    Arbitrary<String> klass = Arbitraries.integers().between(0, 3).flatMap(n ->
        member.list().ofSize(n).map(ms -> String.join("", ms)))
        .flatMap(body -> Arbitraries.of("[", "[^").flatMap(open ->
            Arbitraries.of("]", "]", "]", "").map(close -> open + body + close)));
    Arbitrary<String> token = Arbitraries.frequencyOf(
        Tuple.of(4, literal),
        Tuple.of(4, Arbitraries.just("*")),
        Tuple.of(2, Arbitraries.just("?")),
        Tuple.of(3, klass),
        Tuple.of(1, Arbitraries.of(KEY_CHARS).map(c -> "\\" + c)),
        Tuple.of(1, Arbitraries.of("[", "\\", "]", "^", "-")));
    return token.list().ofMinSize(1).ofMaxSize(5).map(ts -> String.join("", ts));
  }
}
