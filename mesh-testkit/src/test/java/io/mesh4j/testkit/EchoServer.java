package io.mesh4j.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A blocking TCP echo server on a free loopback port, counting what it received. */
final class EchoServer implements AutoCloseable {
  private final ServerSocket server;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  EchoServer() throws IOException {
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "echo-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
  }

  long received() {
    return received.get();
  }

  long accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        sockets.add(s);
        Thread t = new Thread(() -> echo(s), "echo-" + s.getPort());
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void echo(Socket s) {
    byte[] buf = new byte[8192];
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        received.addAndGet(n);
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // The peer reset or the server closed: the echo of this connection ends.
    } finally {
      sockets.remove(s);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
