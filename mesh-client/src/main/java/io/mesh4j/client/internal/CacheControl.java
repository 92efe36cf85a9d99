package io.mesh4j.client.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A response's {@code Cache-Control} as a shared cache reads it (RFC 9111 section 5.2): directives
 * separated by commas, over any number of header lines, names case-insensitive, values a token
 * or a quoted string (which may hold commas). Immutable.
 */
public final class CacheControl {
  /** RFC 9111 section 1.2.2: a delta-seconds too large to represent counts as 2^31. */
  static final long MAX_DELTA_SECONDS = 2147483648L;

  private final Map<String, String> directives;

  private CacheControl(Map<String, String> directives) {
    this.directives = directives;
  }

  /** Parses every {@code Cache-Control} line of a response (none: no directive). */
  public static CacheControl parse(List<String> headerValues) {
    Map<String, String> d = new HashMap<>();
    for (String line : headerValues) {
      parseLine(line, d);
    }
    return new CacheControl(d);
  }

  private static void parseLine(String s, Map<String, String> into) {
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ',' || s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
      int start = i;
      while (i < n && s.charAt(i) != '=' && s.charAt(i) != ',' && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
        i++;
      }
      if (i == start) { // "=x" with no name: skip to the next directive
        while (i < n && s.charAt(i) != ',') {
          i++;
        }
        continue;
      }
      String name = s.substring(start, i).toLowerCase(Locale.ROOT);
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
      String value = "";
      if (i < n && s.charAt(i) == '=') {
        i++;
        while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
          i++;
        }
        StringBuilder v = new StringBuilder();
        if (i < n && s.charAt(i) == '"') {
          i++;
          while (i < n && s.charAt(i) != '"') {
            if (s.charAt(i) == '\\' && i + 1 < n) {
              i++;
            }
            v.append(s.charAt(i++));
          }
          i++; // the closing quote (or the end of an unclosed one)
        } else {
          while (i < n && s.charAt(i) != ',' && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
            v.append(s.charAt(i++));
          }
        }
        value = v.toString();
      }
      // Skip anything up to the next comma (junk after a value).
      while (i < n && s.charAt(i) != ',') {
        i++;
      }
      String previous = into.putIfAbsent(name, value);
      if (previous != null && (name.equals("max-age") || name.equals("s-maxage"))) {
        // Conflicting duplicates: the shorter lifetime wins.
        into.put(name, seconds(previous) <= seconds(value) ? previous : value);
      }
    }
  }

  /** True when the directive is present, with or without a value. */
  public boolean has(String directive) {
    return directives.containsKey(directive.toLowerCase(Locale.ROOT));
  }

  /**
   * How long a shared cache may keep the answer, in seconds: {@code s-maxage}, else
   * {@code max-age}; -1 when neither is present. A value that is not a non-negative integer
   * counts as 0 (stale, RFC 9111 section 4.2.1).
   */
  public long sharedMaxAgeSeconds() {
    String v = directives.get("s-maxage");
    if (v == null) {
      v = directives.get("max-age");
    }
    return v == null ? -1 : seconds(v);
  }

  /**
   * True when a shared cache must not store the answer: {@code no-store}, {@code private} or
   * {@code no-cache} (also in their field-name forms, taken as the whole answer since this cache
   * does not revalidate), or a shared max age of 0.
   */
  public boolean forbidsSharedStorage() {
    return has("no-store") || has("private") || has("no-cache") || sharedMaxAgeSeconds() == 0;
  }

  static long seconds(String value) {
    if (value.isEmpty()) {
      return 0;
    }
    long s = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      s = s * 10 + (c - '0');
      if (s >= MAX_DELTA_SECONDS) {
        return MAX_DELTA_SECONDS;
      }
    }
    return s;
  }
}
