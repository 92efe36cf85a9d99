package io.mesh4j.discovery.internal;

import java.io.IOException;

/**
 * A 200 answer whose body is not what the endpoint documents (not JSON, cut short, a field of the
 * wrong type). The message names the endpoint and what was expected where; a watch reports it as
 * a {@link io.mesh4j.discovery.WatchFailedEvent.Reason#BAD_RESPONSE} and keeps its last list.
 */
final class MalformedAnswerException extends IOException {
  private static final long serialVersionUID = 1L;

  MalformedAnswerException(String message, Throwable cause) {
    super(message, cause);
  }
}
