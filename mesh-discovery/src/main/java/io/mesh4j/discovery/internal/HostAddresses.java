package io.mesh4j.discovery.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Enumeration;

/** Finds an address other machines can probably reach this one at. */
public final class HostAddresses {
  private HostAddresses() {}

  /**
   * The first site-local IPv4 address of an interface that is up and not loopback, in interface
   * order; else {@code 127.0.0.1}.
   */
  public static String firstSiteLocalOrLoopback() {
    try {
      Enumeration<NetworkInterface> nics = NetworkInterface.getNetworkInterfaces();
      if (nics != null) {
        for (NetworkInterface nic : Collections.list(nics)) {
          if (!nic.isUp() || nic.isLoopback()) {
            continue;
          }
          for (InetAddress a : Collections.list(nic.getInetAddresses())) {
            if (a instanceof Inet4Address && a.isSiteLocalAddress() && !a.isLoopbackAddress()) {
              return a.getHostAddress();
            }
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces readable: fall back to loopback
    }
    return "127.0.0.1";
  }
}
