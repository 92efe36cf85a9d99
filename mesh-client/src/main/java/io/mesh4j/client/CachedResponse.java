package io.mesh4j.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.mesh4j.api.internal.Checks;

/**
 * What the response cache keeps of a GET answer: status, content type and body. The value type
 * of the {@code DistributedCache} or {@code TwoLevelCache} given to
 * {@link ServiceMeshClient.Builder#responseCache}; stored as JSON (the body base64-encoded by
 * Jackson), never with Java serialization. Immutable.
 */
public final class CachedResponse {
  private final int status;
  private final String contentType;
  private final byte[] body;

  /** A cached answer. */
  @JsonCreator
  public CachedResponse(@JsonProperty("status") int status, @JsonProperty("contentType") String contentType,
      @JsonProperty("body") byte[] body) {
    Checks.inRange(status, 100, 599, "status");
    this.status = status;
    this.contentType = contentType;
    this.body = body == null ? new byte[0] : body.clone();
  }

  /** The status code. */
  @JsonProperty("status")
  public int status() {
    return status;
  }

  /** The Content-Type header, or null. */
  @JsonProperty("contentType")
  public String contentType() {
    return contentType;
  }

  /** The body (a copy). */
  @JsonProperty("body")
  public byte[] body() {
    return body.clone();
  }

  byte[] bodyNoCopy() {
    return body;
  }

  @Override
  public String toString() {
    return "CachedResponse{" + status + ", " + contentType + ", " + body.length + " bytes}";
  }
}
