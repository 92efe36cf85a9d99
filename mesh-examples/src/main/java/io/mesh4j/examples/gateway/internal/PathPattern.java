package io.mesh4j.examples.gateway.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route's path pattern, such as {@code /users/{id}/orders/*} or {@code /static/**}: literal
 * segments, single-segment wildcards ({@code {name}} or {@code *}), and a trailing {@code **}
 * that matches zero or more remaining segments. Immutable and thread safe.
 */
public final class PathPattern {
  private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  // Ranks for "most specific wins": compared segment by segment, higher wins. END ranks above
  // REST so that /a beats /a/** for the path /a.
  private static final int LITERAL = 4;
  private static final int SINGLE = 3;
  private static final int END = 2;
  private static final int REST = 1;

  private final String text;
  private final int[] ranks;
  private final String[] literals;

  private PathPattern(String text, int[] ranks, String[] literals) {
    this.text = text;
    this.ranks = ranks;
    this.literals = literals;
  }

  /**
   * Parses {@code pattern}.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static PathPattern parse(String pattern) {
    if (pattern == null || !pattern.startsWith("/")) {
      throw new IllegalArgumentException("must start with '/'");
    }
    List<String> segments = split(pattern);
    int[] ranks = new int[segments.size()];
    String[] literals = new String[segments.size()];
    Set<String> params = new HashSet<>();
    for (int i = 0; i < segments.size(); i++) {
      String s = segments.get(i);
      if (s.equals("**")) {
        if (i != segments.size() - 1) {
          throw new IllegalArgumentException("'**' may only be the last segment");
        }
        ranks[i] = REST;
      } else if (s.equals("*")) {
        ranks[i] = SINGLE;
      } else if (s.startsWith("{") && s.endsWith("}")) {
        String name = s.substring(1, s.length() - 1);
        if (!PARAM_NAME.matcher(name).matches()) {
          throw new IllegalArgumentException("parameter '" + s + "' needs a name of letters, digits and '_'");
        }
        if (!params.add(name)) {
          throw new IllegalArgumentException("parameter {" + name + "} appears twice");
        }
        ranks[i] = SINGLE;
      } else if (s.isEmpty()) {
        throw new IllegalArgumentException("has an empty segment ('//' or a trailing '/')");
      } else if (s.indexOf('{') >= 0 || s.indexOf('}') >= 0 || s.indexOf('*') >= 0) {
        throw new IllegalArgumentException("segment '" + s + "' mixes text with '{', '}' or '*'; "
            + "a wildcard must be a whole segment");
      } else {
        ranks[i] = LITERAL;
        literals[i] = s;
      }
    }
    return new PathPattern(pattern, ranks, literals);
  }

  /** The segments of a path: {@code "/"} has none, {@code "/a/"} has {@code "a"} and {@code ""}. */
  public static List<String> split(String path) {
    if (path.equals("/") || path.isEmpty()) {
      return List.of();
    }
    String[] parts = path.substring(1).split("/", -1);
    List<String> out = new ArrayList<>(parts.length);
    for (String p : parts) {
      out.add(p);
    }
    return out;
  }

