package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.ClientBenchSupport.Latencies;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.testkit.ConsulAgent;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One large service (issue 15): {@value #INSTANCES} instances of {@code big} in a private Consul
 * server's catalog (on 50 nodes, each with a passing check), watched by a ConsulDiscovery. The agent
 * runs as one server as deployed ({@link ConsulAgent#startPrivateServer()}), not in dev mode: a dev
 * agent pretty-prints every JSON answer, which doubles the health answer (3.1 MB instead of 1.4 MB)
 * and the agent's time to write it, and no production agent runs in dev mode. Every
 * {@value #PERIOD_MS} ms one instance's check flips (critical, then passing again), {@value #FLIPS}
 * times; each flip's propagation is the time from just before the catalog write until a listener
 * of the discovery sees the list with one instance fewer or more. Printed: p50, p99 and max, the
 * client CPU per update (process CPU over the flips / updates seen, and the CPU of the
 * discovery's own threads), and the bytes of one health answer (what each change re-reads).
 * Then, as a control, the same flips seen by a bare blocking query loop (JDK HttpClient, the body
 * read as bytes and its entries counted, no discovery running): the floor that Consul and the
 * machine give. RESULTs: for context (no target, constants of docs/scaling.md's arithmetic)
 * {@code large_service_answer_bytes_per_instance}, {@code large_service_cpu_per_update_us},
 * {@code large_service_watch_cpu_per_update_us} and {@code large_service_raw_p99_ms}; last, {@code large_service_propagation_p99_ms}
 * (target at most 50). {@value #FLIPS} flips, so that p99 is the fourth largest sample: with 200
 * it was the second largest, and one hiccup of the agent moved it.
 *
 * <p>{@code scripts/bench.sh large-service}
 */
public final class LargeServiceBench {
  private static final String SERVICE = "big";
  private static final int INSTANCES = 2_000;
  private static final int FLIPS = 400;
  private static final long PERIOD_MS = 200;
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** The discovery's threads (watch, listener, HTTP): io.mesh4j.discovery.internal.NamedThreadFactory.PREFIX. */
  private static final String WATCH_THREADS = "mesh4j-consul-";

  private LargeServiceBench() {}

  /** Runs the benchmark; the last line is {@code RESULT large_service_propagation_p99_ms=<ms> ms}. */
  public static void main(String[] args) throws Exception {
    Latencies latencies = new Latencies();
    Latencies raw = new Latencies();
    long updates;
    long rawAnswers;
    double rawCpuMicrosPerAnswer;
    int rawMissed;
    double rawThreadMicrosPerAnswer;
    double cpuMicrosPerUpdate;
    double watchCpuMicrosPerUpdate;
    int answerBytes;
    int missed = 0;
    try (ConsulAgent agent = ConsulAgent.startPrivateServer()) {
      for (int i = 0; i < INSTANCES; i++) {
        register(agent, i, "passing");
      }
      HttpClient http = HttpClient.newHttpClient();
      answerBytes = http.send(HttpRequest.newBuilder(URI.create(agent.baseUrl() + "/v1/health/service/" + SERVICE
          + "?passing")).build(), HttpResponse.BodyHandlers.ofByteArray()).body().length;
      AtomicInteger count = new AtomicInteger();
      AtomicLong seenAt = new AtomicLong();
      AtomicLong changes = new AtomicLong();
      try (ConsulDiscovery discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build()) {
        discovery.subscribe(SERVICE, change -> {
          long now = System.nanoTime();
          count.set(change.instances().size());
          seenAt.set(now);
          changes.incrementAndGet();
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count.get() != INSTANCES) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("the watch never listed " + INSTANCES + " instances: " + count.get());
          }
          Thread.sleep(20);
        }
        System.out.printf("large-service: %d instances of '%s' (health answer %d bytes), one check flipped every %d ms, "
            + "%d flips; the Consul agent runs as one server (not -dev)%n", INSTANCES, SERVICE, answerBytes, PERIOD_MS,
            FLIPS);
        long changesBefore = changes.get();
        long cpuBefore = processCpuNanos();
        long watchCpuBefore = threadCpuNanos(WATCH_THREADS);
        missed = flips(agent, count, seenAt, latencies);
        updates = changes.get() - changesBefore;
        cpuMicrosPerUpdate = (processCpuNanos() - cpuBefore) / 1e3 / Math.max(1, updates);
        watchCpuMicrosPerUpdate = (threadCpuNanos(WATCH_THREADS) - watchCpuBefore) / 1e3 / Math.max(1, updates);
      }
      // The control: the same flips seen by a bare blocking-query loop (no discovery running).
      try (RawWatcher w = new RawWatcher(agent.baseUrl() + "/v1/health/service/" + SERVICE + "?passing")) {
        w.awaitCount(INSTANCES);
        long answersBefore = w.answers.get();
        long cpuBefore = processCpuNanos();
        long rawThreadBefore = threadCpuNanos(RawWatcher.THREAD);
        rawMissed = flips(agent, w.count, w.seenAt, raw);
        rawAnswers = w.answers.get() - answersBefore;
        rawCpuMicrosPerAnswer = (processCpuNanos() - cpuBefore) / 1e3 / Math.max(1, rawAnswers);
        rawThreadMicrosPerAnswer = (threadCpuNanos(RawWatcher.THREAD) - rawThreadBefore) / 1e3 / Math.max(1, rawAnswers);
      }
    }
    long[] rawSorted = raw.sorted();
    System.out.printf("  raw blocking query (JDK HttpClient, body as bytes, entries counted; same agent, after the "
        + "discovery closed) over %d flips: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d not seen within 5 s; "
        + "process CPU per answer %.0f us (its thread's %.0f us) over %d answers%n", rawSorted.length,
        Latencies.quantile(rawSorted, 0.5) / 1e6, Latencies.quantile(rawSorted, 0.99) / 1e6,
        rawSorted[rawSorted.length - 1] / 1e6, rawMissed, rawCpuMicrosPerAnswer, rawThreadMicrosPerAnswer, rawAnswers);
    long[] sorted = latencies.sorted();
    double p99 = Latencies.quantile(sorted, 0.99) / 1e6;
    System.out.printf("  propagation over %d flips: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d not seen within 5 s%n",
        sorted.length, Latencies.quantile(sorted, 0.5) / 1e6, p99, sorted[sorted.length - 1] / 1e6, missed);
    System.out.printf("  client CPU per update %.0f us (process CPU during the flips / %d updates; the discovery's own "
        + "threads: %.0f us); each change re-reads the service's health answer, %d bytes%n", cpuMicrosPerUpdate, updates,
        watchCpuMicrosPerUpdate, answerBytes);
    if (missed > FLIPS / 10) {
      throw new IllegalStateException(missed + " of " + FLIPS + " flips never reached the client");
    }
    // Context for docs/scaling.md's arithmetic (no target).
    System.out.printf("RESULT large_service_answer_bytes_per_instance=%.0f bytes (health answer %d bytes / %d instances)%n",
        (double) answerBytes / INSTANCES, answerBytes, INSTANCES);
    System.out.printf("RESULT large_service_cpu_per_update_us=%.0f us (client process CPU per update)%n",
        cpuMicrosPerUpdate);
    System.out.printf("RESULT large_service_watch_cpu_per_update_us=%.0f us (CPU of the discovery's threads per update;"
        + " the raw watcher's thread: %.0f us per answer)%n", watchCpuMicrosPerUpdate, rawThreadMicrosPerAnswer);
    System.out.printf("RESULT large_service_raw_p99_ms=%.1f ms (raw blocking query, same run; context: the floor that "
        + "Consul and this machine give)%n", Latencies.quantile(rawSorted, 0.99) / 1e6);
    System.out.printf("RESULT large_service_propagation_p99_ms=%.1f ms (%d instances, one flip every %d ms; target <= 50)%n",
        p99, INSTANCES, PERIOD_MS);
  }

  /**
   * Flips one check every {@value #PERIOD_MS} ms, {@value #FLIPS} times, and records for each flip
   * the time until {@code count} shows the new number of instances with a {@code seenAt} after the
   * write (or {@link #WAIT_NANOS} when it did not within that time).
   *
   * @return the flips not seen within {@link #WAIT_NANOS}
   */
  private static int flips(ConsulAgent agent, AtomicInteger count, AtomicLong seenAt, Latencies latencies) {
    int missed = 0;
    long next = System.nanoTime();
    for (int f = 0; f < FLIPS; f++) {
      int victim = (f / 2) * 7 % INSTANCES;
      boolean down = f % 2 == 0;
      int expected = down ? INSTANCES - 1 : INSTANCES;
      long t0 = System.nanoTime();
      register(agent, victim, down ? "critical" : "passing");
      long until = t0 + WAIT_NANOS;
      while (!(count.get() == expected && seenAt.get() - t0 > 0)) {
        if (System.nanoTime() - until > 0) {
          break;
        }
        LockSupport.parkNanos(100_000);
      }
      if (count.get() == expected && seenAt.get() - t0 > 0) {
        latencies.add(seenAt.get() - t0);
      } else {
        missed++;
        latencies.add(WAIT_NANOS);
      }
      next += TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    return missed;
  }

  /**
   * The control row's watcher: a blocking query loop on the JDK's HttpClient that reads each
   * answer as bytes and counts its entries (an entry's {@code "Node"} is an object, a check's a
   * string; Consul 1.8 indents its answers), setting {@code count} and {@code seenAt} when the count changes.
   * What is left of a watch's cost when nothing is parsed: Consul's answer time and the transfer.
   */
  private static final class RawWatcher implements AutoCloseable {
    private static final byte[] ENTRY = "\"Node\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final String THREAD = "large-service-raw-watcher";
    final AtomicInteger count = new AtomicInteger(-1);
    final AtomicLong seenAt = new AtomicLong();
    final AtomicLong answers = new AtomicLong();
    private final String url;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile String failure;

    RawWatcher(String url) {
      this.url = url;
      this.thread = new Thread(this::loop, THREAD);
      thread.setDaemon(true);
      thread.start();
    }

    private void loop() {
      String index = "0";
      while (!stopped) {
        try {
          HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + "&index=" + index + "&wait=30s"))
              .timeout(java.time.Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofByteArray());
          long now = System.nanoTime();
          if (r.statusCode() != 200) {
            failure = "HTTP " + r.statusCode();
            Thread.sleep(50);
            continue;
          }
          answers.incrementAndGet();
          int n = entries(r.body());
          if (n != count.get()) {
            seenAt.set(now);
            count.set(n);
          }
          String got = r.headers().firstValue("X-Consul-Index").orElse("0");
          index = Long.parseLong(got) < Long.parseLong(index) ? "0" : got;
        } catch (InterruptedException e) {
          return;
        } catch (java.io.IOException | RuntimeException e) {
          failure = e.toString();
          index = "0";
        }
      }
    }

    private static int entries(byte[] body) {
      int n = 0;
      outer:
      for (int i = 0; i <= body.length - ENTRY.length; i++) {
        for (int j = 0; j < ENTRY.length; j++) {
          if (body[i + j] != ENTRY[j]) {
            continue outer;
          }
        }
        int k = i + ENTRY.length;
        while (k < body.length && (body[k] == ' ' || body[k] == '\n' || body[k] == '\r' || body[k] == '\t')) {
          k++;
        }
        if (k < body.length && body[k] == '{') {
          n++;
        }
        i = k - 1;
      }
      return n;
    }

    void awaitCount(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (count.get() != n) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the raw watcher never counted " + n + " entries: " + count.get()
              + (failure == null ? "" : " (last failure: " + failure + ")"));
        }
        Thread.sleep(20);
      }
    }

    @Override
    public void close() {
      stopped = true;
      thread.interrupt();
    }
  }

  /**
   * Registers instance {@code i} with its check in {@code status}; once more if the JDK client's
   * pooled connection was closed by the agent meanwhile (an idle keep-alive: not what is measured).
   */
  private static void register(ConsulAgent agent, int i, String status) {
    try {
      agent.catalogRegister("big-node-" + (i % 50), SERVICE, 20_000 + i, status);
    } catch (java.io.UncheckedIOException e) {
      agent.catalogRegister("big-node-" + (i % 50), SERVICE, 20_000 + i, status);
    }
  }

  /** CPU time of the live threads whose name starts with {@code prefix}. */
  private static long threadCpuNanos(String prefix) {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith(prefix)) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return 0;
  }
}
