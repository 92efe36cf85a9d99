package io.mesh4j.client.internal;

import io.mesh4j.api.ServiceInstance;
import okhttp3.Headers;
import okhttp3.ResponseBody;

/**
 * One attempt's answer: status, headers, and either the body's bytes, or (for a streamed 2xx)
 * the still-open body. {@link #close()} closes an open body: the executor closes a result it
 * discards (an attempt that answered after its timeout, a losing hedge), so its connection is
 * not leaked.
 */
public final class HttpResult implements AutoCloseable {
  private final int status;
  private final Headers headers;
  private final byte[] body;
  private final ResponseBody openBody;
  private final ServiceInstance instance;
  private final boolean bodyTruncated;

  /** An answer whose body was read. */
  public HttpResult(int status, Headers headers, byte[] body, ServiceInstance instance) {
    this(status, headers, body, null, instance, false);
  }

  private HttpResult(int status, Headers headers, byte[] body, ResponseBody openBody, ServiceInstance instance,
      boolean bodyTruncated) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.openBody = openBody;
    this.instance = instance;
    this.bodyTruncated = bodyTruncated;
  }

  /** An answer of which only the first bytes of the body were kept (a failure's body, for its excerpt). */
  public static HttpResult withBodyPrefix(int status, Headers headers, byte[] prefix, boolean truncated,
      ServiceInstance instance) {
    return new HttpResult(status, headers, prefix, null, instance, truncated);
  }

  /** An answer whose body is still open, to be streamed by the caller. */
  public static HttpResult streaming(int status, Headers headers, ResponseBody body, ServiceInstance instance) {
    return new HttpResult(status, headers, new byte[0], body, instance, false);
  }

  /** True when {@link #body()} holds only the first bytes of a longer body. */
  public boolean bodyTruncated() {
    return bodyTruncated;
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** True for 2xx. */
  public boolean isSuccessful() {
    return status >= 200 && status < 300;
  }

  /** The headers. */
  public Headers headers() {
    return headers;
  }

  /** The body's bytes (empty when streaming). */
  public byte[] body() {
    return body;
  }

  /** The open body of a streamed answer, or null. */
  public ResponseBody openBody() {
    return openBody;
  }

  /** The instance that answered. */
  public ServiceInstance instance() {
    return instance;
  }

  /** Closes the open body of a streamed answer; nothing to do for a read one. Idempotent. */
  @Override
  public void close() {
    if (openBody != null) {
      openBody.close();
    }
  }
}
