package io.mesh4j.examples.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The route matcher against lenient backends: with {@code /api/**} public and
 * {@code /api/admin/**} guarded (both stripping {@code /api}), no raw path that a lenient server
 * would normalise into the guarded prefix (merging slashes, dropping {@code ;params}, decoding
 * {@code %2F} and {@code %5C}, resolving dot segments, in either order of decoding and dropping
 * parameters) is routed to the public route; and what the public route forwards normalises
 * outside {@code /admin} too. Raw paths are built from pieces chosen to hit those rules.
 *
 * <p>A jqwik property (its engine runs beside Jupiter's): a fixed seed and a bounded number of
 * tries keep it short and repeatable; Jupiter's {@code @Timeout} does not apply to jqwik, and
 * nothing here blocks.
 */
class CanonicalPathPropertyTest {
  private static final RouteTable<String> ROUTES = RouteTable.<String>builder()
      .add("/api/**", Set.of("GET"), "public")
      .add("/api/admin/**", Set.of("GET"), "admin")
      .build();
  private static final List<String> PIECES = List.of("api", "admin", "Admin", "users", "x", "", ".", "..",
      ";", ";x", "%3B", "%3bx", "%2F", "%2f", "%2e", "%2E", "%2e%2e", "%5C", "%5c", "\\", "%252F", "%00", "%09",
      "/", "//", "a.b", "%61dmin");

  @Provide
  Arbitrary<String> rawPaths() {
    Arbitrary<String> segment = Arbitraries.of(PIECES).list().ofMinSize(1).ofMaxSize(3)
        .map(parts -> String.join("", parts));
    // Most paths start with /api so that the interesting cases are common.
    Arbitrary<String> rest = segment.list().ofMinSize(0).ofMaxSize(5).map(s -> String.join("/", s));
    return Arbitraries.oneOf(rest.map(r -> "/api/" + r), rest.map(r -> "/" + r));
  }

  @Property(tries = 5000, seed = "20261202")
  void noPathALenientBackendReadsAsAdminIsRoutedPublic(@ForAll("rawPaths") String raw) {
    List<String> segments;
    try {
      segments = PathPattern.decodeSegments(raw);
    } catch (IllegalArgumentException refused) {
      Statistics.collect("refused (400)");
      return;
    }
    String route = ROUTES.find("GET", segments).route();
    Statistics.collect(route == null ? "no route" : route);
    if (!"public".equals(route)) {
      return;
    }
    for (List<String> read : List.of(decodeThenDropParams(raw), dropParamsThenDecode(raw))) {
      assertFalse(read.size() >= 2 && read.get(0).equals("api") && read.get(1).equals("admin"),
          raw + " is routed public but a lenient server reads it as " + read);
    }
    // What the backend receives: the segments after /api, each percent-encoded.
    StringBuilder forwarded = new StringBuilder();
    for (String s : segments.subList(1, segments.size())) {
      forwarded.append('/').append(encode(s));
    }
    String sent = forwarded.length() == 0 ? "/" : forwarded.toString();
    for (List<String> read : List.of(decodeThenDropParams(sent), dropParamsThenDecode(sent))) {
      assertFalse(!read.isEmpty() && read.get(0).equals("admin"),
          raw + " is forwarded as " + sent + ", which a lenient backend reads as " + read);
    }
  }

  @Example
  void theIssuesAttackPathsAreRefused() {
    for (String raw : List.of("/api//admin/users", "/api/admin;x/users", "/api/admin%2Fusers",
        "/api/x/..%2Fadmin/users", "/api/x%2F..%2Fadmin/users", "/api/%2F..%2Fadmin/users")) {
      assertThrows(IllegalArgumentException.class, () -> PathPattern.decodeSegments(raw), raw);
    }
    assertEquals(List.of("api", "admin", "users"), PathPattern.decodeSegments("/api/%61dmin/users"),
        "an escaped letter is the letter: routed as the guarded path");
    assertEquals("admin", ROUTES.find("GET", PathPattern.decodeSegments("/api/%61dmin/users")).route());
  }

  private static List<String> decodeThenDropParams(String raw) {
    return normalise(dropParams(decode(raw).replace('\\', '/')));
  }

  private static List<String> dropParamsThenDecode(String raw) {
    return normalise(decode(dropParams(raw.replace('\\', '/'))).replace('\\', '/'));
  }

  /** Cuts {@code ;...} off every segment. */
  private static String dropParams(String path) {
    StringBuilder b = new StringBuilder();
    for (String s : path.split("/", -1)) {
      int semi = s.indexOf(';');
      b.append(semi < 0 ? s : s.substring(0, semi)).append('/');
    }
    return b.substring(0, b.length() - 1);
  }

  /** Merges slashes and resolves dot segments. */
  private static List<String> normalise(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(s);
    }
    return out;
  }

  /** Decodes every well-formed escape once; anything else is kept. */
  private static String decode(String s) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
          && Character.digit(s.charAt(i + 2), 16) >= 0) {
        b.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        b.write(bytes, 0, bytes.length);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static String encode(String segment) {
    StringBuilder b = new StringBuilder();
    for (byte x : segment.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xFF);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        b.append(c);
      } else {
        b.append('%').append(String.format("%02X", (int) c));
      }
    }
    return b.toString();
  }
}
