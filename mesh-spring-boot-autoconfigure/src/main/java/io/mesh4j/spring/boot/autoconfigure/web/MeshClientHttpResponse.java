package io.mesh4j.spring.boot.autoconfigure.web;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;

/** A fully read answer of a mesh call, as Spring's client response. */
final class MeshClientHttpResponse implements ClientHttpResponse {
  private final int status;
  private final HttpHeaders headers = new HttpHeaders();
  private final byte[] body;

  MeshClientHttpResponse(int status, Map<String, List<String>> headers, byte[] body) {
    this.status = status;
    headers.forEach((name, values) -> this.headers.addAll(name, values));
    this.body = body;
  }

  @Override
  public HttpStatusCode getStatusCode() {
    return HttpStatusCode.valueOf(status);
  }

  @Override
  public String getStatusText() {
    HttpStatus known = HttpStatus.resolve(status);
    return known == null ? "" : known.getReasonPhrase();
  }

  @Override
  public HttpHeaders getHeaders() {
    return headers;
  }

  @Override
  public InputStream getBody() {
    return new ByteArrayInputStream(body);
  }

  @Override
  public void close() {
    // Nothing held open: the body was read whole by the mesh.
  }
}
