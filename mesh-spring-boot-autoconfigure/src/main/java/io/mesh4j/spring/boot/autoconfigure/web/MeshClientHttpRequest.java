package io.mesh4j.spring.boot.autoconfigure.web;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.client.MeshRequest;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceMeshClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.AbstractBufferingClientHttpRequest;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.util.UriUtils;

/** One Spring request run as one mesh call (buffered body; retries re-send it). Not thread safe. */
final class MeshClientHttpRequest extends AbstractBufferingClientHttpRequest {
  /** Headers the mesh or OkHttp own (framing, connection), never copied from Spring's request. */
  private static final Set<String> NOT_COPIED = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length",
      "content-type");

  private final ServiceMeshClient mesh;
  private final String service;
  private final URI uri;
  private final HttpMethod method;

  /** A request to {@code service} for {@code uri}'s path and query. */
  MeshClientHttpRequest(ServiceMeshClient mesh, String service, URI uri, HttpMethod method) {
    this.mesh = mesh;
    this.service = service;
    this.uri = uri;
    this.method = method;
  }

  @Override
  public HttpMethod getMethod() {
    return method;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  protected ClientHttpResponse executeInternal(HttpHeaders headers, byte[] body) {
    MeshRequest request = mesh.service(service).request(method.name(), path());
    addQuery(request);
    headers.forEach((name, values) -> {
      if (!NOT_COPIED.contains(name.toLowerCase(Locale.ROOT)) && !values.isEmpty()) {
        request.header(name, String.join(", ", values));
      }
    });
    if (body.length > 0) {
      String type = headers.getContentType() != null ? headers.getContentType().toString() : "application/octet-stream";
      request.body(body, type);
    }
    try {
      MeshResponse answer = request.execute();
      return new MeshClientHttpResponse(answer.status(), answer.headers(), answer.bodyBytes());
    } catch (CallFailedException e) {
      // Spring's status handlers decide what a 4xx/5xx means; the mesh has had its retries.
      return new MeshClientHttpResponse(e.status(), e.headers(), e.bodyExcerpt().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The raw (still percent-encoded) path: the mesh takes it as a template without variables. */
  private String path() {
    String raw = uri.getRawPath();
    return raw == null || raw.isEmpty() ? "/" : raw;
  }

  private void addQuery(MeshRequest request) {
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      // Percent-decoding only ('+' stays a plus, as RFC 3986 reads it); the mesh encodes again.
      request.query(UriUtils.decode(name, StandardCharsets.UTF_8), UriUtils.decode(value, StandardCharsets.UTF_8));
    }
  }
}
