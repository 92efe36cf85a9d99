package io.mesh4j.micrometer;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.CacheStats;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.cache.TwoLevelCacheStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exposes a cache's own counters ({@link DistributedCache#stats()}, {@link TwoLevelCache#stats()})
 * as meters tagged {@code cache=<namespace>}: read when the registry is scraped, nothing added to
 * the cache's path. Works for the client's response cache too: bind the cache given to
 * {@code ServiceMeshClient.Builder.responseCache}.
 *
 * <p>{@code mesh.cache.gets} (tags {@code level} l1/l2, {@code result} hit/miss/bypassed),
 * {@code mesh.cache.loads} ({@code result} success/failure), {@code mesh.cache.load.duration},
 * {@code mesh.cache.lock.waits}, {@code mesh.cache.singleflight.followers},
 * {@code mesh.cache.early.refreshes}, {@code mesh.cache.decode.failures},
 * {@code mesh.cache.redis.errors}; for a two-level cache also gauges {@code mesh.cache.l1.size},
 * {@code mesh.cache.l1.bypassed} (1 while L1 is bypassed) and
 * {@code mesh.cache.invalidation.retry.queue} (invalidations waiting to be published again),
 * {@code mesh.cache.invalidations} ({@code direction} published/received/failed),
 * {@code mesh.cache.invalidation.gaps} and {@code mesh.cache.invalidation.subscriptions}.
 */
public final class MeshCacheMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(MeshCacheMetrics.class);

  private MeshCacheMetrics() {}

  /** Binds {@code cache}'s counters to {@code registry}. */
  public static void monitor(MeterRegistry registry, DistributedCache<?> cache) {
    Checks.notNull(registry, "meterRegistry");
    Checks.notNull(cache, "cache");
    bindL2(registry, Tags.of("cache", cache.namespace()), cache, cache::stats);
  }

  /** Binds {@code cache}'s counters, L1 and L2, to {@code registry}. */
  public static void monitor(MeterRegistry registry, TwoLevelCache<?> cache) {
    Checks.notNull(registry, "meterRegistry");
    Checks.notNull(cache, "cache");
    Tags tags = Tags.of("cache", cache.namespace());
    bindL2(registry, tags, cache, () -> cache.stats().l2());
    if (cache.stats().l1HitsRecorded()) {
      counter(registry, "mesh.cache.gets", tags.and("level", "l1", "result", "hit"), cache, c -> c.stats().l1Hits());
    } else {
      LOG.warn("mesh-cache '{}': L1 hits are not counted, so mesh.cache.gets{{level=l1,result=hit}} is not "
          + "registered; build the cache with TwoLevelCacheBuilder.recordStats() to see the L1 hit ratio",
          cache.namespace());
    }
    counter(registry, "mesh.cache.gets", tags.and("level", "l1", "result", "miss"), cache, c -> c.stats().l1Misses());
    counter(registry, "mesh.cache.gets", tags.and("level", "l1", "result", "bypassed"), cache, c -> c.stats().l1Bypassed());
    Gauge.builder("mesh.cache.l1.size", cache, c -> c.stats().l1Size()).tags(tags)
        .description("approximate number of L1 entries").register(registry);
    Gauge.builder("mesh.cache.l1.bypassed", cache, c -> c.isL1Active() ? 0 : 1).tags(tags)
        .description("1 while L1 is bypassed (invalidation channel down or lost messages)").register(registry);
    counter(registry, "mesh.cache.invalidations", tags.and("direction", "published"), cache,
        c -> c.stats().invalidationsPublished());
    counter(registry, "mesh.cache.invalidations", tags.and("direction", "received"), cache,
        c -> c.stats().invalidationsReceived());
    counter(registry, "mesh.cache.invalidations", tags.and("direction", "failed"), cache,
        c -> c.stats().invalidationsFailed());
    Gauge.builder("mesh.cache.invalidation.retry.queue", cache, c -> c.stats().invalidationsQueued()).tags(tags)
        .description("invalidations waiting to be published again after a failed publish").register(registry);
    counter(registry, "mesh.cache.invalidation.gaps", tags, cache, c -> c.stats().gapsDetected());
    counter(registry, "mesh.cache.invalidation.subscriptions", tags, cache, c -> c.stats().subscriptions());
  }

  private static <T> void bindL2(MeterRegistry registry, Tags tags, T owner, Supplier<CacheStats> stats) {
    Function<Function<CacheStats, Long>, ToDoubleFunction<T>> read = f -> o -> f.apply(stats.get());
    Tags l2 = tags.and(Tag.of("level", "l2"));
    counter(registry, "mesh.cache.gets", l2.and("result", "hit"), owner, read.apply(CacheStats::hits));
    counter(registry, "mesh.cache.gets", l2.and("result", "miss"), owner, read.apply(CacheStats::misses));
    counter(registry, "mesh.cache.loads", tags.and("result", "success"), owner, read.apply(CacheStats::loads));
    counter(registry, "mesh.cache.loads", tags.and("result", "failure"), owner, read.apply(CacheStats::loadFailures));
    FunctionTimer.builder("mesh.cache.load.duration", owner, o -> stats.get().loads(),
            o -> stats.get().totalLoadTimeNanos(), TimeUnit.NANOSECONDS)
        .tags(tags).description("time spent in loaders that returned").register(registry);
    counter(registry, "mesh.cache.lock.waits", tags, owner, read.apply(CacheStats::lockWaits));
    counter(registry, "mesh.cache.singleflight.followers", tags, owner, read.apply(CacheStats::singleFlightFollowers));
    counter(registry, "mesh.cache.early.refreshes", tags, owner, read.apply(CacheStats::earlyRefreshes));
    counter(registry, "mesh.cache.decode.failures", tags, owner, read.apply(CacheStats::decodeFailures));
    counter(registry, "mesh.cache.redis.errors", tags, owner, read.apply(CacheStats::redisErrors));
  }

  private static <T> void counter(MeterRegistry registry, String name, Tags tags, T owner, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, owner, f).tags(tags).register(registry);
  }
}
