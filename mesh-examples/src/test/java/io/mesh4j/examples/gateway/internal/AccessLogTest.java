package io.mesh4j.examples.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The access log's escaping on its own (no server): client input cannot forge a line (CR, LF),
 * split a field (space) or close a quoted value ({@code "}); printable ASCII passes unchanged.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AccessLogTest {

  @Test
  void printableAsciiPassesUnchanged() {
    assertEquals("/api/users/42?x=1", AccessLog.printable("/api/users/42?x=1"));
  }

  @Test
  void lineBreaksSpacesAndQuotesArePercentEscaped() {
    assertEquals("/a%0D%0Astatus=200%20x%22", AccessLog.printable("/a\r\nstatus=200 x\""));
  }

  @Test
  void quotedValuesKeepSpacesButNotQuotesOrLineBreaks() {
    assertEquals("bad key%22%0A", AccessLog.printable("bad key\"\n", true));
  }

  @Test
  void nonAsciiAndNullAreEscapedOrDashed() {
    assertEquals("caf%E9%7F", AccessLog.printable("caf\u00e9\u007f"));
    assertEquals("-", AccessLog.printable(null));
  }
}
