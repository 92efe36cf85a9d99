package io.mesh4j.examples.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Sends requests byte for byte over a socket, so that a test controls exactly what the gateway
 * reads: a request line no HTTP client would send as is, duplicate or odd headers, a body cut short.
 */
final class RawHttp {
  private RawHttp() {}

  /** The status code and body of the answer to a request with the given raw request line target. */
  static Answer get(URI base, String target, String... headerLines) throws IOException {
    StringBuilder b = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
    boolean host = false;
    for (String h : headerLines) {
      host |= h.regionMatches(true, 0, "Host:", 0, 5);
      b.append(h).append("\r\n");
    }
    if (!host) {
      b.append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
    }
    b.append("Connection: close\r\n\r\n");
    return exchange(base, b.toString().getBytes(StandardCharsets.ISO_8859_1), false);
  }

  /**
   * Writes {@code request} and reads the answer until the gateway closes; with {@code halfClose}
   * the client's side is shut down after writing, as a client that hung up early.
   */
  static Answer exchange(URI base, byte[] request, boolean halfClose) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      if (halfClose) {
        s.shutdownOutput();
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      int n;
      try {
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
        }
      } catch (java.net.SocketException e) {
        // A reset after the answer: what was read is the answer.
      }
      return Answer.parse(out.toString(StandardCharsets.ISO_8859_1));
    }
  }

  /** A parsed answer; status -1 when the connection closed with no answer. */
  record Answer(int status, String head, String body) {
    static Answer parse(String text) {
      if (!text.startsWith("HTTP/1.1 ")) {
        return new Answer(-1, text, "");
      }
      int end = text.indexOf("\r\n\r\n");
      String head = end < 0 ? text : text.substring(0, end);
      return new Answer(Integer.parseInt(text.substring(9, 12)), head, end < 0 ? "" : text.substring(end + 4));
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }
}
