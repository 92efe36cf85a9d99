/**
 * The implementation of mesh-cache. Not an API: anything here may change in any release.
 *
 * <ul>
 *   <li>{@code DistributedCacheImpl}: the façade of a {@code DistributedCache}; its parts are
 *       {@code KeySpace} (key layout, namespace version), {@code EntryCodec} (the value envelope),
 *       {@code SlotPipeline} (multi-key commands by slot), {@code LoadCoordinator} and
 *       {@code SingleFlight} (stampede-proof loads, XFetch), {@code PatternInvalidator} (SCAN and
 *       UNLINK on every master), {@code RedisFailures} and {@code CacheCounters};</li>
 *   <li>{@code TwoLevelCacheImpl}: Caffeine over an {@code L2Store}, kept coherent by an
 *       {@code InvalidationChannel};</li>
 *   <li>{@code JedisClusterConnection}, {@code JacksonCodec}, {@code RedisScripts}: the Redis
 *       connection, the default codec, the Lua scripts.</li>
 * </ul>
 */
package io.mesh4j.cache.internal;
