package io.mesh4j.client.internal;

import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Header rules of every attempt: hop-by-hop names, request ids. */
public final class HttpHeaders {
  /** The header carrying the request id across services. */
  public static final String REQUEST_ID = "X-Request-ID";
  /** The header a response from the response cache carries. */
  public static final String CACHE = "X-Cache";

  // RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded.
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization");

  private HttpHeaders() {}

  /** True for headers a client must not pass on. */
  public static boolean isHopByHop(String name) {
    return HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT));
  }

  /** A fresh request id (a random UUID, without SecureRandom's cost on the hot path). */
  public static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
  }
}
