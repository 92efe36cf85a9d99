package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One proxied connection: the client's socket, the upstream socket (absent while the connection
 * sits in a black hole), and a {@link ProxyPipe} each way. Used by the loop thread only.
 */
final class ProxyLink {
  final SocketChannel client;
  SocketChannel upstream;
  SelectionKey clientKey;
  SelectionKey upstreamKey;
  final ProxyPipe up = new ProxyPipe(this, ProxyFaults.UP);
  final ProxyPipe down = new ProxyPipe(this, ProxyFaults.DOWN);
  /** In a black hole: every byte read is dropped, nothing is written. Sticky. */
  boolean discarding;
  /** The client's read side was closed by a half-open close. Sticky. */
  boolean halfClosed;
  boolean connecting;
  boolean closed;

  ProxyLink(SocketChannel client) {
    this.client = client;
    up.source = client;
    down.sink = client;
  }

  ProxyPipe pipe(int dir) {
    return dir == ProxyFaults.UP ? up : down;
  }

  /** The upstream socket connected: it becomes the sink of one pipe and the source of the other. */
  void upstreamConnected() {
    connecting = false;
    up.sink = upstream;
    down.source = upstream;
  }

  /** Closes the client's read side (it sees end of stream) and drops what the upstream sends. */
  void halfClose() throws IOException {
    if (!halfClosed) {
      halfClosed = true;
      down.discardQueue();
      down.outputShut = true;
      client.shutdownOutput();
    }
  }

  /** Sets the interest of both keys from the pipes' state. */
  void updateInterest(ProxyFaults f) {
    if (closed) {
      return;
    }
    if (clientKey != null && clientKey.isValid()) {
      clientKey.interestOps((up.wantsRead(f) ? SelectionKey.OP_READ : 0)
          | (down.blocked ? SelectionKey.OP_WRITE : 0));
    }
    if (upstreamKey != null && upstreamKey.isValid()) {
      upstreamKey.interestOps(connecting ? SelectionKey.OP_CONNECT
          : (down.wantsRead(f) ? SelectionKey.OP_READ : 0) | (up.blocked ? SelectionKey.OP_WRITE : 0));
    }
  }

  /** True once both directions have delivered their end of stream. */
  boolean finished() {
    return up.outputShut && down.outputShut;
  }

  /** Closes both sockets; with {@code reset}, the client gets a TCP RST (SO_LINGER 0), not a FIN. */
  void close(boolean reset) {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(client, reset);
    if (upstream != null) {
      closeQuietly(upstream, reset);
    }
  }

  private static void closeQuietly(SocketChannel c, boolean reset) {
    try {
      if (reset && c.isOpen()) {
        set(c, StandardSocketOptions.SO_LINGER, 0);
      }
      c.close();
    } catch (IOException e) {
      // Closing anyway; a socket that cannot close cleanly is gone for our purpose.
    }
  }

  private static <T> void set(SocketChannel c, SocketOption<T> option, T value) {
    try {
      c.setOption(option, value);
    } catch (IOException | UnsupportedOperationException e) {
      // An unconnected or already reset socket: a plain close is all that is left.
    }
  }
}
