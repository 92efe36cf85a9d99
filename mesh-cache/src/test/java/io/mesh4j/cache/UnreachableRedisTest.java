package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** With no Redis at all: misses and dropped writes by default, exceptions only in strict mode. */
class UnreachableRedisTest {
  private static final String NOWHERE = "127.0.0.1:1";

  @Test
  void failuresAreMissesAndTheLoaderIsCalledDirectly() {
    List<CacheEvent> events = new ArrayList<>();
    try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(NOWHERE)
        .namespace("down").listener(TestSupport.recording(events)).build()) {
      assertNull(cache.get("k"));
      assertFalse(cache.set("k", "v"));
      assertFalse(cache.setIfAbsent("k", "v", Duration.ofSeconds(1)));
      assertFalse(cache.delete("k"));
      assertFalse(cache.exists("k"));
      assertEquals(Map.of(), cache.getMulti(List.of("a", "b")));
      assertEquals(0, cache.setMulti(Map.of("a", "b"), Duration.ofSeconds(1)));
      assertTrue(cache.increment("c", 1, Duration.ofSeconds(1)).isEmpty());
      assertEquals(0, cache.invalidate("*"));
      assertEquals(-1, cache.invalidateAll());
      assertNull(cache.pop("q"));
      AtomicInteger loads = new AtomicInteger();
      assertEquals("loaded", cache.getOrLoad("k", () -> {
        loads.incrementAndGet();
        return "loaded";
      }));
      assertEquals(1, loads.get());
      assertTrue(cache.stats().redisErrors() >= 12);
      assertTrue(TestSupport.count(events, CacheEvent.Kind.REDIS_FAILURE) >= 12);
    }
  }

  @Test
  void strictModeThrowsCacheException() {
    try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(NOWHERE)
        .namespace("down-strict").strict(true).build()) {
      CacheException e = assertThrows(CacheException.class, () -> cache.get("k"));
      assertEquals("down-strict", e.namespace());
      assertThrows(CacheException.class, () -> cache.set("k", "v"));
      assertThrows(CacheException.class, () -> cache.getOrLoad("k", () -> "v"));
    }
  }

  @Test
  void aListenerThatThrowsBreaksNothing() {
    try (DistributedCache<String> cache = DistributedCache.builder(String.class).seedNodes(NOWHERE)
        .namespace("down-listener").listener(new io.mesh4j.api.MeshEventListener() {
          @Override
          public void onEvent(io.mesh4j.api.MeshEvent event) {
            throw new IllegalStateException("listener bug");
          }
        }).build()) {
      assertNull(cache.get("k"));
      assertEquals(1, cache.stats().redisErrors());
    }
  }
}
