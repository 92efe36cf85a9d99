package io.mesh4j.discovery.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads named {@code prefix-N}, so a test (or an operator with a thread dump) can tell
 * which threads mesh4j owns and check that none outlives {@code close()}.
 */
public final class NamedThreadFactory implements ThreadFactory {
  /** Every thread this module starts has a name starting with this. */
  public static final String PREFIX = "mesh4j-consul-";

  private final String prefix;
  private final AtomicInteger next = new AtomicInteger();

  /** Threads named {@code PREFIX + kind + "-" + N}. */
  public NamedThreadFactory(String kind) {
    this.prefix = PREFIX + kind + "-";
  }

  /** A thread with an explicit name suffix, for one-off threads such as a service's watch. */
  public Thread newThread(Runnable r, String suffix) {
    Thread t = new Thread(r, prefix + suffix + "-" + next.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, prefix + next.incrementAndGet());
    t.setDaemon(true);
    return t;
  }
}
