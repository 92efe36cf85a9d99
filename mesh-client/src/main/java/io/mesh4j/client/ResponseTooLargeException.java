package io.mesh4j.client;

import io.mesh4j.api.MeshException;

/**
 * An answer's body was larger than the limit set for it (its Content-Length said so, or more
 * bytes came, after decompression, than the limit allows). The message names the setting, the
 * limit and the service, never the body. Not retried on another instance: it would most likely
 * send the same.
 */
public class ResponseTooLargeException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final String setting;
  private final long limit;

  /**
   * @param serviceName the service, or null (a token endpoint)
   * @param what what was being read, e.g. "response of service 'files'"
   * @param setting the setting that holds the limit
   * @param limit the limit in bytes
   * @param declared the Content-Length that exceeded it, or -1 when counted while reading
   */
  public ResponseTooLargeException(String serviceName, String what, String setting, long limit, long declared) {
    super(serviceName, what + " is larger than " + setting + " (" + limit + " bytes): "
        + (declared >= 0 ? "its Content-Length is " + declared : "more bytes came while reading (decompressed)")
        + "; raise " + setting + " if such answers are expected"
        + (serviceName == null ? "" : ", or read them with asStream()"));
    this.setting = setting;
    this.limit = limit;
  }

  /** The name of the setting whose limit was exceeded. */
  public String setting() {
    return setting;
  }

  /** The limit, in bytes. */
  public long limit() {
    return limit;
  }
}
