package io.mesh4j.examples.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

/**
 * One request through the gateway: what is known about it (for the answer and the access log
 * line) and how its answer is written, including the gateway's own JSON error bodies. Used by
 * one worker thread.
 */
final class GatewayCall {
  private static final ObjectMapper JSON = new ObjectMapper();

  final Request request;
  final Response response;
  final String method;
  final String requestId;
  final String rawPath;
  final String rawQuery;
  final String protocol;
  final SocketAddress remote;
  /** The request headers by name, case-insensitive; one entry per header line. */
  final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  int status;
  boolean responded;
  boolean written;
  String route;
  /** {@code apikey:<name>} or {@code jwt:<sub>} once authenticated. */
  String client;
  String cache;
  String authFailure;
  String failure;

  GatewayCall(Request request, Response response) {
    this.request = request;
    this.response = response;
    this.method = request.getMethod();
    for (HttpField f : request.getHeaders()) {
      headers.computeIfAbsent(f.getName(), k -> new ArrayList<>(1)).add(f.getValue());
    }
    String path = request.getHttpURI().getPath();
    this.rawPath = path == null || path.isEmpty() ? "/" : path;
    this.rawQuery = request.getHttpURI().getQuery();
    this.protocol = request.getConnectionMetaData().getProtocol();
    this.remote = request.getConnectionMetaData().getRemoteSocketAddress();
    String given = ForwardHeaders.acceptedRequestId(first(ForwardHeaders.REQUEST_ID));
    this.requestId = given != null ? given : newRequestId();
  }

  /** The first value of the request header {@code name}, or null. */
  String first(String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** The socket peer's address, or null when it is not an internet address. */
  InetAddress remoteAddress() {
    return remote instanceof InetSocketAddress a ? a.getAddress() : null;
  }

  /** The socket peer's address as text, or "unknown". */
  String remoteIp() {
    InetAddress a = remoteAddress();
    return a == null ? "unknown" : a.getHostAddress();
  }

  /** Answers with the gateway's own JSON error body: status, error code, message, request id. */
  void error(int status, String code, String message, Map<String, String> headers) throws IOException {
    HttpFields.Mutable out = response.getHeaders();
    headers.forEach(out::put);
    out.put("Content-Type", "application/json");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status);
    body.put("error", code);
    body.put("message", message);
    body.put("requestId", requestId);
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      bytes = ("{\"status\":" + status + "}").getBytes(StandardCharsets.US_ASCII);
    }
    send(status, bytes);
  }

  /** Writes the answer (no body where HTTP allows none) and waits until it is written. */
  void send(int status, byte[] body) throws IOException {
    response.getHeaders().put(ForwardHeaders.REQUEST_ID, requestId);
    this.status = status;
    this.responded = true;
    boolean noBody = method.equals("HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200);
    response.setStatus(status);
    ByteBuffer content = noBody || body.length == 0 ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body);
    if (!noBody) {
      response.getHeaders().put("Content-Length", Integer.toString(content.remaining()));
    }
    // Written before the handler returns, so the access log's status is what the client got.
    try (Blocker.Callback done = Blocker.callback()) {
      response.write(true, content, done);
      done.block();
    }
    this.written = true;
  }

  /** A random (version 4) UUID without SecureRandom's cost: an id, not a secret. */
  private static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
        .toString();
  }
}
