package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback ports that are free now and not handed out before by this JVM. Random in a
 * range rather than the kernel's ephemeral ones, so that several test JVMs on one machine rarely
 * race for the same port, and so that {@code port + 10000} (Redis's cluster bus) stays valid.
 */
public final class FreePorts {
  private static final int LOW = 20_000;
  private static final int HIGH = 29_999;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** One free port. */
  public static int next() {
    return next(0);
  }

  /** A port {@code p} such that both {@code p} and {@code p + busOffset} are free (offset 0: just p). */
  public static int next(int busOffset) {
    for (int tries = 0; tries < 2_000; tries++) {
      int p = ThreadLocalRandom.current().nextInt(LOW, HIGH + 1);
      if (HANDED_OUT.contains(p) || (busOffset > 0 && HANDED_OUT.contains(p + busOffset))) {
        continue;
      }
      if (isFree(p) && (busOffset == 0 || isFree(p + busOffset))) {
        if (HANDED_OUT.add(p)) {
          if (busOffset > 0) {
            HANDED_OUT.add(p + busOffset);
          }
          return p;
        }
      }
    }
    throw new IllegalStateException("no free loopback port found in " + LOW + "-" + HIGH);
  }

  /** True if a TCP listener can bind the port on 127.0.0.1 now. */
  public static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
