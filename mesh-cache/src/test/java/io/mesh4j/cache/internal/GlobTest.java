package io.mesh4j.cache.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The matcher's rules, one case each, as Redis 7.0 answers {@code SCAN MATCH} (each quirk below
 * was checked against redis-server 7.0.15; {@link GlobMatchesRedisPropertyTest} compares random
 * patterns with the real server).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GlobTest {
  private static boolean m(String pattern, String key) {
    return Glob.compile(pattern).matches(key);
  }

  @Test
  void starsQuestionMarksAndLiterals() {
    assertTrue(m("user:*", "user:42"));
    assertTrue(m("user:*", "user:"));
    assertFalse(m("user:*", "use"));
    assertTrue(m("*:42", "user:42"));
    assertTrue(m("u?er", "user"));
    assertFalse(m("u?er", "usser"));
    assertTrue(m("a*b*c", "aXXbYYc"));
    assertFalse(m("a*b*c", "aXXbYY"));
    assertTrue(m("**", "x"));
  }

  @Test
  void questionMarkIsOneByteNotOneCharacter() {
    assertFalse(m("?", "é"), "é is two bytes in UTF-8");
    assertTrue(m("??", "é"));
    assertTrue(m("????", "😀"));
    assertTrue(m("caf?", "cafe"));
    assertFalse(m("caf?", "café"));
  }

  @Test
  void classesRangesNegationAndEscapes() {
    assertTrue(m("[abc]", "b"));
    assertFalse(m("[abc]", "d"));
    assertTrue(m("[^abc]", "d"));
    assertFalse(m("[^abc]", "a"));
    assertTrue(m("[a-c]x", "bx"));
    assertTrue(m("[z-a]", "m"), "a reversed range is the same range");
    assertFalse(m("[]", "]"), "[] is an empty class");
    assertTrue(m("[^]x]", "qx]"), "the class ends at the first ]: [^] then the literals x]");
    assertTrue(m("[^]", "q"));
    assertTrue(m("[\\]]", "]"));
    assertTrue(m("\\*", "*"));
    assertFalse(m("\\*", "a"));
    assertTrue(m("a\\", "a\\"), "a trailing backslash is itself");
  }

  @Test
  void anUnclosedBracketTakesTheRestOfThePatternAsItsClass() {
    assertFalse(m("[", "["), "[ alone matches nothing");
    assertTrue(m("[^", "x"), "[^ alone matches any byte");
    assertTrue(m("a[bc", "ab"));
    assertTrue(m("a[bc", "ac"));
    assertFalse(m("a[bc", "abc"));
    assertTrue(m("a[a-", "a-"));
    assertTrue(m("[\\", "\\"));
  }

  @Test
  void rangeBoundsAreSignedBytesLikeCsChar() {
    // é is C3 A9: the range a-\xC3 runs from -61 to 97 as signed bytes, so it holds the byte 0x41.
    assertTrue(m("[a-é]", "A"));
    assertFalse(m("[a-é]", "b"));
  }

  @Test
  void anEmptyKeyMatchesOnlyTheEmptyPattern() {
    assertFalse(Glob.compile("*").matches(""));
    assertTrue(Glob.parse(new byte[0]).matches(""));
  }

  @Test
  void thePathologicalPatternIsAnsweredAtOnce() {
    String key = "a".repeat(40);
    String pattern = "*a*a*a*a*a*a*a*a*a*a*b";
    // As a regular expression this took 26 s; the bound is generous, the answer takes microseconds.
    boolean matched = assertTimeoutPreemptively(Duration.ofSeconds(2),
        () -> Glob.compile(pattern).matches(key));
    assertFalse(matched);
    String longKey = "a".repeat(4000);
    String longPattern = "*a".repeat(500) + "*b";
    assertFalse(assertTimeoutPreemptively(Duration.ofSeconds(2),
        () -> Glob.compile(longPattern).matches(longKey)));
  }

  @Test
  void aPatternOverTheLimitIsRefusedWithTheLimitInTheMessage() {
    Glob.compile("x".repeat(Glob.MAX_PATTERN_BYTES));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Glob.compile("x".repeat(Glob.MAX_PATTERN_BYTES + 1)));
    assertTrue(e.getMessage().contains("at most 1024 bytes"), e.getMessage());
    // Counted in bytes: 513 two-byte characters are 1026 bytes.
    assertThrows(IllegalArgumentException.class, () -> Glob.compile("é".repeat(513)));
    assertEquals("pattern must not be empty",
        assertThrows(IllegalArgumentException.class, () -> Glob.compile("")).getMessage());
    assertThrows(NullPointerException.class, () -> Glob.compile(null));
  }
}
