package io.mesh4j.client.internal;

import io.mesh4j.api.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;

/**
 * A path like {@code /users/{id}/orders/{orderId}}, parsed once; variables are filled in order
 * and each value is percent-encoded as one path segment (so {@code "a/b"} cannot climb paths).
 */
public final class PathTemplate {
  /** Templates parsed so far: a call's template is parsed once, not per call. */
  private static final ConcurrentHashMap<String, PathTemplate> PARSED = new ConcurrentHashMap<>();
  /**
   * The most templates kept. A caller that writes values into the template instead of passing
   * them fills this and then parses per call, as before; memory stays bounded.
   */
  static final int MAX_CACHED = 1024;

  private final String template;
  private final List<String> literals = new ArrayList<>();
  private final List<String> names = new ArrayList<>();

  private PathTemplate(String template) {
    this.template = template;
    int i = 0;
    StringBuilder lit = new StringBuilder();
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '{') {
        int end = template.indexOf('}', i);
        Checks.argument(end > i + 1, "path template %s has an unclosed or empty {}", template);
        literals.add(lit.toString());
        lit.setLength(0);
        names.add(template.substring(i + 1, end));
        i = end + 1;
      } else {
        Checks.argument(c != '}', "path template %s has a stray }", template);
        lit.append(c);
        i++;
      }
    }
    literals.add(lit.toString());
  }

  /** Parses {@code template}, which must start with '/'. */
  public static PathTemplate parse(String template) {
    Checks.notNull(template, "path");
    PathTemplate t = PARSED.get(template);
    if (t != null) {
      return t;
    }
    Checks.argument(template.startsWith("/"), "path must start with '/', was '%s'", template);
    t = new PathTemplate(template);
    if (PARSED.size() < MAX_CACHED) {
      PARSED.putIfAbsent(template, t);
    }
    return t;
  }

  /** How many variables the template has. */
  public int variableCount() {
    return names.size();
  }

  /** The template text. */
  public String template() {
    return template;
  }

  /** Appends the expanded path (its segments) to {@code url}. */
  public void expandInto(HttpUrl.Builder url, Object[] values) {
    if (values.length != names.size()) { // not Checks.argument: its varargs would box per call
      throw new IllegalArgumentException("path " + template + " needs " + names.size() + " values, got "
          + values.length);
    }
    StringBuilder encoded = new StringBuilder();
    for (int k = 0; k < names.size(); k++) {
      encoded.append(literals.get(k));
      Object v = Checks.notNull(values[k], "path variable {" + names.get(k) + "}");
      encoded.append(encodeSegment(String.valueOf(v)));
    }
    encoded.append(literals.get(names.size()));
    url.encodedPath(encoded.toString());
  }

  private static String encodeSegment(String raw) {
    if (isUnreserved(raw)) {
      return raw; // ids and most values: nothing to encode, no throwaway HttpUrl
    }
    // URLs resolve "." and ".." (and %2E%2E) as dot segments: such a value would climb the path.
    Checks.argument(!raw.equals(".") && !raw.equals(".."), "a path value must not be '.' or '..', was '%s'", raw);
    // HttpUrl encodes as one segment: '/' becomes %2F, spaces %20, and so on.
    return new HttpUrl.Builder().scheme("http").host("h").addPathSegment(raw).build().encodedPath().substring(1);
  }

  private static boolean isUnreserved(String s) {
    if (s.isEmpty() || s.equals(".") || s.equals("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return template;
  }
}
