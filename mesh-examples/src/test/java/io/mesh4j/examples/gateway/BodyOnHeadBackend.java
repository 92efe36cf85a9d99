package io.mesh4j.examples.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that breaks RFC 9110 section 9.3.2 on purpose, which no HTTP server library would: it
 * answers HEAD with a header section and then {@link #GARBAGE} content bytes, and keeps the
 * connection open. GET gets a normal JSON answer. One thread per connection; {@link #close()}
 * ends them all.
 */
final class BodyOnHeadBackend implements AutoCloseable {
  static final String GARBAGE = "GARBAGE";

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger heads = new AtomicInteger();

  private BodyOnHeadBackend(ServerSocket server) {
    this.server = server;
  }

  static BodyOnHeadBackend start() {
    try {
      BodyOnHeadBackend b = new BodyOnHeadBackend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      Thread t = new Thread(b::accept, "body-on-head-backend");
      t.setDaemon(true);
      t.start();
      return b;
    } catch (IOException e) {
      throw new IllegalStateException("could not open the body-on-HEAD backend's socket", e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  /** How many HEAD requests were answered. */
  int heads() {
    return heads.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "body-on-head-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      String requestLine;
      while ((requestLine = in.readLine()) != null) {
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
          // Requests to this backend carry no content (GET and HEAD only).
        }
        String answer;
        if (requestLine.startsWith("HEAD ")) {
          heads.incrementAndGet();
          answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + GARBAGE.length()
              + "\r\nETag: \"v3\"\r\n\r\n" + GARBAGE;
        } else {
          String body = "{\"ok\":true}";
          answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
              + "\r\n\r\n" + body;
        }
        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException e) {
      // The gateway closed the connection, or close() did.
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // Closing anyway.
      }
    }
  }
}
