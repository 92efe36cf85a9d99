package io.mesh4j.discovery.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code /v1/health/service/<name>} body with Jackson's streaming parser, keeping only
 * what {@link HealthEntries} turns into instances ({@link HealthEntry}: {@code Node.Address};
 * {@code Service.ID}, {@code Address}, {@code Port}, {@code Tags}, {@code Meta}) and skipping
 * everything else unread into objects: {@code Checks}, tagged addresses, proxy and connect
 * blocks, indexes. A 2,000-instance answer is some 2.7 MB of JSON of which a watch needs a few
 * percent; binding all of it (consul-client's ServiceHealth, Node, Service and HealthCheck
 * objects) was most of a watch's CPU per update (issue 15).
 *
 * <p>Anything else than the documented shape (not JSON, cut short, a field of another type, an
 * entry without its {@code Node} or {@code Service}) is a {@link MalformedAnswerException} naming
 * the endpoint and the place; unknown fields are skipped, so newer agents' additions pass.
 * Stateless and thread safe.
 */
final class HealthAnswerParser {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.defaults())
      .build();

  private HealthAnswerParser() {}

  /**
   * The entries of {@code body}, or null when the body is JSON {@code null}.
   *
   * @param endpoint the path asked, named in error messages (no query: it carries no secret, but
   *     a filter could be long)
   * @throws MalformedAnswerException when the body is not a health answer
   * @throws IOException when reading the body fails
   */
  static List<HealthEntry> parse(InputStream body, String endpoint) throws IOException {
    try (JsonParser p = JSON.createParser(body)) {
      return parse(p, endpoint);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw malformed(e.getLocation(), e.getOriginalMessage(), endpoint, e);
    }
  }

  /** As {@link #parse(InputStream, String)}, for a body already read whole. */
  static List<HealthEntry> parse(byte[] body, String endpoint) throws IOException {
    return parse(body, body.length, endpoint);
  }

  /** As {@link #parse(InputStream, String)}, for a body read whole into {@code body[0, length)}. */
  static List<HealthEntry> parse(byte[] body, int length, String endpoint) throws IOException {
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      return parse(p, endpoint);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw malformed(e.getLocation(), e.getOriginalMessage(), endpoint, e);
    }
  }

  /**
   * The one entry that {@code body[offset, offset + length)} holds, for
   * {@link IncrementalHealthParser}; null when those bytes are not exactly one well-formed entry
   * (the caller then reads the whole body with {@link #parse(byte[], String)}, whose error names
   * the place in the body).
   */
  static HealthEntry entry(byte[] body, int offset, int length, String endpoint) {
    try (JsonParser p = JSON.createParser(body, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      HealthEntry e = entry(p, endpoint);
      return p.nextToken() == null ? e : null;
    } catch (IOException | RuntimeException e) { // MalformedAnswerException and Jackson's own
      return null;
    }
  }

  private static List<HealthEntry> parse(JsonParser p, String endpoint) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(p, t, JsonToken.START_ARRAY, "the answer", endpoint);
    List<HealthEntry> out = new ArrayList<>();
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      expect(p, t, JsonToken.START_OBJECT, "an entry", endpoint);
      out.add(entry(p, endpoint));
    }
    if (p.nextToken() != null) {
      throw malformed(p, "more after the end of the list", endpoint, null);
    }
    return out;
  }

  private static HealthEntry entry(JsonParser p, String endpoint) throws IOException {
    String nodeAddress = null;
    boolean node = false;
    boolean service = false;
    String id = null;
    String address = null;
    int port = 0;
    List<String> tags = List.of();
    Map<String, String> meta = Map.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if ("Node".equals(field)) {
        expect(p, t, JsonToken.START_OBJECT, "Node", endpoint);
        node = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          if ("Address".equals(f)) {
            nodeAddress = string(p, v, "Node.Address", endpoint);
          } else {
            p.skipChildren();
          }
        }
      } else if ("Service".equals(field)) {
        expect(p, t, JsonToken.START_OBJECT, "Service", endpoint);
        service = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          switch (f) {
            case "ID" -> id = string(p, v, "Service.ID", endpoint);
            case "Address" -> address = string(p, v, "Service.Address", endpoint);
            case "Port" -> {
              expect(p, v, JsonToken.VALUE_NUMBER_INT, "Service.Port", endpoint);
              port = p.getIntValue();
            }
            case "Tags" -> tags = tags(p, v, endpoint);
            case "Meta" -> meta = meta(p, v, endpoint);
            default -> p.skipChildren();
          }
        }
      } else {
        p.skipChildren(); // Checks, and whatever a newer agent adds
      }
    }
    if (!node || !service) {
      throw malformed(p, "an entry without its " + (node ? "Service" : "Node") + " object", endpoint, null);
    }
    return new HealthEntry(id, address, nodeAddress, port, tags, meta);
  }

  private static List<String> tags(JsonParser p, JsonToken t, String endpoint) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return List.of();
    }
    expect(p, t, JsonToken.START_ARRAY, "Service.Tags", endpoint);
    List<String> out = new ArrayList<>(4);
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      expect(p, t, JsonToken.VALUE_STRING, "a tag in Service.Tags", endpoint);
      out.add(p.getText());
    }
    return out;
  }

  private static Map<String, String> meta(JsonParser p, JsonToken t, String endpoint) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    expect(p, t, JsonToken.START_OBJECT, "Service.Meta", endpoint);
    Map<String, String> out = new HashMap<>(8);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      expect(p, p.nextToken(), JsonToken.VALUE_STRING, "the value of Service.Meta." + key, endpoint);
      out.put(key, p.getText());
    }
    return out;
  }

  /** A string, or null for JSON null. */
  private static String string(JsonParser p, JsonToken t, String what, String endpoint) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(p, t, JsonToken.VALUE_STRING, what, endpoint);
    return p.getText();
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken want, String what, String endpoint)
      throws MalformedAnswerException {
    if (got != want) {
      throw malformed(p, what + " should be " + describe(want) + " but is " + (got == null ? "missing (the body ends)"
          : describe(got)), endpoint, null);
    }
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_ARRAY -> "a JSON array";
      case START_OBJECT -> "a JSON object";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a decimal number";
      case VALUE_NULL -> "null";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      default -> t.toString();
    };
  }

  private static MalformedAnswerException malformed(JsonParser p, String what, String endpoint, Throwable cause) {
    return malformed(p.currentLocation(), what, endpoint, cause);
  }

  private static MalformedAnswerException malformed(com.fasterxml.jackson.core.JsonLocation at, String what,
      String endpoint, Throwable cause) {
    String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new MalformedAnswerException("Consul's answer to " + endpoint + " is not a health list: " + what + where,
        cause);
  }
}
