package io.mesh4j.examples.gateway.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The addresses whose {@code X-Forwarded-For} the gateway believes: single addresses or CIDR
 * ranges ({@code 10.0.0.0/8}, {@code fd00::/8}). Only literal addresses are accepted, never
 * host names (a name would be resolved once, at start, and silently go stale). Immutable and
 * thread safe.
 */
public final class TrustedProxies {
  private static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of(), List.of());
  private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  private final List<byte[]> networks;
  private final List<Integer> prefixes;
  private final List<String> text;

  private TrustedProxies(List<byte[]> networks, List<Integer> prefixes, List<String> text) {
    this.networks = List.copyOf(networks);
    this.prefixes = List.copyOf(prefixes);
    this.text = List.copyOf(text);
  }

  /** No trusted proxy: every client's {@code X-Forwarded-For} is replaced by the socket peer. */
  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Parses addresses and CIDR ranges.
   *
   * @throws IllegalArgumentException naming the entry that is not an IP address or range
   */
  public static TrustedProxies of(Collection<String> entries) {
    List<byte[]> nets = new ArrayList<>();
    List<Integer> prefixes = new ArrayList<>();
    List<String> text = new ArrayList<>();
    for (String entry : entries) {
      Args.notNull(entry, "trusted proxy");
      String e = entry.trim();
      int slash = e.indexOf('/');
      String addr = slash < 0 ? e : e.substring(0, slash);
      if (!LITERAL.matcher(addr).matches() || (addr.indexOf(':') < 0 && addr.chars().filter(c -> c == '.').count() != 3)) {
        throw new IllegalArgumentException("trusted proxy \"" + e + "\" is not an IP address or CIDR range "
            + "(such as 10.0.0.5, 10.0.0.0/8 or fd00::/8); host names are not accepted");
      }
      byte[] bytes;
      try {
        bytes = InetAddress.getByName(addr).getAddress();
      } catch (UnknownHostException ex) {
        throw new IllegalArgumentException("trusted proxy \"" + e + "\" is not an IP address", ex);
      }
      int bits = bytes.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(e.substring(slash + 1));
        } catch (NumberFormatException ex) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
          throw new IllegalArgumentException("trusted proxy \"" + e + "\" has a prefix length outside 0-" + bits);
        }
      }
      nets.add(bytes);
      prefixes.add(prefix);
      text.add(e);
    }
    return nets.isEmpty() ? NONE : new TrustedProxies(nets, prefixes, text);
  }

  /** True if {@code address} is one of the trusted proxies. */
  public boolean contains(InetAddress address) {
    if (address == null || networks.isEmpty()) {
      return false;
    }
    byte[] a = address.getAddress();
    for (int i = 0; i < networks.size(); i++) {
      if (inNetwork(a, networks.get(i), prefixes.get(i))) {
        return true;
      }
    }
    return false;
  }

  /** True if the first {@code prefix} bits of {@code a} and {@code network} are equal (same family). */
  static boolean inNetwork(byte[] a, byte[] network, int prefix) {
    if (a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (a[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
