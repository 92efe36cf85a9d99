package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Makes connects to a listener that no longer accepts hang, as they do to a host that drops SYNs:
 * it opens connections of its own until the listen backlog is full. Linux then drops every further
 * SYN (with {@code net.ipv4.tcp_abort_on_overflow=0}, the default), so a client's connect waits
 * until its own connect timeout. Connections that completed their handshake before the backlog
 * filled stay in it, unanswered, until accepting resumes.
 */
public final class BacklogFiller implements AutoCloseable {
  /**
   * How long a connect must stay pending before the backlog counts as full. A loopback handshake
   * takes microseconds, but a loaded machine may defer it; a SYN dropped by a full backlog is not
   * sent again before its first retransmission after 1 s, and is dropped again anyway.
   */
  private static final Duration PROBE = Duration.ofMillis(750);
  /** More than the backlog (plus what clients may already hold in it) is a sign the loop accepts. */
  private static final int MAX_FILLERS = ProxyLoop.BACKLOG * 4;

  private final ProxyLoop loop;
  private final List<SocketChannel> fillers = new ArrayList<>();

  private BacklogFiller(ProxyLoop loop) {
    this.loop = loop;
  }

  /**
   * Fills the backlog of {@code loop}'s listener, which must have stopped accepting.
   *
   * @throws IllegalStateException if connects still complete after many connections
   */
  public static BacklogFiller fill(ProxyLoop loop) {
    BacklogFiller f = new BacklogFiller(loop);
    try {
      f.fillUp();
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e instanceof IllegalStateException ise ? ise
          : new IllegalStateException("filling the listen backlog of " + loop.address() + " failed", e);
    }
    return f;
  }

  private void fillUp() throws IOException {
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < MAX_FILLERS; i++) {
        SocketChannel s = SocketChannel.open();
        s.configureBlocking(false);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        loop.fillerPorts().add(port);
        if (connects(s, loop.address(), selector)) {
          fillers.add(s);
        } else {
          // Pending past the probe: the backlog is full. This connect is dropped, not queued.
          loop.fillerPorts().remove(port);
          s.setOption(StandardSocketOptions.SO_LINGER, 0);
          s.close();
          return;
        }
      }
    }
    throw new IllegalStateException("the fault proxy on " + loop.address() + " still completed connects after "
        + MAX_FILLERS + " filler connections; it is still accepting, or the kernel answers SYNs of a full"
        + " backlog (net.ipv4.tcp_abort_on_overflow=1 would refuse them instead of letting them hang)");
  }

  private static boolean connects(SocketChannel s, InetSocketAddress target, Selector selector)
      throws IOException {
    if (s.connect(target)) {
      return true;
    }
    SelectionKey key = s.register(selector, SelectionKey.OP_CONNECT);
    try {
      long deadline = System.nanoTime() + PROBE.toNanos();
      while (System.nanoTime() - deadline < 0) {
        selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        selector.selectedKeys().clear();
        try {
          if (s.finishConnect()) {
            return true;
          }
        } catch (IOException e) {
          throw new IllegalStateException("a filler connect to the fault proxy was refused: " + e, e);
        }
      }
      return false;
    } finally {
      key.cancel();
      selector.selectNow();
    }
  }

  /** Closes the filler connections; the loop drops their accepted halves once it accepts again. */
  @Override
  public void close() {
    for (SocketChannel s : fillers) {
      try {
        s.close();
      } catch (IOException e) {
        // Closing anyway.
      }
    }
    fillers.clear();
  }

  /**
   * Closes the filler connections after the loop accepts again, and waits (bounded) until it has
   * accepted and dropped them all, so that no stale filler port can later be mistaken for a client.
   */
  public void release(Duration timeout) {
    close();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!loop.fillerPorts().isEmpty() && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    loop.fillerPorts().clear();
  }
}
