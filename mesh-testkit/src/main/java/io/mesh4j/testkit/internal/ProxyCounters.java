package io.mesh4j.testkit.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What a fault proxy counts; written by its loop thread, read by tests from any thread. */
public final class ProxyCounters {
  private final LongAdder up = new LongAdder();
  private final LongAdder down = new LongAdder();
  private final LongAdder accepted = new LongAdder();
  private final AtomicInteger open = new AtomicInteger();

  void add(int dir, long n) {
    (dir == ProxyFaults.UP ? up : down).add(n);
  }

  void opened() {
    accepted.increment();
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  /** Bytes delivered in direction {@code dir} ({@link ProxyFaults#UP} or {@link ProxyFaults#DOWN}). */
  public long bytes(int dir) {
    return (dir == ProxyFaults.UP ? up : down).sum();
  }

  /** Client connections accepted since the proxy started. */
  public long accepted() {
    return accepted.sum();
  }

  /** Client connections open now. */
  public int open() {
    return open.get();
  }
}
