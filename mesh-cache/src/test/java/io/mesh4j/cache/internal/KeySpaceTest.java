package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The key layout and the pacing of namespace-version reads, without Redis: a fake ticker moves time
 * and an in-memory value stands for the version key (like Caffeine's {@code TimerWheelTest}).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KeySpaceTest {
  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final AtomicReference<byte[]> versionKey = new AtomicReference<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

  private final KeySpace keys = new KeySpace("users", CHECK_NANOS, nanos::get, key -> {
    assertEquals("users:#version", new String(key, UTF_8));
    reads.incrementAndGet();
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
    return versionKey.get();
  });

  private static String text(byte[] b) {
    return new String(b, UTF_8);
  }

  @Test
  void keysLiveUnderTheNamespaceAndItsVersion() {
    assertEquals("users:0:42", text(keys.fullKey("42")));
    assertEquals("users:#lock:0:42", text(keys.lockKey("42")));
    assertEquals("users:0:user-*", text(keys.pattern("user-*")));
    assertEquals("users:#version", text(keys.versionKey()));
    keys.advanceTo(3);
    assertEquals("users:3:42", text(keys.fullKey("42")));
    assertArrayEquals(keys.fullKey("a"), KeySpace.fullKey(keys.currentPrefix(), "a"));
  }

  @Test
  void noNamespaceOrKeyMakesOneNamespacesLockAnotherOnesEntry() {
    // The old layout lock:<ns>:<v>:<key> made namespace 0's lock of k namespace lock's entry 0:k.
    KeySpace lock = new KeySpace("lock", CHECK_NANOS, nanos::get, key -> null);
    KeySpace zero = new KeySpace("0", CHECK_NANOS, nanos::get, key -> null);
    assertEquals("0:#lock:0:k", text(zero.lockKey("k")));
    assertNotEquals(text(zero.lockKey("k")), text(lock.fullKey("0:k")));
    assertFalse(text(zero.lockKey("k")).startsWith(text(lock.pattern(""))),
        "namespace lock's invalidate(\"*\") would match namespace 0's lock");
    // Within a namespace: entries start with a digit after "<ns>:", bookkeeping with '#'.
    assertFalse(text(keys.lockKey("k")).startsWith(text(keys.pattern(""))));
    assertFalse(text(keys.versionKey()).startsWith(text(keys.pattern(""))));
  }

  @Test
  void theFirstCallReadsTheVersionThenOnlyOncePerInterval() {
    versionKey.set("2".getBytes(UTF_8));
    assertEquals("users:2:k", text(keys.fullKey("k")));
    assertEquals(1, reads.get());

    versionKey.set("3".getBytes(UTF_8)); // another JVM's invalidateAll
    nanos.addAndGet(CHECK_NANOS - 1);
    assertEquals(2, keys.version(), "not re-read before the interval ends");
    assertEquals(1, reads.get());

    nanos.addAndGet(1);
    assertEquals(3, keys.version());
    assertEquals(2, reads.get());
  }

  @Test
  void aFailedReadKeepsTheVersionAndWaitsAWholeIntervalBeforeTheNext() {
    versionKey.set("4".getBytes(UTF_8));
    assertEquals(4, keys.version());
    failure.set(new JedisConnectionException("down"));
    nanos.addAndGet(CHECK_NANOS);
    assertEquals(4, keys.version(), "the known version is kept");
    assertEquals(4, keys.version());
    assertEquals(2, reads.get(), "one failed read per interval, not one per call");
    failure.set(null);
    nanos.addAndGet(CHECK_NANOS);
    assertEquals(4, keys.version());
    assertEquals(3, reads.get());
  }

  @Test
  void aVersionThatIsNotANumberIsIgnoredLikeAFailedRead() {
    keys.advanceTo(6);
    nanos.addAndGet(CHECK_NANOS);
    versionKey.set("not a number".getBytes(UTF_8));
    assertEquals(6, keys.version());
  }

  @Test
  void anAnnouncedVersionIsReadAtOnceWhateverTheInterval() {
    assertEquals(0, keys.version());
    versionKey.set("9".getBytes(UTF_8));
    keys.refreshVersionNow();
    assertEquals(9, keys.currentPrefix().version());
  }

  @Test
  void advanceToNeverLowersTheVersion() {
    keys.advanceTo(5);
    keys.advanceTo(2);
    assertEquals(5, keys.currentPrefix().version());
    keys.advanceTo(6);
    assertEquals(6, keys.currentPrefix().version());
  }

  @Test
  void keysMustBeNonEmptyAndTheMessageNamesTheArgument() {
    assertEquals("k", KeySpace.checkKey("k", "key"));
    NullPointerException npe = assertThrows(NullPointerException.class, () -> KeySpace.checkKey(null, "keys[2]"));
    assertEquals("keys[2] must not be null", npe.getMessage());
    IllegalArgumentException iae = assertThrows(IllegalArgumentException.class, () -> KeySpace.checkKey("", "key"));
    assertTrue(iae.getMessage().contains("key must not be empty"));
  }
}
