package io.mesh4j.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Cache-Control parser on its own: directives, quoting, several lines, junk. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CacheControlTest {
  private static CacheControl cc(String... lines) {
    return CacheControl.parse(List.of(lines));
  }

  @Test
  void sMaxAgeWinsOverMaxAgeForASharedCache() {
    assertEquals(60, cc("max-age=0, s-maxage=60").sharedMaxAgeSeconds());
    assertEquals(0, cc("s-maxage=0", "max-age=60").sharedMaxAgeSeconds());
    assertEquals(30, cc("MAX-AGE=30").sharedMaxAgeSeconds());
    assertEquals(-1, cc("public").sharedMaxAgeSeconds());
    assertEquals(-1, cc().sharedMaxAgeSeconds());
  }

  @Test
  void quotedValuesMayHoldCommasAndDirectiveNames() {
    CacheControl c = cc("ext=\"no-store, private\", max-age=\"60\"");
    assertFalse(c.forbidsSharedStorage());
    assertEquals(60, c.sharedMaxAgeSeconds());
    assertTrue(cc("no-cache=\"Set-Cookie, X\"").forbidsSharedStorage());
    assertTrue(cc("x=\"a\\\"b\", private").forbidsSharedStorage(), "an escaped quote does not end the value");
  }

  @Test
  void invalidOrOverflowingAgesAndJunkAreHandled() {
    assertEquals(0, cc("max-age=abc").sharedMaxAgeSeconds());
    assertEquals(0, cc("max-age=").sharedMaxAgeSeconds());
    assertEquals(CacheControl.MAX_DELTA_SECONDS, cc("max-age=99999999999999999999999").sharedMaxAgeSeconds());
    assertEquals(5, cc("max-age=60, max-age=5").sharedMaxAgeSeconds(), "conflicting duplicates: the shorter");
    assertFalse(cc("=oops, ,, public").forbidsSharedStorage());
    assertTrue(cc("x=\"unclosed, no-store").has("x"));
  }
}
