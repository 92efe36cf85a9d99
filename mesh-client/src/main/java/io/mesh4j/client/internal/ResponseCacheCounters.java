package io.mesh4j.client.internal;

import io.mesh4j.client.ResponseCacheStats;
import java.util.concurrent.atomic.LongAdder;

/** The response cache's counters (one adder per outcome); read as a {@link ResponseCacheStats}. */
public final class ResponseCacheCounters {
  /** Calls answered from the cache. */
  public final LongAdder hits = new LongAdder();
  /** Lookups that found nothing. */
  public final LongAdder misses = new LongAdder();
  /** Entries found for another value of a Vary header. */
  public final LongAdder varyMismatches = new LongAdder();
  /** Answers stored. */
  public final LongAdder stores = new LongAdder();
  /** Answers not stored for their status. */
  public final LongAdder refusedStatus = new LongAdder();
  /** Answers not stored for their size. */
  public final LongAdder refusedSize = new LongAdder();
  /** Answers not stored for Set-Cookie or a content encoding. */
  public final LongAdder refusedPrivate = new LongAdder();
  /** Answers not stored for Cache-Control or Vary: *. */
  public final LongAdder refusedCacheControl = new LongAdder();

  /** The counts now. */
  public ResponseCacheStats snapshot() {
    return new ResponseCacheStats(hits.sum(), misses.sum(), varyMismatches.sum(), stores.sum(), refusedStatus.sum(),
        refusedSize.sum(), refusedPrivate.sum(), refusedCacheControl.sum());
  }
}
