package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The namespace version a cache uses never goes back when version reads and writes race. Against
 * {@link KeySpace} alone: the version key is an in-memory value, "another JVM" writes it directly.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class NamespaceVersionTest {
  /** The version key as Redis would hold it; null: the key does not exist. */
  private final AtomicReference<byte[]> versionKey = new AtomicReference<>();
  private final AtomicLong nanos = new AtomicLong();

  private KeySpace keySpace() {
    return new KeySpace("nsv", TimeUnit.HOURS.toNanos(1), nanos::get, key -> versionKey.get());
  }

  private void anotherJvmInvalidatesAllTo(long version) {
    versionKey.set(Long.toString(version).getBytes(UTF_8));
  }

  @Test
  void aSlowPeriodicReadNeverInstallsTheVersionItReadBeforeANewerOne() {
    KeySpace a = keySpace();
    assertEquals(0, a.version());
    // a's periodic read starts: it has seen version 0 and its GET answers 0...
    KeySpace.Prefix seen = a.currentPrefix();
    // ...then another JVM invalidates everything and a re-reads the version on its message...
    anotherJvmInvalidatesAllTo(1);
    a.refreshVersionNow();
    assertEquals(1, a.currentPrefix().version());
    // ...and only then does the periodic read try to install what its GET returned.
    a.install(seen, 0, nanos.get());
    assertEquals(1, a.currentPrefix().version(), "the older version was not put back");
  }

  @Test
  void invalidateAllKeepsTheHigherVersion() {
    KeySpace a = keySpace();
    KeySpace.Prefix seen = a.currentPrefix();
    // A version read that answered 5 lands while invalidateAll's INCR (answering 1) runs.
    a.install(seen, 5, nanos.get());
    a.advanceTo(1);
    assertEquals(5, a.currentPrefix().version(), "invalidateAll did not lower the version");
  }

  @Test
  void anUnracedReadInstallsALowerVersionSoJvmsAgreeAfterTheKeyIsLost() {
    KeySpace a = keySpace();
    a.install(a.currentPrefix(), 7, nanos.get());
    a.refreshVersionNow(); // the version key does not exist: Redis says 0
    assertEquals(0, a.currentPrefix().version());
  }
}
