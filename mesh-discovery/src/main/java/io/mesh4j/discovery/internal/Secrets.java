package io.mesh4j.discovery.internal;

import io.mesh4j.api.internal.Redaction;
import java.net.URI;

/** Keeps the ACL token out of messages: every text that leaves this module passes through here. */
public final class Secrets {
  private Secrets() {}

  /** {@code text} with every occurrence of {@code token} replaced; null stays null. */
  public static String scrub(String text, String token) {
    if (text == null || token == null || token.isEmpty()) {
      return text;
    }
    return text.replace(token, Redaction.REDACTED);
  }

  /** True if {@code t} or one of its causes mentions {@code token} in its message. */
  public static boolean mentions(Throwable t, String token) {
    if (token == null || token.isEmpty()) {
      return false;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains(token)) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** A URI for messages: scheme, host, port and path, never user info or query. */
  public static String withoutUserInfo(URI u) {
    if (u == null) {
      return "null";
    }
    return (u.getScheme() == null ? "" : u.getScheme() + "://") + (u.getHost() == null ? "?" : u.getHost())
        + (u.getPort() < 0 ? "" : ":" + u.getPort()) + (u.getRawPath() == null ? "" : u.getRawPath());
  }
}
