package io.mesh4j.api.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Removes secrets from headers before they reach a log line or an exception message. */
public final class Redaction {
  /** What a secret header's value is replaced with. */
  public static final String REDACTED = "<redacted>";

  private static final Set<String> SENSITIVE = Set.of(
      "authorization", "proxy-authorization", "cookie", "set-cookie",
      "x-consul-token", "x-api-key", "api-key", "x-auth-token");

  private Redaction() {}

  /** True for header names whose values are credentials. */
  public static boolean isSensitive(String headerName) {
    return headerName != null && SENSITIVE.contains(headerName.toLowerCase(Locale.ROOT));
  }

  /** An unmodifiable, case-insensitively ordered copy with sensitive values replaced. */
  public static Map<String, List<String>> redactHeaders(Map<String, ? extends List<String>> headers) {
    if (headers == null || headers.isEmpty()) {
      return Map.of();
    }
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((name, values) -> {
      if (name == null) {
        return;
      }
      List<String> safe = new ArrayList<>();
      if (values != null) {
        for (String v : values) {
          safe.add(isSensitive(name) ? REDACTED : v);
        }
      }
      copy.put(name, List.copyOf(safe));
    });
    return Collections.unmodifiableMap(copy);
  }

  /** At most {@code max} characters of {@code text}, marked when cut. */
  public static String excerpt(String text, int max) {
    if (text == null) {
      return "";
    }
    if (text.length() <= max) {
      return text;
    }
    return text.substring(0, max) + "...(" + (text.length() - max) + " more chars)";
  }
}
