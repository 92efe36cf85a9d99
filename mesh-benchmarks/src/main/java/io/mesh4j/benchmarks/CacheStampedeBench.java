package io.mesh4j.benchmarks;

import io.mesh4j.cache.CacheStats;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.testkit.RedisCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stampede across processes: two child JVMs, each with its own {@link DistributedCache} and
 * 32 threads, miss one fresh key at the same moment; its loader takes 200 ms. A warm-up round and
 * 20 measured rounds, a fresh key each.
 *
 * <p>Per round the children report their loader calls, each caller's start time and how long it
 * took (System.nanoTime, which on Linux is CLOCK_MONOTONIC and so comparable between processes on
 * one machine). A caller "really missed" when it started before the first loader call returned its
 * value: it could not have found the value in Redis. The count is printed per round; a round in
 * which fewer than half of one JVM's callers really missed did not test a stampede across JVMs, and
 * fails the run.
 *
 * <p>RESULTs: {@code cache_stampede_slowest_ratio} (slowest caller of the measured rounds divided
 * by that round's loader time; target &le; 1.5) and, last, {@code cache_stampede_max_loads} (loader
 * calls across both JVMs in the worst round, warm-up included; target 1). A naive cache-aside runs
 * the loader 64 times a round.
 *
 * <p>{@code scripts/bench.sh cache-stampede}
 */
public final class CacheStampedeBench {
  private static final int JVMS = 2;
  private static final int THREADS = 32;
  private static final int ROUNDS = 20;
  private static final long LOADER_MILLIS = 200;
  private static final String CHILD = "--child";

  private CacheStampedeBench() {}

