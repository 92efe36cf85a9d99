package io.mesh4j.cache.internal;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.Ticker;
import io.mesh4j.cache.CacheCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The validated, immutable settings of one {@code DistributedCache}, handed from the public builder
 * to the implementation. {@code listener} may be null (no listener).
 */
public record CacheSettings<V>(
    JedisClusterConnection connection,
    boolean ownsConnection,
    String namespace,
    CacheCodec<V> codec,
    Duration defaultTtl,
    Duration lockTimeout,
    double earlyRefreshBeta,
    Duration namespaceVersionCheckInterval,
    boolean strict,
    Clock clock,
    Ticker ticker,
    RandomGenerator random,
    MeshEventListener listener) {}
