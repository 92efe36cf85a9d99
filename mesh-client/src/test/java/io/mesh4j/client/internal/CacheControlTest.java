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

  @Test
  void separatorsOrANamelessValueAtTheEndOfALineAreSkipped() {
    assertTrue(cc("no-store, ").has("no-store"), "a trailing comma and space");
    assertTrue(cc("private,\t").has("private"));
    assertTrue(cc("public, =oops").has("public"), "a value without a name, last on the line");
    assertEquals(7, cc("max-age=7 ,").sharedMaxAgeSeconds());
  }

  @Test
  void aBackslashInAQuotedValueEscapesTheNextCharacterUnlessItIsTheLast() {
    assertEquals(12, cc("s-maxage=\"1\\2\"").sharedMaxAgeSeconds(), "\\2 is 2");
    assertEquals(0, cc("s-maxage=\"5\\").sharedMaxAgeSeconds(), "an unclosed value ending in a backslash keeps it");
    assertTrue(cc("x=\"5\\").has("x"));
  }

  @Test
  void aQuotedValueEndingInACommaDoesNotStartADirective() {
    CacheControl c = cc("ext=\"no-store,\", public");
    assertTrue(c.has("ext"));
    assertTrue(c.has("public"));
    assertFalse(c.has("\""), "the closing quote is not a directive name");
    assertFalse(c.forbidsSharedStorage());
  }

  @Test
  void conflictingSharedMaxAgesKeepTheShorterInEitherOrder() {
    assertEquals(5, cc("s-maxage=100, s-maxage=5").sharedMaxAgeSeconds());
    assertEquals(5, cc("s-maxage=5", "s-maxage=100").sharedMaxAgeSeconds());
    assertEquals(5, cc("max-age=5, max-age=60").sharedMaxAgeSeconds());
    assertEquals(0, cc("max-age=5, max-age=junk").sharedMaxAgeSeconds(), "junk counts as 0, the shorter");
    assertTrue(cc("no-cache=\"a\", no-cache=\"b\"").has("no-cache"), "other duplicates: present");
  }
}
