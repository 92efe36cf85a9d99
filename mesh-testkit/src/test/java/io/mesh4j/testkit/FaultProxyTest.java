package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.FaultProxy.Direction;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each fault's effect on real sockets, through the proxy to an echo server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultProxyTest {
  private EchoServer echo;
  private FaultProxy proxy;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    proxy = FaultProxy.start("127.0.0.1", echo.port());
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    proxy.close();
    echo.close();
  }

  @Test
  void forwardsBothWaysAndCountsBytesAndConnections() throws IOException {
    byte[] data = pattern(100_000);
    try (Socket s = connect()) {
      s.getOutputStream().write(data);
      assertArrayEquals(data, readFully(s, data.length));
      assertEquals(1, proxy.connections());
      assertEquals(1, proxy.openConnections());
    }
    // The loop counts a write just after making it, so the client may read the bytes first.
    await("every byte counted", Duration.ofSeconds(5), () -> proxy.bytes(Direction.DOWNSTREAM) == 100_000);
    assertEquals(100_000, proxy.bytes(Direction.UPSTREAM));
    assertEquals(200_000, proxy.bytes(Direction.BOTH));
    await("the closed connection is no longer open", Duration.ofSeconds(5), () -> proxy.openConnections() == 0);
    assertTrue(proxy.host().startsWith("127."));
    assertEquals(proxy.port(), proxy.address().getPort());
  }

  @Test
  void latencyDelaysEachDirectionAndClearRemovesIt() throws IOException {
    Socket s = connect();
    proxy.latency(Direction.DOWNSTREAM, Duration.ofMillis(300), Duration.ZERO);
    assertTrue(roundTripMillis(s, 10) >= 300, "downstream latency");
    proxy.latency(Direction.UPSTREAM, Duration.ofMillis(200), Duration.ZERO);
    assertTrue(roundTripMillis(s, 10) >= 500, "both directions add up");
    proxy.latency(Direction.BOTH, Duration.ofSeconds(20), Duration.ZERO);
    proxy.clear();
    assertTrue(roundTripMillis(s, 10) < 10_000, "cleared on the open connection");
  }

  @Test
  void jitterVariesTheDelayWithinItsBoundsAndNeverReorders() throws IOException {
    Socket s = connect();
    proxy.latency(Direction.DOWNSTREAM, Duration.ofMillis(60), Duration.ofMillis(50));
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 25; i++) {
      long ms = roundTripMillis(s, 1_000);
      min = Math.min(min, ms);
      max = Math.max(max, ms);
    }
    assertTrue(min >= 10, "never less than latency - jitter, was " + min);
    assertTrue(max - min >= 15, "jitter varies the delay: min " + min + " max " + max);
  }

  @Test
  void latencySetLaterAppliesToBytesAlreadyWaitingAndClearReleasesThem() throws IOException {
    Socket s = connect();
    proxy.latency(Direction.DOWNSTREAM, Duration.ofSeconds(30), Duration.ZERO);
    byte[] data = pattern(500);
    s.getOutputStream().write(data);
    await("the echo server answered into the proxy", Duration.ofSeconds(5), () -> echo.received() == 500);
    s.setSoTimeout(300);
    assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
    long start = System.nanoTime();
    proxy.clear();
    s.setSoTimeout(5_000);
    assertArrayEquals(data, readFully(s, data.length));
    assertTrue(millisSince(start) < 5_000);
  }

  @Test
  void bandwidthLimitsTheRate() throws IOException {
    Socket s = connect();
    proxy.bandwidth(Direction.DOWNSTREAM, 20_000);
    byte[] data = pattern(40_000);
    long start = System.nanoTime();
    s.getOutputStream().write(data);
    assertArrayEquals(data, readFully(s, data.length));
    long ms = millisSince(start);
    assertTrue(ms >= 1_700, "40 kB at 20 kB/s takes about 2 s, took " + ms + " ms");
  }

  @Test
  void latencyAndBandwidthCombine() throws IOException {
    Socket s = connect();
    proxy.latency(Direction.UPSTREAM, Duration.ofMillis(400), Duration.ZERO)
        .bandwidth(Direction.DOWNSTREAM, 10_000);
    byte[] data = pattern(10_000);
    long start = System.nanoTime();
    s.getOutputStream().write(data);
    assertArrayEquals(data, readFully(s, data.length));
    long ms = millisSince(start);
    assertTrue(ms >= 400 + 800, "400 ms latency and 10 kB at 10 kB/s, took " + ms + " ms");
  }

  @Test
  void dripTricklesTheBytesInSmallPieces() throws IOException {
    Socket s = connect();
    proxy.drip(Direction.DOWNSTREAM, 1, Duration.ofMillis(50));
    byte[] data = pattern(20);
    long start = System.nanoTime();
    s.getOutputStream().write(data);
    InputStream in = s.getInputStream();
    byte[] got = new byte[20];
    int off = 0;
    int reads = 0;
    while (off < got.length) {
      int n = in.read(got, off, got.length - off);
      assertTrue(n > 0, "no end of stream");
      off += n;
      reads++;
    }
    long ms = millisSince(start);
    assertArrayEquals(data, got);
    assertTrue(ms >= 19 * 50 - 20, "20 bytes, one per 50 ms, took " + ms + " ms");
    assertTrue(reads >= 5, "the bytes came in pieces, in " + reads + " reads");
  }

  @Test
  void resetNowResetsOpenConnectionsOnceAndNewOnesWork() throws IOException {
    Socket s = connect();
    roundTripMillis(s, 10);
    proxy.resetNow();
    assertThrows(SocketException.class, () -> {
      s.getOutputStream().write(pattern(10));
      s.getInputStream().read();
    });
    try (Socket fresh = connect()) {
      roundTripMillis(fresh, 10);
    }
  }

  @Test
  void resetAfterDeliversThatManyBytesThenResets() throws IOException {
    Socket s = connect();
    proxy.resetAfter(Direction.DOWNSTREAM, 100);
    byte[] data = pattern(1_000);
    s.getOutputStream().write(data);
    InputStream in = s.getInputStream();
    byte[] got = new byte[1_000];
    int off = 0;
    try {
      int n;
      while ((n = in.read(got, off, got.length - off)) > 0) {
        off += n;
      }
    } catch (SocketException expected) {
      // The reset.
    }
    assertEquals(100, off, "exactly the allowed bytes arrived before the reset");
    assertEquals(100, proxy.bytes(Direction.DOWNSTREAM));
  }

  @Test
  void blackholeAcceptsReadsNeverAnswersNeverClosesAndClearResetsItsVictims() throws IOException {
    Socket before = connect();
    roundTripMillis(before, 10);
    proxy.blackhole();
    long up = proxy.bytes(Direction.UPSTREAM);
    Socket during = connect();
    during.getOutputStream().write(pattern(100_000)); // read and discarded: the write does not block
    before.getOutputStream().write(pattern(10));
    during.setSoTimeout(500);
    before.setSoTimeout(500);
    assertThrows(SocketTimeoutException.class, () -> during.getInputStream().read(), "never answers, never closes");
    assertThrows(SocketTimeoutException.class, () -> before.getInputStream().read(), "an open connection falls in too");
    assertEquals(up, proxy.bytes(Direction.UPSTREAM), "nothing reached the upstream");
    assertEquals(1, echo.accepted(), "the new connection never reached the upstream");

    proxy.clear();
    during.setSoTimeout(5_000);
    assertThrows(SocketException.class, () -> during.getInputStream().read(), "its byte stream broken, it is reset");
    try (Socket after = connect()) {
      roundTripMillis(after, 10);
    }
  }

  @Test
  void refuseAcceptMakesNewConnectsHangWhileOpenConnectionsGoOn() throws IOException {
    Socket open = connect();
    roundTripMillis(open, 10); // accepted by the proxy, not just by the kernel's backlog
    proxy.refuseAccept();
    try (Socket s = new Socket()) {
      long start = System.nanoTime();
      assertThrows(SocketTimeoutException.class, () -> s.connect(proxy.address(), 700), "connect hangs");
      assertTrue(millisSince(start) >= 600);
    }
    roundTripMillis(open, 10);
    proxy.clear();
    try (Socket s = connect()) {
      roundTripMillis(s, 10);
    }
  }

  @Test
  void halfOpenCloseSendsFinButKeepsReading() throws IOException {
    Socket s = connect();
    roundTripMillis(s, 10);
    proxy.halfOpenClose();
    assertEquals(-1, s.getInputStream().read(), "the client sees end of stream");
    long before = echo.received();
    s.getOutputStream().write(pattern(50));
    await("the proxy still reads and forwards", Duration.ofSeconds(5), () -> echo.received() == before + 50);
    try (Socket fresh = connect()) {
      assertEquals(-1, fresh.getInputStream().read(), "new connections too");
    }
  }

  @Test
  void partitionHoldsBytesBothWaysAndHangsConnectsUntilCleared() throws IOException {
    Socket s = connect();
    roundTripMillis(s, 10);
    proxy.partition();
    byte[] data = pattern(300);
    long received = echo.received();
    s.getOutputStream().write(data);
    s.setSoTimeout(500);
    assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
    assertEquals(received, echo.received(), "no byte reached the upstream");
    try (Socket other = new Socket()) {
      assertThrows(SocketTimeoutException.class, () -> other.connect(proxy.address(), 500), "connect hangs");
    }
    proxy.clear();
    s.setSoTimeout(5_000);
    assertArrayEquals(data, readFully(s, data.length), "held, not lost");
    try (Socket fresh = connect()) {
      roundTripMillis(fresh, 10);
    }
  }

  @Test
  void partitionOverLatencyThenClearLeavesNoFault() throws IOException {
    Socket s = connect();
    proxy.latency(Direction.BOTH, Duration.ofSeconds(20), Duration.ZERO).partition().clear();
    assertTrue(roundTripMillis(s, 10) < 10_000);
    proxy.refuseAccept().clear().refuseAccept().clear();
    try (Socket fresh = connect()) {
      roundTripMillis(fresh, 10);
    }
  }

  @Test
  void closeResetsConnectionsAndFreesThePort() throws IOException {
    Socket s = connect();
    roundTripMillis(s, 10);
    proxy.close();
    assertThrows(IOException.class, () -> {
      if (s.getInputStream().read() < 0) {
        throw new SocketException("end of stream");
      }
    });
    try (Socket other = new Socket()) {
      assertThrows(ConnectException.class, () -> other.connect(proxy.address(), 2_000));
    }
    assertThrows(IllegalStateException.class, proxy::blackhole);
  }

  @Test
  void anUpstreamThatRefusesResetsTheClient() throws IOException {
    int port = echo.port();
    echo.close();
    try (FaultProxy dead = FaultProxy.start("127.0.0.1", port); Socket s = new Socket()) {
      assertThrows(IOException.class, () -> {
        // On a loaded machine the reset can arrive while connect() is still returning.
        s.connect(dead.address(), 2_000);
        s.setSoTimeout(5_000); // the reset may already have arrived
        if (s.getInputStream().read() < 0) {
          throw new SocketException("end of stream");
        }
      });
    }
  }

  @Test
  void manyConnectionsAtOnceWhileFaultsChange() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          int ok = 0;
          try (Socket s = connect()) {
            for (int i = 0; i < 100; i++) {
              roundTripMillis(s, 2_000);
              ok++;
            }
          }
          return ok;
        }));
      }
      for (int i = 0; i < 20; i++) {
        proxy.latency(Direction.BOTH, Duration.ofMillis(i % 3), Duration.ofMillis(1)).bandwidth(Direction.UPSTREAM, 10_000_000);
        proxy.clear();
      }
      for (Future<Integer> r : results) {
        assertEquals(100, r.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void settingsAreCheckedWithTheirNames() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> proxy.latency(Direction.UPSTREAM, Duration.ofMillis(-1), Duration.ZERO));
    assertTrue(e.getMessage().contains("latency"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> proxy.bandwidth(Direction.UPSTREAM, -1));
    assertThrows(IllegalArgumentException.class, () -> proxy.drip(Direction.UPSTREAM, 1, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> proxy.resetAfter(Direction.UPSTREAM, -1));
    assertThrows(IllegalArgumentException.class, () -> FaultProxy.start("127.0.0.1", 0));
  }

  // ------------------------------------------------------------------------------------------

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(proxy.address(), 2_000);
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    synchronized (sockets) {
      sockets.add(s);
    }
    return s;
  }

  /** Sends {@code n} bytes and reads their echo; the milliseconds it took. */
  private static long roundTripMillis(Socket s, int n) throws IOException {
    byte[] data = pattern(n);
    long start = System.nanoTime();
    s.getOutputStream().write(data);
    assertArrayEquals(data, readFully(s, n));
    return millisSince(start);
  }

  private static byte[] readFully(Socket s, int n) throws IOException {
    byte[] b = new byte[n];
    int off = 0;
    InputStream in = s.getInputStream();
    while (off < n) {
      int r = in.read(b, off, n - off);
      if (r < 0) {
        throw new SocketException("end of stream after " + off + " of " + n + " bytes");
      }
      off += r;
    }
    return b;
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      }
    }
  }
}
