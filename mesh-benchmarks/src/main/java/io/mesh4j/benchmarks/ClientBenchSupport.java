package io.mesh4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * What the mesh-client benchmarks (client-overhead, failover, slow-instance) share: the OkHttp
 * settings both sides of a comparison use, a latency recorder, a closed-loop round runner and a
 * loopback instance that can be killed and restarted on the same port.
 */
final class ClientBenchSupport {
  private ClientBenchSupport() {}

  /**
   * An OkHttp client with the settings ServiceMeshClient gives the client it creates itself
   * (maxRequests 256, maxRequestsPerHost 64, a pool of 64 idle connections, no OkHttp-level
   * retry or redirects), so a raw-OkHttp side and a mesh side differ only by the mesh.
   */
  static OkHttpClient okHttp() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(64);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(64, 5, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ZERO)
        .writeTimeout(Duration.ZERO)
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .build();
  }

  static void shutdown(OkHttpClient http) {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** Latencies in nanoseconds, appended by one thread, read after it stopped. */
  static final class Latencies {
    private long[] values = new long[1 << 14];
    private int size;

    void add(long nanos) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = nanos;
    }

    int size() {
      return size;
    }

    void addAll(Latencies other) {
      for (int i = 0; i < other.size; i++) {
        add(other.values[i]);
      }
    }

    /** Sorted copy, for percentiles. */
    long[] sorted() {
      long[] s = Arrays.copyOf(values, size);
      Arrays.sort(s);
      return s;
    }

    /** The {@code q} quantile (0 to 1) of {@code sorted}, nearest rank; NaN when empty. */
    static double quantile(long[] sorted, double q) {
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(q * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
  }

  /** One unit of work; may throw, which fails the round. */
  @FunctionalInterface
  interface Op {
    void run() throws Exception;
  }

  /**
   * What a closed-loop round measured: operations per second, every operation's latency, and the
   * CPU time the calling threads used (what the client itself costs, whatever else runs on the box).
   */
  record Round(double opsPerSecond, long[] sortedNanos, long callerCpuNanos) {
    /** CPU time of the calling threads per operation, in microseconds. */
    double cpuMicrosPerOp() {
      return sortedNanos.length == 0 ? Double.NaN : callerCpuNanos / 1e3 / sortedNanos.length;
    }

    double p50Micros() {
      return Latencies.quantile(sortedNanos, 0.50) / 1e3;
    }

    double p99Micros() {
      return Latencies.quantile(sortedNanos, 0.99) / 1e3;
    }

    double p99Millis() {
      return Latencies.quantile(sortedNanos, 0.99) / 1e6;
    }

    double p999Millis() {
      return Latencies.quantile(sortedNanos, 0.999) / 1e6;
    }

    double maxMillis() {
      return Latencies.quantile(sortedNanos, 1.0) / 1e6;
    }
  }

  /** Runs {@code op} in a closed loop on {@code threads} threads for {@code duration}. */
  static Round closedLoop(Op op, int threads, Duration duration) throws InterruptedException {
    Latencies[] recorded = new Latencies[threads];
    long[] cpu = new long[threads];
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    long[] window = new long[2];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      recorded[t] = new Latencies();
      Thread w = new Thread(() -> {
        Latencies mine = recorded[id];
        try {
          ready.countDown();
          start.await();
          long end = window[1];
          long cpuStart = mx.getCurrentThreadCpuTime();
          long now = System.nanoTime();
          while (now - end < 0) {
            op.run();
            long after = System.nanoTime();
            mine.add(after - now);
            now = after;
          }
          cpu[id] = mx.getCurrentThreadCpuTime() - cpuStart;
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "client-bench-" + t);
      workers.add(w);
      w.start();
    }
    ready.await();
    window[0] = System.nanoTime();
    window[1] = window[0] + duration.toNanos();
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("benchmark operation failed", failure.get());
    }
    Latencies all = new Latencies();
    for (Latencies l : recorded) {
      all.addAll(l);
    }
    double seconds = (System.nanoTime() - window[0]) / 1e9;
    long cpuTotal = 0;
    for (long c : cpu) {
      cpuTotal += c;
    }
    return new Round(all.size() / seconds, all.sorted(), cpuTotal);
  }

  /**
   * A loopback HTTP instance answering 200 with a small body after an optional delay (fixed, or
   * only for about one request in {@code slowOneIn}). It can be
   * stopped (listening socket and every connection closed, so new connections are refused) and
   * started again on the same port. Counts requests in total, and per second and per tenth of a second
   * since {@link #epoch}.
   */
  static final class Instance implements AutoCloseable {
    static {
      // Without TCP_NODELAY the JDK server's small writes meet the client's delayed ACK: ~40 ms a call.
      // Set here, in the class that creates the servers, so it is set before the JDK reads it.
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final int SECONDS = 128;
    private static final byte[] BODY = "{\"ok\":true}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final long delayMillis;
    private final int slowOneIn;
    private final int threads;
    private final LongAdder requests = new LongAdder();
    private final LongAdder delayed = new LongAdder();
    private final AtomicLongArray perSecond = new AtomicLongArray(SECONDS);
    private final AtomicLongArray perTenth = new AtomicLongArray(SECONDS * 10);
    private volatile long epochNanos = Long.MAX_VALUE;
    private int port;
    private HttpServer server;
    private ExecutorService executor;

    /** Starts an instance on a free loopback port. */
    Instance(long delayMillis, int threads) throws IOException {
      this(delayMillis, 1, threads);
    }

    /**
     * Starts an instance on a free loopback port that delays a request by {@code delayMillis} with
     * probability 1/{@code slowOneIn} (1: every request) and answers the others at once.
     */
    Instance(long delayMillis, int slowOneIn, int threads) throws IOException {
      if (slowOneIn < 1) {
        throw new IllegalArgumentException("slowOneIn must be >= 1, was " + slowOneIn);
      }
      this.delayMillis = delayMillis;
      this.slowOneIn = slowOneIn;
      this.threads = threads;
      start();
    }

    /** Requests that were delayed. */
    long delayed() {
      return delayed.sum();
    }

    int port() {
      return port;
    }

    long requests() {
      return requests.sum();
    }

    /** Starts per-second counting from {@code nanos} (a System.nanoTime value); clears the counts. */
    void epoch(long nanos) {
      for (int i = 0; i < SECONDS; i++) {
        perSecond.set(i, 0);
      }
      for (int i = 0; i < SECONDS * 10; i++) {
        perTenth.set(i, 0);
      }
      epochNanos = nanos;
    }

    /** Requests received in second {@code s} after the epoch. */
    long inSecond(int s) {
      return perSecond.get(s);
    }

    /** Requests received in the tenth of a second {@code t} after the epoch (0 to 1279). */
    long inTenth(int t) {
      return perTenth.get(t);
    }

    synchronized boolean isRunning() {
      return server != null;
    }

    /** Starts (again) on the port it had; waits up to 5 s for the port to be free. */
    synchronized void start() throws IOException {
      if (server != null) {
        return;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      HttpServer s;
      while (true) {
        try {
          s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
          break;
        } catch (BindException e) {
          if (System.nanoTime() - deadline > 0) {
            throw e;
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while rebinding port " + port, ie);
          }
        }
      }
      executor = Executors.newFixedThreadPool(threads);
      s.setExecutor(executor);
      s.createContext("/", exchange -> {
        count();
        exchange.getRequestBody().readAllBytes();
        if (delayMillis > 0 && (slowOneIn == 1 || ThreadLocalRandom.current().nextInt(slowOneIn) == 0)) {
          delayed.increment();
          try {
            Thread.sleep(delayMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, BODY.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(BODY);
        }
      });
      s.start();
      server = s;
      port = s.getAddress().getPort();
    }

    private void count() {
      requests.increment();
      long since = System.nanoTime() - epochNanos;
      if (since >= 0) {
        int s = (int) (since / 1_000_000_000L);
        if (s < SECONDS) {
          perSecond.incrementAndGet(s);
          perTenth.incrementAndGet((int) (since / 100_000_000L));
        }
      }
    }

    /** Closes the listening socket and every connection: new connections are refused. */
    synchronized void stop() {
      if (server == null) {
        return;
      }
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }

    @Override
    public void close() {
      stop();
    }
  }
}
