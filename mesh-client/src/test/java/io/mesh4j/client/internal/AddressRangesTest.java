package io.mesh4j.client.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AddressRangesTest {
  @Test
  void ipv4RangesMatchByPrefix() {
    AddressRanges r = AddressRanges.parse(List.of("10.0.0.0/8", "192.168.1.17", "172.16.0.0/12"));
    assertTrue(r.contains("10.255.3.4"));
    assertTrue(r.contains("192.168.1.17"));
    assertFalse(r.contains("192.168.1.18"));
    assertTrue(r.contains("172.31.255.255"));
    assertFalse(r.contains("172.32.0.0"));
    assertFalse(r.contains("169.254.169.254"));
    assertFalse(r.contains("11.0.0.1"));
  }

  @Test
  void ipv6RangesMatchAndFamiliesStayApart() {
    AddressRanges r = AddressRanges.parse(List.of("fd00::/8", "2001:db8:1::/48", "[::1]"));
    assertTrue(r.contains("fd12:3456::1"));
    assertTrue(r.contains("[fd12:3456::1]"));
    assertTrue(r.contains("2001:db8:1:ffff::9"));
    assertFalse(r.contains("2001:db8:2::9"));
    assertTrue(r.contains("::1"));
    assertFalse(r.contains("127.0.0.1"), "an IPv4 address is not inside an IPv6 range");
    assertTrue(AddressRanges.parse(List.of("127.0.0.0/8")).contains("::ffff:127.0.0.5"), "IPv4-mapped IPv6 is its IPv4 address");
    assertTrue(AddressRanges.parse(List.of("0.0.0.0/0")).contains("8.8.8.8"));
    assertFalse(AddressRanges.parse(List.of("0.0.0.0/0")).contains("2001:db8::1"));
  }

  @Test
  void namesAndOddFormsAreNeverInsideNorLookedUp() {
    AddressRanges r = AddressRanges.parse(List.of("0.0.0.0/0", "::/0"));
    assertFalse(r.contains("localhost"));
    assertFalse(r.contains("attacker.example"));
    assertFalse(r.contains("127.1"), "legacy short IPv4 forms are names here");
    assertFalse(r.contains("0x7f.0.0.1"));
    assertFalse(r.contains("evil.example:80"));
    assertFalse(r.contains("1::2::3"));
    assertFalse(r.contains(""));
    assertFalse(r.contains(null));
  }

  @Test
  void badEntriesAreRefusedNamingThem() {
    for (String bad : List.of("10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "example.com/8", "300.1.1.1", " ")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AddressRanges.parse(List.of(bad)), bad);
      assertTrue(e.getMessage().contains("allowedInstanceAddresses"), e.getMessage());
    }
  }
}
