package io.mesh4j.examples.gateway.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A per-address request limit applied before anything else (routing, authentication), so a flood
 * of bad credentials or bad paths from one address is cut off. Fixed one-minute windows of the
 * injected clock, counted in this gateway instance only (no Redis round trip before
 * authentication). IPv4 addresses count one by one; IPv6 addresses are aggregated by /64, the
 * block one subscriber usually gets. Behind a trusted proxy the client is the right-most
 * {@code X-Forwarded-For} address that is not itself a trusted proxy. Thread safe.
 */
public final class IpRateLimiter {
  /** Distinct keys tracked per window; beyond it, new keys share one bucket. */
  static final int MAX_KEYS = 100_000;
  private static final String OVERFLOW = "overflow";

  private final int perMinute;
  private final Clock clock;
  private final AtomicReference<Window> window = new AtomicReference<>(new Window(Long.MIN_VALUE));

  /** Allows {@code perMinute} requests per client address (or IPv6 /64) per minute of {@code clock}. */
  public IpRateLimiter(int perMinute, Clock clock) {
    this.perMinute = perMinute;
    this.clock = clock;
  }

  /** The limit per minute. */
  public int limit() {
    return perMinute;
  }

  /**
   * Counts one request from {@code key}; returns 0 if it is allowed, else the seconds until the
   * window ends (for {@code Retry-After}).
   */
  public long acquire(String key) {
    long now = clock.millis();
    long minute = Math.floorDiv(now, 60_000L);
    Window w = window.get();
    while (w.minute != minute) {
      Window next = new Window(minute);
      if (window.compareAndSet(w, next)) {
        w = next;
        break;
      }
      w = window.get();
    }
    AtomicInteger count = w.counts.get(key);
    if (count == null) {
      String k = w.counts.size() >= MAX_KEYS ? OVERFLOW : key;
      count = w.counts.computeIfAbsent(k, x -> new AtomicInteger());
    }
    if (count.incrementAndGet() <= perMinute) {
      return 0;
    }
    long end = (minute + 1) * 60_000L;
    return Math.max(1, (end - now + 999) / 1000);
  }

  /**
   * The key of the client of a request from {@code peer}: the peer itself, or behind trusted
   * proxies the right-most {@code X-Forwarded-For} address that is not a trusted proxy (a
   * malformed entry ends the walk at the last address known good).
   */
  public static String clientKey(InetAddress peer, List<String> forwardedFor, TrustedProxies trusted) {
    InetAddress client = peer;
    if (peer != null && forwardedFor != null && trusted.contains(peer)) {
      List<String> hops = new java.util.ArrayList<>();
      for (String line : forwardedFor) {
        for (String hop : line.split(",")) {
          hops.add(hop.trim());
        }
      }
      for (int i = hops.size() - 1; i >= 0 && trusted.contains(client); i--) {
        InetAddress a = literal(hops.get(i));
        if (a == null) {
          break;
        }
        client = a;
      }
    }
    return key(client);
  }

  /** IPv4 as is, IPv6 by its /64 ({@code 2001:db8:1:2::/64}). */
  static String key(InetAddress a) {
    if (a == null) {
      return "unknown";
    }
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      StringBuilder s = new StringBuilder(24);
      for (int i = 0; i < 8; i += 2) {
        s.append(Integer.toHexString(((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF))).append(':');
      }
      return s.append(":/64").toString();
    }
    return a.getHostAddress();
  }

  /** An IP literal (IPv6 possibly in brackets), or null; never a DNS lookup. */
  private static InetAddress literal(String s) {
    String v = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    if (v.isEmpty() || !v.matches("[0-9A-Fa-f:.]+") || (v.indexOf(':') < 0 && v.chars().filter(c -> c == '.').count() != 3)) {
      return null;
    }
    try {
      return InetAddress.getByName(v);
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  private static final class Window {
    final long minute;
    final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    Window(long minute) {
      this.minute = minute;
    }
  }
}
