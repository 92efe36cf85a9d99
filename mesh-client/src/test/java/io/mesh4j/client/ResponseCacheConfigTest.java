package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The response cache's settings without a cache behind them (ResponseCachePoisoningTest uses them on Redis). */
@Timeout(10)
class ResponseCacheConfigTest {
  @Test
  void theDefaultsAndWhatWasSetAreReported() {
    ResponseCacheConfig c = ResponseCacheConfig.withDefaultTtl(Duration.ofSeconds(5));
    assertEquals(Duration.ofSeconds(5), c.defaultTtl());
    assertEquals(ResponseCacheConfig.DEFAULT_KEY_HEADERS, c.keyHeaders());
    assertEquals(1024 * 1024, c.maxBodyBytes());
    assertEquals("ResponseCacheConfig{defaultTtl=PT5S, keyHeaders=" + ResponseCacheConfig.DEFAULT_KEY_HEADERS
        + ", maxBodyBytes=1048576}", c.toString());

    ResponseCacheConfig custom = ResponseCacheConfig.builder().defaultTtl(Duration.ofNanos(1))
        .keyHeaders(List.of("X-Tenant")).addKeyHeader("Accept").maxBodyBytes(1).build();
    assertEquals(List.of("X-Tenant", "Accept"), custom.keyHeaders());
    assertEquals(1, custom.maxBodyBytes());
    assertEquals(Duration.ofNanos(1), custom.defaultTtl());
    assertEquals(10 * 1024 * 1024, ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(1))
        .maxBodyBytes(ResponseCacheConfig.MAX_BODY_BYTES_LIMIT).build().maxBodyBytes());
    assertThrows(UnsupportedOperationException.class, () -> custom.keyHeaders().add("X"), "immutable");
  }

  @Test
  void toBuilderStartsFromTheConfigAndLeavesItAlone() {
    ResponseCacheConfig c = ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(3))
        .keyHeaders(List.of("X-A")).maxBodyBytes(77).build();
    ResponseCacheConfig copy = c.toBuilder().build();
    assertEquals(c.toString(), copy.toString());
    ResponseCacheConfig more = c.toBuilder().addKeyHeader("X-B").build();
    assertEquals(List.of("X-A", "X-B"), more.keyHeaders());
    assertEquals(List.of("X-A"), c.keyHeaders());
    assertEquals(77, more.maxBodyBytes());
    assertEquals(Duration.ofSeconds(3), more.defaultTtl());
  }

  @Test
  void badSettingsAreRefusedNamingThem() {
    IllegalStateException noTtl = assertThrows(IllegalStateException.class,
        () -> ResponseCacheConfig.builder().build());
    assertTrue(noTtl.getMessage().contains("defaultTtl"), noTtl.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ResponseCacheConfig.builder().defaultTtl(Duration.ZERO));
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
        () -> ResponseCacheConfig.builder().maxBodyBytes(ResponseCacheConfig.MAX_BODY_BYTES_LIMIT + 1));
    assertTrue(big.getMessage().contains("maxBodyBytes"), big.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ResponseCacheConfig.builder().maxBodyBytes(0));
    for (String bad : new String[] {"X Tenant", "X:Tenant", "X\u007fTenant", "X\u00e9", "\tX"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ResponseCacheConfig.builder().addKeyHeader(bad), bad);
      assertTrue(e.getMessage().contains("keyHeader"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> ResponseCacheConfig.builder().keyHeaders(List.of("ok", "b d")));
    ResponseCacheConfig.Builder b = ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(1));
    assertThrows(IllegalArgumentException.class, () -> b.keyHeaders(List.of("X-Kept", "not ok")));
    assertFalse(b.build().keyHeaders().contains("X-Kept"), "a refused list changes nothing");
    assertEquals(List.of("!", "~"), ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(1))
        .keyHeaders(List.of("!", "~")).build().keyHeaders(), "the edges of the visible characters");
  }
}
