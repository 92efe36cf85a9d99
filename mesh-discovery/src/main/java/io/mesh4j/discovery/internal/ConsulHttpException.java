package io.mesh4j.discovery.internal;

/**
 * Consul answered a request we send ourselves ({@link HealthQuery}) with an HTTP error status;
 * {@link ConsulFailure#of} describes it as it describes consul-client's errors.
 */
final class ConsulHttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;
  private final String body;

  /**
   * @param endpoint the path asked, without query (never a token: that travels in a header)
   * @param code the HTTP status
   * @param body the start of the error body
   */
  ConsulHttpException(String endpoint, int code, String body) {
    super("Consul request to [" + endpoint + "] failed with status [" + code + "]: " + body, null, false, false);
    this.code = code;
    this.body = body;
  }

  /** The HTTP status. */
  int code() {
    return code;
  }

  /** The start of the error body. */
  String body() {
    return body;
  }
}
