package io.mesh4j.api;

import io.mesh4j.api.internal.Redaction;
import java.util.List;
import java.util.Map;

/**
 * A service answered, but not with success (for HTTP: a non-2xx status), after every policy
 * had its turn. Carries the status, the headers (credentials redacted) and a bounded excerpt of
 * the body: its first {@link #MAX_BODY_EXCERPT} characters exactly as they came, with
 * {@link #bodyTruncated()} saying whether there was more (no marker is written into the excerpt,
 * so a short JSON error body stays valid JSON).
 */
public class CallFailedException extends MeshException {
  private static final long serialVersionUID = 1L;

  /** The most body characters kept. */
  public static final int MAX_BODY_EXCERPT = 1024;

  private final int status;
  private final transient Map<String, List<String>> headers;
  private final String bodyExcerpt;
  private final String instanceId;
  private final boolean bodyTruncated;

  /**
   * @param serviceName the service called
   * @param instanceId the instance that gave the answer (may be null)
   * @param status the status code
   * @param headers the response headers; sensitive ones are redacted here
   * @param body the body, cut to {@link #MAX_BODY_EXCERPT} characters here
   */
  public CallFailedException(String serviceName, String instanceId, int status,
      Map<String, ? extends List<String>> headers, String body) {
    this(serviceName, instanceId, status, headers, body, false);
  }

  /**
   * @param serviceName the service called
   * @param instanceId the instance that gave the answer (may be null)
   * @param status the status code
   * @param headers the response headers; sensitive ones are redacted here
   * @param body the body (or its first part), cut to {@link #MAX_BODY_EXCERPT} characters here
   * @param bodyTruncated true when {@code body} is already only the first part of the body
   */
  public CallFailedException(String serviceName, String instanceId, int status,
      Map<String, ? extends List<String>> headers, String body, boolean bodyTruncated) {
    super(serviceName, "call to service '" + serviceName + "'"
        + (instanceId == null ? "" : " (instance " + instanceId + ")") + " failed with status " + status
        + excerptForMessage(body));
    this.status = status;
    this.instanceId = instanceId;
    this.headers = Redaction.redactHeaders(headers);
    String b = body == null ? "" : body;
    int cut = Math.min(b.length(), MAX_BODY_EXCERPT);
    if (cut < b.length() && cut > 0 && Character.isHighSurrogate(b.charAt(cut - 1))) {
      cut--; // never half a character
    }
    this.bodyExcerpt = b.substring(0, cut);
    this.bodyTruncated = bodyTruncated || cut < b.length();
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

  /**
   * The first {@link #MAX_BODY_EXCERPT} characters (at most) of the body, as they came: nothing
   * is appended when it is cut; {@link #bodyTruncated()} says so.
   */
  public String bodyExcerpt() {
    return bodyExcerpt;
  }

  /** True when {@link #bodyExcerpt()} is only the start of a longer body. */
  public boolean bodyTruncated() {
    return bodyTruncated;
  }

  /** The instance that answered; null when unknown. */
  public String instanceId() {
    return instanceId;
  }
}
