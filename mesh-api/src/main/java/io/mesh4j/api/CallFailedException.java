package io.mesh4j.api;

import io.mesh4j.api.internal.Redaction;
import java.util.List;
import java.util.Map;

/**
 * A service answered, but not with success (for HTTP: a non-2xx status), after every policy
 * had its turn. Carries the status, the headers (credentials redacted) and a bounded excerpt of
 * the body.
 */
public class CallFailedException extends MeshException {
  private static final long serialVersionUID = 1L;

  /** The most body characters kept. */
  public static final int MAX_BODY_EXCERPT = 1024;

  private final int status;
  private final transient Map<String, List<String>> headers;
  private final String bodyExcerpt;
  private final String instanceId;

  /**
   * @param serviceName the service called
   * @param instanceId the instance that gave the answer (may be null)
   * @param status the status code
   * @param headers the response headers; sensitive ones are redacted here
   * @param body the body, cut to {@link #MAX_BODY_EXCERPT} characters here
   */
  public CallFailedException(String serviceName, String instanceId, int status,
      Map<String, ? extends List<String>> headers, String body) {
    super(serviceName, "call to service '" + serviceName + "'"
        + (instanceId == null ? "" : " (instance " + instanceId + ")") + " failed with status " + status
        + excerptForMessage(body));
    this.status = status;
    this.instanceId = instanceId;
    this.headers = Redaction.redactHeaders(headers);
    this.bodyExcerpt = Redaction.excerpt(body, MAX_BODY_EXCERPT);
  }

  private static String excerptForMessage(String body) {
    if (body == null || body.isEmpty()) {
      return "";
    }
    return ": " + Redaction.excerpt(body.replaceAll("\\s+", " "), 200);
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** The response headers, with credentials redacted; case-insensitive keys. */
  public Map<String, List<String>> headers() {
    return headers == null ? Map.of() : headers;
  }

  /** At most {@link #MAX_BODY_EXCERPT} characters of the body. */
  public String bodyExcerpt() {
    return bodyExcerpt;
  }

  /** The instance that answered; null when unknown. */
  public String instanceId() {
    return instanceId;
  }
}
