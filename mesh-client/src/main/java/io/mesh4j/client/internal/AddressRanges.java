package io.mesh4j.client.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An allow-list of address ranges in CIDR notation, IPv4 ({@code 10.0.0.0/8}) and IPv6
 * ({@code fd00::/8}); a bare address is a range of one. Only IP literals are matched: a host
 * name is never resolved here (resolving on the hot path would be slow, and the answer of a DNS
 * server is no better a witness than Consul's), so it is outside every range. Immutable.
 */
public final class AddressRanges {
  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  private final List<Range> ranges;

  private AddressRanges(List<Range> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /**
   * Parses {@code cidrs}.
   *
   * @throws IllegalArgumentException naming the entry that is not an address or whose prefix is out of range
   */
  public static AddressRanges parse(List<String> cidrs) {
    List<Range> out = new ArrayList<>(cidrs.size());
    for (String cidr : cidrs) {
      if (cidr == null || cidr.isBlank()) {
        throw new IllegalArgumentException("allowedInstanceAddresses has a blank or null entry: give ranges such as 10.0.0.0/8 or fd00::/8");
      }
      String c = cidr.trim();
      int slash = c.indexOf('/');
      byte[] address = literal(slash < 0 ? c : c.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException("allowedInstanceAddresses entry '" + c
            + "' is not an IPv4 or IPv6 address range: give ranges such as 10.0.0.0/8 or fd00::/8 (host names are not allowed)");
      }
      int bits = address.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(c.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
          throw new IllegalArgumentException("allowedInstanceAddresses entry '" + c + "' has a prefix length outside 0.."
              + bits + ": write it as address/length, e.g. " + (bits == 32 ? "10.0.0.0/8" : "fd00::/8"));
        }
      }
      out.add(new Range(address, prefix));
    }
    return new AddressRanges(out);
  }

  /** True if {@code host} is an IP literal inside one of the ranges; false for a host name. */
  public boolean contains(String host) {
    byte[] address = literal(host);
    if (address == null) {
      return false;
    }
    for (Range r : ranges) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** True if {@code host} is an IPv4 or IPv6 literal (brackets allowed around IPv6). */
  public static boolean isAddress(String host) {
    return literal(host) != null;
  }

  /** The bytes of an IP literal (4 for IPv4 and IPv4-mapped IPv6, 16 for IPv6), or null for anything else; never a DNS lookup. */
  static byte[] literal(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (IPV4.matcher(h).matches()) {
      return toBytes(h);
    }
    if (h.indexOf(':') >= 0) {
      // In brackets the JDK parses it as an IPv6 literal or throws: never a DNS lookup.
      return toBytes("[" + h + "]");
    }
    return null;
  }

  private static byte[] toBytes(String literal) {
    try {
      InetAddress a = InetAddress.getByName(literal);
      return a.getAddress(); // 4 bytes for IPv4-mapped IPv6 too
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "AddressRanges" + ranges;
  }

  private static final class Range {
    final byte[] network;
    final int prefix;

    Range(byte[] network, int prefix) {
      this.network = network;
      this.prefix = prefix;
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
      } catch (UnknownHostException e) {
        return "?/" + prefix;
      }
    }
  }
}
