package io.mesh4j.benchmarks.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** Runs an operation on N threads for a fixed time and reports operations per second. */
public final class Throughput {
  /** One unit of work; may throw, which fails the measurement. */
  @FunctionalInterface
  public interface Op {
    /** Does the work once. */
    void run() throws Exception;
  }

  private Throughput() {}

  /** Operations per second of {@code op} over {@code duration} on {@code threads} threads. */
  public static double opsPerSecond(Op op, int threads, Duration duration) throws InterruptedException {
    long[] counts = new long[threads];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    long[] window = new long[2];
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w = new Thread(() -> {
        try {
          start.await();
          long end = window[1];
          long n = 0;
          while (System.nanoTime() < end) {
            op.run();
            n++;
          }
          counts[id] = n;
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "bench-worker-" + t);
      workers.add(w);
      w.start();
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + duration.toNanos();
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("benchmark operation failed", failure.get());
    }
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total / (duration.toNanos() / 1e9);
  }

  /** The median of {@code values} (the mean of the two middle ones for an even count). */
  public static double median(List<Double> values) {
    double[] v = new double[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
    }
    return median(v);
  }

  /** The median of {@code values} (the mean of the two middle ones for an even count); not modified. */
  public static double median(double[] values) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The {@code q}-quantile of {@code values} (0 to 1, linear between ranks); not modified. */
  public static double quantile(double[] values, double q) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    double rank = q * (v.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = Math.min(lo + 1, v.length - 1);
    return v[lo] + (rank - lo) * (v[hi] - v[lo]);
  }
}
