package io.mesh4j.examples.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of JSON values for {@link GatewayConfigParser}: each returns the value, or null after
 * recording a problem that names where it is, the field and what was expected. Not thread safe.
 */
final class ConfigReader {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private final List<String> problems = new ArrayList<>();

  /** Records a problem with the value at {@code where}. */
  void problem(String where, String what) {
    problems.add(where + ": " + what);
  }

  /** Records a problem that concerns the whole file. */
  void add(String problem) {
    problems.add(problem);
  }

  /** Every problem so far, in order. */
  List<String> problems() {
    return problems;
  }

  /** How many problems so far. */
  int count() {
    return problems.size();
  }

  /** How many problems so far start with {@code prefix}. */
  int about(String prefix) {
    int n = 0;
    for (String p : problems) {
      if (p.startsWith(prefix)) {
        n++;
      }
    }
    return n;
  }

  void unknownFields(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        problem(where, "unknown field '" + f + "' (known: " + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
  }

  String required(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      problem(where, "field '" + field + "' is required");
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      problem(where, "field '" + field + "' must be a non-empty string");
      return null;
    }
    return v.asText();
  }

  String string(JsonNode v, String where) {
    return string(v, where, null);
  }

  String string(JsonNode v, String where, String field) {
    if (!v.isTextual() || v.asText().isBlank()) {
      problem(where, fieldLabel(field) + "must be a non-empty string");
      return null;
    }
    return v.asText();
  }

  boolean bool(JsonNode v, String where, String field) {
    if (!v.isBoolean()) {
      problem(where, "field '" + field + "' must be true or false, was " + v);
      return false;
    }
    return v.asBoolean();
  }

  /** A whole number; {@code field} (may be null) is named in the problem. */
  Integer integer(JsonNode v, String where, String field, int min, int max) {
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      problem(where, fieldLabel(field) + "must be a whole number from " + min + " to " + max + ", was " + v);
      return null;
    }
    return v.asInt();
  }

  Integer integer(JsonNode v, String where, int min, int max) {
    return integer(v, where, null, min, max);
  }

  Duration duration(JsonNode v, String where, Duration min, Duration max) {
    return duration(v, where, null, min, max);
  }

  static String fieldLabel(String field) {
    return field == null ? "" : "field '" + field + "' ";
  }

  /** A duration such as "250ms" or "2s"; {@code field} (may be null) is named in the problem. */
  Duration duration(JsonNode v, String where, String field, Duration min, Duration max) {
    Matcher m = v.isTextual() ? DURATION.matcher(v.asText()) : null;
    if (m == null || !m.matches()) {
      problem(where, fieldLabel(field) + "must be a duration such as \"250ms\", \"2s\", \"1m\" or \"1h\", was " + v);
      return null;
    }
    long n = Long.parseLong(m.group(1));
    Duration d;
    switch (m.group(2)) {
      case "ms":
        d = Duration.ofMillis(n);
        break;
      case "s":
        d = Duration.ofSeconds(n);
        break;
      case "m":
        d = Duration.ofMinutes(n);
        break;
      default:
        d = Duration.ofHours(n);
        break;
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(where, fieldLabel(field) + "must be from " + human(min) + " to " + human(max) + ", was " + v);
      return null;
    }
    return d;
  }

  static String human(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.getSeconds();
    if (s % 86400 == 0) {
      return (s / 86400) + "d";
    }
    if (s % 3600 == 0) {
      return (s / 3600) + "h";
    }
    if (s % 60 == 0) {
      return (s / 60) + "m";
    }
    return s + "s";
  }
}
