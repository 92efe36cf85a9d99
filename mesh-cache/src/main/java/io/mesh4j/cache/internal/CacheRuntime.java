package io.mesh4j.cache.internal;

import io.mesh4j.api.Ticker;
import java.time.Clock;

/**
 * What the parts of one cache share: its namespace, its Redis connection, its time sources and
 * where its Redis failures go. A {@link TwoLevelCacheImpl} uses its L2's, so both report to the same
 * counters and listener.
 */
record CacheRuntime(String namespace, JedisClusterConnection connection, Clock clock, Ticker ticker,
    RedisFailures failures) {}
