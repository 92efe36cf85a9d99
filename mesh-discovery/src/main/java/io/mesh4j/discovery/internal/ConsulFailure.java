package io.mesh4j.discovery.internal;

import io.mesh4j.api.internal.Redaction;
import io.mesh4j.discovery.WatchFailedEvent.Reason;
import org.kiwiproject.consul.ConsulException;

/**
 * A failed Consul call, classified and described without secrets.
 *
 * @param reason what kind of failure
 * @param status the HTTP status, or 0 when there was no HTTP answer
 * @param message a one-line description; never contains the ACL token
 */
public record ConsulFailure(Reason reason, int status, String message) {
  private static final int MAX_BODY = 200;

  /** Classifies {@code t}, scrubbing {@code token} from the description. */
  public static ConsulFailure of(Throwable t, String token) {
    if (t instanceof ConsulException && ((ConsulException) t).hasCode()) {
      int code = ((ConsulException) t).getCode();
      Reason r = code >= 500 ? Reason.SERVER_ERROR : Reason.CLIENT_ERROR;
      return new ConsulFailure(r, code, "HTTP " + code + ": " + body(t.getMessage(), token));
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      // Jackson is consul-client's parser; matching by package keeps us off its API.
      if (c.getClass().getName().startsWith("com.fasterxml.jackson.") || c instanceof NumberFormatException) {
        return new ConsulFailure(Reason.BAD_RESPONSE, 0, "malformed answer: "
            + describe(c, token));
      }
      if (c.getCause() == c) {
        break;
      }
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new ConsulFailure(Reason.UNREACHABLE, 0, describe(root, token));
  }

  /** A 200 whose content cannot be a health list. */
  public static ConsulFailure badResponse(String what) {
    return new ConsulFailure(Reason.BAD_RESPONSE, 200, "malformed answer: " + what);
  }

  /** The answer had no known leader (X-Consul-KnownLeader: false). */
  public static ConsulFailure noLeader() {
    return new ConsulFailure(Reason.NO_LEADER, 200, "Consul answered without a known leader");
  }

  private static String describe(Throwable t, String token) {
    String m = t.getMessage();
    String text = t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    return Redaction.excerpt(Secrets.scrub(firstLine(text), token), MAX_BODY);
  }

  /** consul-client writes "Consul request to [url] failed with status [code]: body"; keep the body. */
  private static String body(String message, String token) {
    if (message == null) {
      return "";
    }
    int i = message.indexOf("]: ");
    String b = i >= 0 ? message.substring(i + 3) : message;
    return Redaction.excerpt(Secrets.scrub(firstLine(b.strip()), token), MAX_BODY);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
