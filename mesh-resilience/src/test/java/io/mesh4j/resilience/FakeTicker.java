package io.mesh4j.resilience;

import io.mesh4j.api.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker moved by hand. */
public final class FakeTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves time forward. */
  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
