package io.mesh4j.discovery.internal;

import java.util.Collection;
import java.util.TreeSet;
import org.kiwiproject.consul.ConsulException;

/**
 * The {@code filter} of the shared view's {@code /v1/health/state/any} query (Consul 1.4+): the
 * watched services' checks and the node-level ones ({@code docs/scaling.md}, "Watching many
 * services").
 */
final class HealthFilter {
  /**
   * Longest filter sent (some 2,000 names of 30 characters): Consul's HTTP server takes a request
   * line up to 1 MiB, but parses the expression on every query, in time linear in its length.
   * Above it the view reads every check, which is then about what it watches anyway.
   */
  static final int MAX_CHARS = 100_000;

  private HealthFilter() {}

  /** {@link #expression} of {@code services}, or null (no filter) when longer than {@link #MAX_CHARS}. */
  static String of(Collection<String> services) {
    String f = expression(services);
    return f.length() > MAX_CHARS ? null : f;
  }

  /**
   * {@code ServiceName == "a" or ... or ServiceName == ""}, names sorted; the empty name keeps the
   * node-level checks (serfHealth). Names are quoted for go-bexpr, whose double-quoted strings
   * Consul reads with Go's unquoting but which end at the first {@code "} even after a backslash:
   * a quote is written {@code \x22}, a backslash {@code \\}, a control character as a Go
   * {@code u} escape of four hex digits. A name cannot end its string and add a clause.
   */
  static String expression(Collection<String> services) {
    StringBuilder b = new StringBuilder();
    for (String s : new TreeSet<>(services)) {
      b.append("ServiceName == ");
      quote(s, b);
      b.append(" or ");
    }
    return b.append("ServiceName == \"\"").toString();
  }

  private static void quote(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        b.append("\\x22");
      } else if (c == '\\') {
        b.append("\\\\");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }

  /**
   * Whether Consul could not use a filter: 400, or 500 "Failed to create boolean expression
   * evaluator" (Consul 1.8's answer to an expression it cannot parse). Agents before 1.4 ignore
   * the parameter and answer every check, which the view handles as well.
   */
  static boolean refused(ConsulException e) {
    return e.hasCode() && (e.getCode() == 400
        || e.getCode() == 500 && String.valueOf(e.getMessage()).contains("boolean expression"));
  }
}
