package io.mesh4j.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PathTemplate} on its own: parsing (with templates never seen before, so the parse cache
 * does not answer for the parser) and the encoding of each value as one path segment.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PathTemplateTest {
  /** A template no other test parsed: a unique first literal segment. */
  private static String fresh(String rest) {
    return "/t" + UUID.randomUUID().toString().replace("-", "") + rest;
  }

  private static String expand(PathTemplate t, Object... values) {
    HttpUrl.Builder url = HttpUrl.get("http://h/").newBuilder();
    t.expandInto(url, values);
    return url.build().encodedPath();
  }

  private static String segment(Object value) {
    return expand(PathTemplate.parse("/v/{x}"), value).substring("/v/".length());
  }

  @Test
  void variablesAndLiteralsAreFoundInAFreshTemplate() {
    String head = fresh("");
    PathTemplate t = PathTemplate.parse(head + "/{a}/mid/{b}x");
    assertEquals(2, t.variableCount());
    assertEquals(head + "/1/mid/2x", expand(t, 1, 2));
    PathTemplate end = PathTemplate.parse(fresh("/{last}"));
    assertEquals(1, end.variableCount());
    PathTemplate none = PathTemplate.parse(fresh("/plain"));
    assertEquals(0, none.variableCount());
    String tail = fresh("/a}");
    IllegalArgumentException stray = assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse(tail));
    assertEquals("path template " + tail + " has a stray }", stray.getMessage());
    String empty = fresh("/{}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse(empty));
    assertEquals("path template " + empty + " has an unclosed or empty {}", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse(fresh("/{open")));
    assertEquals(1, PathTemplate.parse(fresh("/{x}")).variableCount(), "a one-letter name");
  }

  @Test
  void aParsedTemplateKeepsItsText() {
    // Whether parse reuses an instance depends on how full the JVM-wide cache is (other tests fill
    // it), so only the text is checked.
    String text = fresh("/{id}");
    assertEquals(text, PathTemplate.parse(text).template());
    assertEquals(text, PathTemplate.parse(text).toString());
  }

  @Test
  void unreservedCharactersPassAsTheyAre() {
    assertEquals("azAZ09-._~", segment("azAZ09-._~"));
    assertEquals("42", segment(42));
  }

  @Test
  void everyOtherCharacterThatAPathSegmentCannotCarryIsEncoded() {
    assertEquals("%2F", segment("/"));
    assertEquals("a%2Fb", segment("a/b"));
    assertEquals("%60", segment("`"), "just before 'a'");
    assertEquals("%7B", segment("{"), "just after 'z'");
    assertEquals("a%20z", segment("a z"));
    assertEquals("A%3FZ", segment("A?Z"));
    assertEquals("0%239", segment("0#9"));
    assertEquals("%25", segment("%"));
    assertEquals("%C3%A9", segment("é"));
    assertEquals("x%5Cy", segment("x\\y"));
    assertEquals("", segment(""));
    assertEquals("...", segment("..."), "three dots are a name, not a dot segment");
  }

  @Test
  void aDotSegmentValueIsRefused() {
    for (String dots : new String[] {".", ".."}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> segment(dots));
      assertEquals("a path value must not be '.' or '..', was '" + dots + "'", e.getMessage());
    }
  }

  @Test
  void theNumberOfValuesMustMatch() {
    PathTemplate t = PathTemplate.parse("/v/{x}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> expand(t));
    assertEquals("path /v/{x} needs 1 values, got 0", e.getMessage());
    assertThrows(NullPointerException.class, () -> expand(t, (Object) null));
  }
}