  /** The parent (no arguments) or a child ({@code --child seed,seed,...}). */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals(CHILD)) {
      child(args[1]);
      return;
    }
    int maxLoads = 0;
    double worstRatio = 0;
    int roundsNotAcrossJvms = 0;
    int fewestMissed = JVMS * THREADS;
    long wrong = 0;
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      List<Child> children = new ArrayList<>();
      try {
        for (int j = 0; j < JVMS; j++) {
          children.add(new Child(CacheBenchSupport.seeds(cluster.seedNodes()), j));
        }
        for (Child c : children) {
          c.expect("ready");
        }
        System.out.printf("cache-stampede: %d JVMs x %d threads miss one fresh key per round, loader %d ms; "
            + "1 warm-up round + %d measured%n", JVMS, THREADS, LOADER_MILLIS, ROUNDS);
        for (int round = 0; round <= ROUNDS; round++) {
          String key = "hot-" + round;
          // A shared start a little ahead: both JVMs release their 32 threads at that instant.
          long startAtMillis = System.currentTimeMillis() + 300;
          for (Child c : children) {
            c.send("round " + key + " " + startAtMillis);
          }
          List<RoundReport> reports = new ArrayList<>();
          for (Child c : children) {
            reports.add(RoundReport.parse(c.expect("done")));
          }
          int loads = 0;
          long firstLoadEnd = Long.MAX_VALUE;
          long loaderNanos = 0;
          long slowest = 0;
          int missed = 0;
          boolean acrossJvms = true;
          for (RoundReport r : reports) {
            loads += r.loads;
            wrong += r.wrong;
            if (r.loads > 0) {
              firstLoadEnd = Math.min(firstLoadEnd, r.firstLoadEnd);
              loaderNanos = Math.max(loaderNanos, r.loaderNanos);
            }
            slowest = Math.max(slowest, r.slowestNanos);
          }
          for (RoundReport r : reports) {
            int mine = 0;
            for (long start : r.starts) {
              if (start < firstLoadEnd) {
                mine++;
              }
            }
            missed += mine;
            acrossJvms &= mine >= THREADS / 2;
          }
          double ratio = loaderNanos == 0 ? Double.NaN : (double) slowest / loaderNanos;
          maxLoads = Math.max(maxLoads, loads);
          fewestMissed = Math.min(fewestMissed, missed);
          if (!acrossJvms) {
            roundsNotAcrossJvms++;
          }
          if (round > 0) {
            worstRatio = Math.max(worstRatio, ratio);
          }
          System.out.printf("%s: %d load(s) (%s), %d of %d callers really missed, loader %.0f ms, slowest caller "
              + "%.0f ms (%.2f x the loader)%n", round == 0 ? "warm-up " : String.format("round %2d", round), loads,
              loadsPerJvm(reports), missed, JVMS * THREADS, loaderNanos / 1e6, slowest / 1e6, ratio);
        }
        for (Child c : children) {
          c.send("stats");
          System.out.println("  " + c.name + " " + c.expect("stats").substring("stats ".length()));
        }
        for (Child c : children) {
          c.send("exit");
          c.awaitExit();
        }
      } finally {
        children.forEach(Child::destroy);
      }
    }
    System.out.printf("worst round: %d load(s) across %d JVMs (target 1: %s); slowest caller %.2f x the loader "
        + "(target <= 1.5: %s); fewest callers that really missed in a round: %d of %d; rounds where a JVM had fewer "
        + "than half its callers miss: %d; wrong values: %d%n", maxLoads, JVMS, maxLoads == 1 ? "met" : "MISSED",
        worstRatio, worstRatio <= 1.5 ? "met" : "MISSED", fewestMissed, JVMS * THREADS, roundsNotAcrossJvms, wrong);
    System.out.printf("ERRORS cache_stampede_wrong_values=%d allowed=0%n", wrong);
    System.out.printf("ERRORS cache_stampede_rounds_not_across_jvms=%d allowed=0%n", roundsNotAcrossJvms);
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_stampede_slowest_ratio=%.2f x (slowest caller / loader time, "
        + "%d JVMs x %d threads)%n", worstRatio, JVMS, THREADS);
    System.out.printf("RESULT cache_stampede_max_loads=%d loads (%d JVMs x %d threads, worst of %d rounds, "
        + ">= %d callers really missed each)%n", maxLoads, JVMS, THREADS, ROUNDS + 1, fewestMissed);
  }

  private static String loadsPerJvm(List<RoundReport> reports) {
    List<String> parts = new ArrayList<>();
    for (RoundReport r : reports) {
      parts.add(Integer.toString(r.loads));
    }
    return "per JVM " + String.join("+", parts);
  }

  /** What a child reports after a round: {@code done loads wrong firstLoadEnd loaderNanos slowest start...}. */
  private record RoundReport(int loads, long wrong, long firstLoadEnd, long loaderNanos, long slowestNanos,
      long[] starts) {
    static RoundReport parse(String line) {
      String[] f = line.split(" ");
      long[] starts = new long[f.length - 6];
      for (int i = 0; i < starts.length; i++) {
        starts[i] = Long.parseLong(f[6 + i]);
      }
      return new RoundReport(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
          Long.parseLong(f[4]), Long.parseLong(f[5]), starts);
    }
  }

  /** A child JVM running {@link #child}; talks line by line over its stdin and stdout. */
  private static final class Child {
    private final String name;
    private final Process process;
    private final PrintWriter in;
    private final BufferedReader out;

    Child(String seeds, int index) throws IOException {
      this.name = "jvm-" + (index + 1);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      process = new ProcessBuilder(java, "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
          System.getProperty("java.class.path"), CacheStampedeBench.class.getName(), CHILD, seeds)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    void send(String line) {
      in.println(line);
    }

    /** The next line, which must start with {@code word}; fails if the child died or said otherwise. */
    String expect(String word) throws IOException {
      String line = out.readLine();
      if (line == null) {
        throw new IllegalStateException(name + " ended before answering '" + word + "'");
      }
      if (!line.equals(word) && !line.startsWith(word + " ")) {
        throw new IllegalStateException(name + " answered '" + line + "' where '" + word + "' was expected");
      }
      return line;
    }

    void awaitExit() throws InterruptedException {
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(name + " did not exit cleanly");
      }
    }

    void destroy() {
      process.destroyForcibly();
    }
  }

  /** The child: one cache, 32 threads; answers "round KEY START_AT_MILLIS" with a "done ..." line. */
  private static void child(String seeds) throws Exception {
    PrintStream reply = System.out;
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(seeds.split(","))
        .namespace("bench-stampede").build()) {
      cache.get("warm-up-connection");
      reply.println("ready");
      reply.flush();
      String line;
      while ((line = commands.readLine()) != null) {
        String[] f = line.split(" ");
        if (f[0].equals("exit")) {
          break;
        } else if (f[0].equals("stats")) {
          CacheStats s = cache.stats();
          reply.printf("stats L2 misses %d (a waiting caller reads again), hits %d, loads %d, lock waits %d%n",
              s.misses(), s.hits(), s.loads(), s.lockWaits());
        } else if (f[0].equals("round")) {
          reply.println(round(cache, pool, f[1], Long.parseLong(f[2])));
        } else {
          throw new IllegalStateException("unknown command " + line);
        }
        reply.flush();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String round(DistributedCache<String> cache, ExecutorService pool, String key, long startAtMillis)
      throws Exception {
    String expected = "value-of-" + key;
    AtomicInteger loads = new AtomicInteger();
    AtomicLong firstLoadEnd = new AtomicLong(Long.MAX_VALUE);
    AtomicLong loaderNanos = new AtomicLong();
    AtomicInteger wrong = new AtomicInteger();
    long[] starts = new long[THREADS];
    CyclicBarrier go = new CyclicBarrier(THREADS, () -> {
      long wait = startAtMillis - System.currentTimeMillis();
      if (wait > 0) {
        sleep(wait);
      }
    });
    List<Future<Long>> calls = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      calls.add(pool.submit(() -> {
        go.await();
        long start = System.nanoTime();
        starts[id] = start;
        String v;
        try {
          v = cache.getOrLoad(key, Duration.ofMinutes(5), () -> {
            long loadStart = System.nanoTime();
            loads.incrementAndGet();
            sleep(LOADER_MILLIS);
            long end = System.nanoTime();
            loaderNanos.accumulateAndGet(end - loadStart, Math::max);
            firstLoadEnd.accumulateAndGet(end, Math::min);
            return expected;
          });
        } catch (RuntimeException e) {
          v = null;
        }
        if (!expected.equals(v)) {
          wrong.incrementAndGet();
        }
        return System.nanoTime() - start;
      }));
    }
    long slowest = 0;
    for (Future<Long> f : calls) {
      slowest = Math.max(slowest, f.get(60, TimeUnit.SECONDS));
    }
    StringBuilder sb = new StringBuilder("done ").append(loads.get()).append(' ').append(wrong.get()).append(' ')
        .append(firstLoadEnd.get()).append(' ').append(loaderNanos.get()).append(' ').append(slowest);
    for (long s : starts) {
      sb.append(' ').append(s);
    }
    return sb.toString();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