  /** True if the (decoded) {@code segments} of a request path match. */
  public boolean matches(List<String> segments) {
    int n = ranks.length;
    boolean rest = n > 0 && ranks[n - 1] == REST;
    int fixed = rest ? n - 1 : n;
    if (rest ? segments.size() < fixed : segments.size() != fixed) {
      return false;
    }
    for (int i = 0; i < fixed; i++) {
      String s = segments.get(i);
      if (ranks[i] == LITERAL ? !literals[i].equals(s) : s.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Positive if this pattern is more specific than {@code other} (both matching one path): a
   * literal beats a wildcard, a single wildcard beats {@code **}, compared from the left.
   */
  public int compareSpecificity(PathPattern other) {
    int n = Math.max(ranks.length, other.ranks.length) + 1;
    for (int i = 0; i < n; i++) {
      int a = i < ranks.length ? ranks[i] : END;
      int b = i < other.ranks.length ? other.ranks[i] : END;
      if (a != b) {
        return Integer.compare(a, b);
      }
      if (a == END || a == REST) {
        return 0;
      }
    }
    return 0;
  }

  /** True if some path matches both this pattern and {@code other}. */
  public boolean overlaps(PathPattern other) {
    boolean restA = ranks.length > 0 && ranks[ranks.length - 1] == REST;
    boolean restB = other.ranks.length > 0 && other.ranks[other.ranks.length - 1] == REST;
    int fixedA = restA ? ranks.length - 1 : ranks.length;
    int fixedB = restB ? other.ranks.length - 1 : other.ranks.length;
    for (int i = 0; i < Math.min(fixedA, fixedB); i++) {
      if (ranks[i] == LITERAL && other.ranks[i] == LITERAL && !literals[i].equals(other.literals[i])) {
        return false;
      }
    }
    if (restA && restB) {
      return true;
    }
    if (restA) {
      return fixedB >= fixedA;
    }
    if (restB) {
      return fixedA >= fixedB;
    }
    return fixedA == fixedB;
  }

  /**
   * The pattern with parameter names erased ({@code /users/{}/**}): two patterns with one shape
   * match exactly the same paths.
   */
  public String shape() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < ranks.length; i++) {
      b.append('/').append(ranks[i] == LITERAL ? literals[i] : ranks[i] == REST ? "**" : "{}");
    }
    return b.length() == 0 ? "/" : b.toString();
  }

  /** How many leading segments are literals equal to {@code prefix}'s segments; -1 if it is not such a prefix. */
  public int literalPrefixLength(String prefix) {
    List<String> p = split(prefix);
    if (p.size() > ranks.length) {
      return -1;
    }
    for (int i = 0; i < p.size(); i++) {
      if (ranks[i] != LITERAL || !literals[i].equals(p.get(i))) {
        return -1;
      }
    }
    return p.size();
  }

  /**
   * The percent-decoded segments of a raw path: the one canonical form that routing and
   * forwarding both see. A path that another server could read differently is refused
   * (the gateway answers 400), because a lenient backend would resolve it to a path the route
   * table never judged: {@code /api//admin} (merged slashes), {@code /api/admin;x} (dropped
   * parameters), {@code /api/admin%2Fusers} (a decoded slash), {@code /api/x/..%2Fadmin} (a
   * decoded dot segment). Refused: empty segments (including a trailing {@code /}), {@code .} and
   * {@code ..}, and segments whose decoded text holds {@code /}, {@code \}, {@code ;} or a
   * control character.
   *
   * @throws IllegalArgumentException saying which rule the path breaks
   */
  static List<String> decodeSegments(String rawPath) {
    if (!rawPath.startsWith("/")) {
      throw new IllegalArgumentException("the path must start with '/'");
    }
    List<String> raw = PathPattern.split(rawPath);
    List<String> out = new ArrayList<>(raw.size());
    for (String s : raw) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("the path may not have empty segments ('//' or a trailing '/')");
      }
      String d = percentDecode(s);
      if (d.equals(".") || d.equals("..")) {
        throw new IllegalArgumentException("the path may not have '.' or '..' segments");
      }
      for (int i = 0; i < d.length(); i++) {
        char c = d.charAt(i);
        if (c == '/' || c == '\\' || c == ';') {
          throw new IllegalArgumentException("a path segment may not hold '/', '\\' or ';', even percent-encoded");
        }
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
          throw new IllegalArgumentException("a path segment may not hold control characters");
        }
      }
      out.add(d);
    }
    return out;
  }

  private static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw new IllegalArgumentException("the path has a malformed percent escape");
        }
        bytes.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the path is not UTF-8 once decoded", e);
    }
  }

  @Override
  public String toString() {
    return text;
  }
}
