package io.mesh4j.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.mesh4j.api.internal.Checks;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the response cache keeps of a GET answer: status, content type, body, and the request
 * values of the headers the answer's {@code Vary} named (a lookup whose values differ is a miss).
 * The value type of the {@code DistributedCache} or {@code TwoLevelCache} given to
 * {@link ServiceMeshClient.Builder#responseCache}; stored as JSON (the body base64-encoded by
 * Jackson), never with Java serialization. Immutable.
 */
public final class CachedResponse {
  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> vary;

  /** A cached answer that varies on nothing. */
  public CachedResponse(int status, String contentType, byte[] body) {
    this(status, contentType, body, null);
  }

  /**
   * A cached answer.
   *
   * @param vary lower-case header names of the answer's {@code Vary}, each with the value the
   *     request had (null: the request did not carry it); null or empty: varies on nothing
   */
  @JsonCreator
  public CachedResponse(@JsonProperty("status") int status, @JsonProperty("contentType") String contentType,
      @JsonProperty("body") byte[] body, @JsonProperty("vary") Map<String, String> vary) {
    Checks.inRange(status, 100, 599, "status");
    this.status = status;
    this.contentType = contentType;
    this.body = body == null ? new byte[0] : body.clone();
    this.vary = vary == null || vary.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(vary));
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

  /** The varied-on header names (lower case) with the request values they were stored for; values may be null. */
  @JsonProperty("vary")
  public Map<String, String> vary() {
    return vary;
  }

  byte[] bodyNoCopy() {
    return body;
  }

  @Override
  public String toString() {
    return "CachedResponse{" + status + ", " + contentType + ", " + body.length + " bytes"
        + (vary.isEmpty() ? "" : ", vary " + vary.keySet()) + "}";
  }
}
