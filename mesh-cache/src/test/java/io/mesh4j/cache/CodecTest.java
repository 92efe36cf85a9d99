package io.mesh4j.cache;

import static io.mesh4j.cache.TestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;

/**
 * The default JSON codec as a new user meets it (issue 17, items 4 to 6): a type Jackson cannot
 * read back is refused at build(), a decode failure says so at WARN (once a minute), a value of
 * another type in the namespace is a miss rather than an object of nulls, java.time and Optional
 * round-trip, and codec errors name the type and the property but never the payload.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodecTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  record Item(String name, int qty) {}

  record Other(String title, String body) {}

  record Event(Instant at, LocalDate day, ZonedDateTime zoned, Duration took, Optional<String> note,
      Optional<String> none) {}

  /** Immutable, two-argument constructor, no @JsonCreator: Jackson can write it but not read it. */
  static final class Money {
    private final String currency;
    private final long cents;

    Money(String currency, long cents) {
      this.currency = currency;
      this.cents = cents;
    }

    public String getCurrency() {
      return currency;
    }

    public long getCents() {
      return cents;
    }
  }

  interface Shape {
    double area();
  }

  private static RedisClusterConnection shared;
  private static RedisClusterClient raw;

  @BeforeAll
  static void start() {
    shared = TestSupport.connection(REDIS.cluster());
    raw = TestSupport.raw(REDIS.cluster());
  }

  @AfterAll
  static void stop() {
    shared.close();
    raw.close();
  }

  @Test
  void aTypeJacksonCannotReadBackIsRefusedAtBuildNamingNamespaceTypeAndFix() {
    long start = System.nanoTime();
    IllegalArgumentException money = assertThrows(IllegalArgumentException.class,
        () -> DistributedCache.builder(shared, Money.class).namespace("prices").build());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> DistributedCache.builder(shared, Shape.class).namespace("shapes").build());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "refused without a Redis round trip");
    for (IllegalArgumentException e : List.of(money, shape)) {
      assertTrue(e.getMessage().contains("never read back"), e.getMessage());
      assertTrue(e.getMessage().contains("@JsonCreator"), "the fix: " + e.getMessage());
      assertTrue(e.getMessage().contains("CacheCodec"), "the other fix: " + e.getMessage());
    }
    assertTrue(money.getMessage().contains("'prices'"), money.getMessage());
    assertTrue(money.getMessage().contains(Money.class.getName()), money.getMessage());
    assertTrue(money.getMessage().contains("no constructor"), money.getMessage());
    assertTrue(shape.getMessage().contains("'shapes'"), shape.getMessage());
    assertTrue(shape.getMessage().contains("interface or abstract class"), shape.getMessage());

    // What Jackson can read is accepted: records, generics, plain JSON trees, scalars.
    DistributedCache.builder(shared, Item.class).namespace("ok").build().close();
    DistributedCache.builder(shared, String.class).namespace("ok").build().close();
    DistributedCache.builder(new TypeReference<List<Item>>() {}).connection(shared).namespace("ok").build().close();
    DistributedCache.builder(new TypeReference<Map<String, Object>>() {}).connection(shared).namespace("ok")
        .build().close();
    DistributedCache.builder(shared, Event.class).namespace("ok").build().close();
  }

  @Test
  void javaTimeAndOptionalRoundTripWithTheDefaultCodec() {
    Event e = new Event(Instant.parse("2026-03-01T10:15:30.123456789Z"), LocalDate.of(2026, 2, 28),
        ZonedDateTime.of(2026, 3, 29, 2, 30, 0, 0, ZoneId.of("Europe/Paris")), Duration.ofMillis(1500),
        Optional.of("note"), Optional.empty());
    try (DistributedCache<Event> cache = DistributedCache.builder(shared, Event.class)
        .namespace(TestSupport.ns("time")).build()) {
      assertTrue(cache.set("e", e));
      assertEquals(e, cache.get("e"));
    }
  }

  @Test
  void codecErrorsNameTheTypeAndThePropertyButNoPayload() {
    // A mapper without the java.time module: the encode error names type, property and the cause.
    try (DistributedCache<Event> cache = DistributedCache.builder(CacheCodec.json(new ObjectMapper(), Event.class))
        .connection(shared).namespace(TestSupport.ns("plain")).build()) {
      CacheException e = assertThrows(CacheException.class, () -> cache.set("e", new Event(Instant.EPOCH,
          null, null, null, Optional.empty(), Optional.empty())));
      assertTrue(e.getMessage().contains(Event.class.getName()), e.getMessage());
      assertTrue(e.getMessage().contains("at property at"), e.getMessage());
      assertTrue(e.getMessage().contains("java.time.Instant"), e.getMessage());
    }
    CacheCodec<Item> codec = CacheCodec.json(Item.class);
    byte[] bad = bytes("{\"name\":\"n\",\"qty\":\"SECRET-4111111111111111\"}");
    RuntimeException e = assertThrows(RuntimeException.class, () -> codec.decode(bad, 0, bad.length));
    assertTrue(e.getMessage().contains(Item.class.getName()),
        e.getMessage());
    assertTrue(e.getMessage().contains("at property qty"), e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains("SECRET"), "payload in: " + t.getMessage());
    }
    byte[] broken = bytes("{\"name\":\"SECRET");
    RuntimeException notJson = assertThrows(RuntimeException.class, () -> codec.decode(broken, 0, broken.length));
    assertFalse(notJson.getMessage().contains("SECRET"), notJson.getMessage());
  }

  @Test
  void decodeFailuresAreWarnedAtMostOnceAMinuteNamingNamespaceAndTypeWithoutThePayload() {
    String ns = TestSupport.ns("warn");
    AtomicLong nanos = new AtomicLong();
    try (DistributedCache<Item> cache = DistributedCache.builder(shared, Item.class).namespace(ns)
        .ticker(nanos::get).build()) {
      for (int i = 0; i < 3; i++) {
        raw.set(bytes(ns + ":0:bad" + i), format1("{\"name\":\"n\",\"qty\":\"SECRET-" + i + "\"}"));
      }
      String first = TestSupport.logsDuring(() -> {
        assertNull(cache.get("bad0"));
        assertNull(cache.get("bad1"));
      });
      nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
      String later = TestSupport.logsDuring(() -> assertNull(cache.get("bad2")));

      assertEquals(1, count(first, "WARN"), first);
      assertTrue(first.contains("'" + ns + "'"), first);
      assertTrue(first.contains("Item"), first);
      assertTrue(first.contains("at property qty"), first);
      assertFalse(first.contains("SECRET"), first);
      assertEquals(1, count(later, "WARN"), later);
      assertTrue(later.contains("1 similar failures not logged"), later);
      assertEquals(3, cache.stats().decodeFailures());
    }
  }

  @Test
  void anotherTypeInTheNamespaceIsAMissWithAWarningNotAnObjectOfNulls() {
    String ns = TestSupport.ns("mixed");
    List<CacheEvent> events = new ArrayList<>();
    try (DistributedCache<Item> items = DistributedCache.builder(shared, Item.class).namespace(ns).build();
        DistributedCache<Other> others = DistributedCache.builder(shared, Other.class).namespace(ns)
            .listener(TestSupport.recording(events)).build()) {
      assertTrue(items.set("k", new Item("widget", 3)));
      String logs = TestSupport.logsDuring(() -> assertNull(others.get("k")));
      assertTrue(logs.contains("another type than " + Other.class.getName()), logs);
      assertTrue(logs.contains("'" + ns + "'"), logs);
      assertEquals(1, others.stats().decodeFailures());
      assertEquals(1, TestSupport.count(events, CacheEvent.Kind.DECODE_FAILURE));

      assertTrue(items.set("k2", new Item("gadget", 1)));
      AtomicInteger loads = new AtomicInteger();
      assertEquals(new Other("t", "b"), others.getOrLoad("k2", () -> {
        loads.incrementAndGet();
        return new Other("t", "b");
      }));
      assertEquals(1, loads.get(), "the foreign value is a miss: the loader ran");
      assertEquals(new Other("t", "b"), others.get("k2"), "and its own value replaced it");
    }
  }

  @Test
  void entriesWrittenBeforeTheTypeFingerprintAreStillRead() {
    String ns = TestSupport.ns("format1");
    try (DistributedCache<Item> cache = DistributedCache.builder(shared, Item.class).namespace(ns).build()) {
      raw.set(bytes(ns + ":0:old"), format1("{\"name\":\"old\",\"qty\":7}"));
      assertEquals(new Item("old", 7), cache.get("old"));
    }
  }

  /** An entry as the format-1 envelope stored it: no type fingerprint, expiry in an hour. */
  private static byte[] format1(String json) {
    byte[] payload = bytes(json);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(14 + payload.length);
    b.put((byte) 0xCA).put((byte) 1).putLong(System.currentTimeMillis() + 3_600_000).putInt(0).put(payload);
    return b.array();
  }

  private static int count(String text, String word) {
    Matcher m = Pattern.compile("\\b" + word + "\\b").matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
