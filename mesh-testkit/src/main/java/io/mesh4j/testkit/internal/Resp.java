package io.mesh4j.testkit.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal Redis (RESP2) connection for the testkit's own admin commands: cluster setup,
 * health checks, CLIENT KILL. Tests use a real client library for their data.
 */
public final class Resp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /** Connects to {@code node} with the given timeout in milliseconds for connect and reads. */
  public Resp(InetSocketAddress node, int timeoutMillis) throws IOException {
    this(node, timeoutMillis, null);
  }

  /**
   * Connects to {@code node}, over TLS when {@code tls} is not null (the handshake is done here),
   * with the given timeout in milliseconds for connect, handshake and reads.
   */
  public Resp(InetSocketAddress node, int timeoutMillis, SSLSocketFactory tls) throws IOException {
    Socket plain = new Socket();
    Socket s = plain;
    try {
      plain.connect(node, timeoutMillis);
      plain.setSoTimeout(timeoutMillis);
      plain.setTcpNoDelay(true);
      if (tls != null) {
        SSLSocket secure = (SSLSocket) tls.createSocket(plain, node.getHostString(), node.getPort(), true);
        s = secure;
        secure.startHandshake();
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    socket = s;
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** One command and its reply: String, Long, List, null, or a {@link RespError} for an error reply. */
  public static Object call(InetSocketAddress node, String... args) throws IOException {
    try (Resp r = new Resp(node, 5_000)) {
      return r.command(args);
    }
  }

  /** Sends a command and reads its reply. */
  public Object command(String... args) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      buf.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buf.writeBytes(b);
      buf.writeBytes(new byte[] {'\r', '\n'});
    }
    out.write(buf.toByteArray());
    out.flush();
    return read();
  }

  private Object read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new IOException("connection closed by server");
    }
    String line = readLine();
    switch (type) {
      case '+':
        return line;
      case '-':
        return new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len);
        in.readNBytes(2);
        return new String(data, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type byte " + type);
    }
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read();
        break;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** An error reply ({@code -ERR ...}). */
  public static final class RespError {
    private final String message;

    RespError(String message) {
      this.message = message;
    }

    /** The error text. */
    public String message() {
      return message;
    }

    @Override
    public String toString() {
      return "-" + message;
    }
  }
}
