/**
 * Caches on Redis Cluster.
 *
 * <ul>
 *   <li>{@link io.mesh4j.cache.DistributedCache}: typed values on a Redis Cluster under a namespace,
 *       with {@code getOrLoad} stampede prevention (single flight, a cross-JVM lock, XFetch early
 *       refresh), slot-grouped multi-get/set, counters, sets, queues and pattern or namespace-wide
 *       invalidation.</li>
 *   <li>{@link io.mesh4j.cache.TwoLevelCache}: a Caffeine L1 in front of a {@code DistributedCache},
 *       kept coherent across JVMs by sharded pub/sub invalidations with sequence numbers; while the
 *       invalidation channel is down or has lost a message, L1 is cleared and bypassed.</li>
 *   <li>{@link io.mesh4j.cache.RedisClusterConnection}: a cluster connection that several caches can
 *       share; {@link io.mesh4j.cache.spi.JedisClusterAdapter} wraps a Jedis client you already have.</li>
 * </ul>
 *
 * <p>No Jedis type appears in this package. Redis failures never reach the caller unless the cache
 * is built in strict mode: a read becomes a miss, a write is dropped, a load calls the loader
 * directly. Values go through a typed {@link io.mesh4j.cache.CacheCodec} (Jackson JSON by default);
 * Java native serialization is never used.
 */
package io.mesh4j.cache;
