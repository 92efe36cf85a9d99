package io.mesh4j.examples.gateway.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 section 7.6.1), and any header
 * the {@code Connection} header names, are meaningful for one connection only and never
 * forwarded, in either direction. Framing headers are the server's and client's own business.
 */
public final class ForwardHeaders {
  /** The request id header, taken from the client when well formed, else made here. */
  public static final String REQUEST_ID = "X-Request-ID";
  /** Who the gateway authenticated; set by the gateway only (a client's own is dropped). */
  public static final String AUTHENTICATED_CLIENT = "X-Authenticated-Client";
  /**
   * What mesh4j shows in place of a secret header's value in {@code CallFailedException.headers()}:
   * such a value is not the backend's, and is never copied to the client.
   */
  public static final String REDACTED = "<redacted>";

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization");
  // Set by the gateway or by the HTTP layers on each side, never copied across. Accept-Encoding
  // too: OkHttp then asks for gzip itself and decompresses, so a body (and a cached body) reaches
  // the client as plain bytes whatever the client accepted.
  private static final Set<String> REQUEST_OWN = Set.of("host", "content-length", "content-type", "expect",
      "accept-encoding",
      "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-authenticated-client");
  /**
   * Request headers that backends and frameworks trust to name the client, the scheme, the
   * method or the path (Spring's {@code ForwardedHeaderFilter}, IIS URL rewrite, Rails' method
   * override...). Only the gateway knows these facts; a client's copies are dropped.
   */
  static final Set<String> SPOOFABLE = Set.of("forwarded", "x-real-ip", "true-client-ip", "x-client-ip",
      "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server", "x-forwarded-ssl",
      "x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url");
  private static final Pattern HOST = Pattern.compile(
      "(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?|\\[[0-9A-Fa-f:.]{2,45}\\])(?::([0-9]{1,5}))?");
  private static final Set<String> RESPONSE_OWN = Set.of("content-length", "date", "server", "x-cache",
      "x-request-id");
  private static final Pattern REQUEST_ID_VALUE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private ForwardHeaders() {}

  /** True for headers meaningful on one connection only. */
  public static boolean isHopByHop(String name) {
    return HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT));
  }

  /** The lower-case names listed in the {@code Connection} header(s), which are hop-by-hop too. */
  public static Set<String> connectionListed(List<String> connectionValues) {
    Set<String> names = new HashSet<>();
    if (connectionValues != null) {
      for (String v : connectionValues) {
        for (String token : v.split(",")) {
          String t = token.trim().toLowerCase(Locale.ROOT);
          if (!t.isEmpty()) {
            names.add(t);
          }
        }
      }
    }
    return names;
  }

  /**
   * True if the client's request header {@code name} goes to the backend. {@code consumed} are
   * the (lower-case) credential headers the gateway checked itself and does not pass on.
   */
  public static boolean forwardRequestHeader(String name, Set<String> connectionListed, Set<String> consumed) {
    String n = name.toLowerCase(Locale.ROOT);
    return !HOP_BY_HOP.contains(n) && !REQUEST_OWN.contains(n) && !SPOOFABLE.contains(n) && !connectionListed.contains(n)
        && !consumed.contains(n);
  }

  /** True if the backend's response header {@code name} goes to the client. */
  public static boolean forwardResponseHeader(String name, Set<String> connectionListed) {
    String n = name.toLowerCase(Locale.ROOT);
    return !HOP_BY_HOP.contains(n) && !RESPONSE_OWN.contains(n) && !connectionListed.contains(n);
  }

  /**
   * True if {@code host} is a syntactically valid {@code Host} value: a host name (letters, digits,
   * {@code .}, {@code -}, {@code _}), an IPv4 address or a bracketed IPv6 literal, with an optional
   * port from 0 to 65535. No user info, path, spaces or controls: the value is forwarded as
   * {@code X-Forwarded-Host}, which backends use to build links.
   */
  public static boolean validHost(String host) {
    if (host == null) {
      return false;
    }
    java.util.regex.Matcher m = HOST.matcher(host);
    if (!m.matches()) {
      return false;
    }
    return m.group(1) == null || Integer.parseInt(m.group(1)) <= 65535;
  }

  /** The client's request id when it is safe to pass on and log (short, no spaces or controls), else null. */
  public static String acceptedRequestId(String value) {
    return value != null && REQUEST_ID_VALUE.matcher(value).matches() ? value : null;
  }

  /** One header value from several lines: {@code Cookie} joins with "; ", everything else with ", ". */
  public static String join(String name, List<String> values) {
    return String.join(name.equalsIgnoreCase("Cookie") ? "; " : ", ", values);
  }

  /** The {@code Connection} values of a header map with case-insensitive or exact keys. */
  public static List<String> connectionValues(Map<String, List<String>> headers) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase("Connection")) {
        return e.getValue();
      }
    }
    return List.of();
  }
}
