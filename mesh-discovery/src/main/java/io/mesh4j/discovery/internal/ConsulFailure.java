package io.mesh4j.discovery.internal;

import io.mesh4j.api.internal.Redaction;
import io.mesh4j.discovery.WatchFailedEvent.Reason;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.kiwiproject.consul.ConsulException;

/**
 * A failed Consul call, classified and described without secrets. Refusals a user can fix (an
 * ACL token missing, unknown or lacking a permission; a certificate not trusted or not naming
 * the host; plain HTTP sent to an HTTPS port) are described with their cause and the setting
 * that fixes them.
 *
 * @param reason what kind of failure
 * @param status the HTTP status, or 0 when there was no HTTP answer
 * @param message a one-line description; never contains the ACL token
 */
public record ConsulFailure(Reason reason, int status, String message) {
  private static final int MAX_BODY = 200;

  /**
   * Classifies {@code t}, scrubbing {@code token} from the description.
   *
   * @param builder how the user configures the client ({@code ConsulDiscovery.builder()}), named in
   *     advice; null for a generic wording
   */
  public static ConsulFailure of(Throwable t, String token, String builder) {
    String b = builder == null ? "the Consul client's builder" : builder;
    if (t instanceof ConsulException && ((ConsulException) t).hasCode()) {
      int code = ((ConsulException) t).getCode();
      Reason r = code >= 500 ? Reason.SERVER_ERROR : Reason.CLIENT_ERROR;
      String body = body(t.getMessage(), token);
      return new ConsulFailure(r, code, "HTTP " + code + ": " + body + advice(code, body, token != null, b));
    }
    if (t instanceof ConsulHttpException) {
      ConsulHttpException h = (ConsulHttpException) t;
      Reason r = h.code() >= 500 ? Reason.SERVER_ERROR : Reason.CLIENT_ERROR;
      String body = Redaction.excerpt(Secrets.scrub(firstLine(h.body().strip()), token), MAX_BODY);
      return new ConsulFailure(r, h.code(), "HTTP " + h.code() + ": " + body + advice(h.code(), body, token != null, b));
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MalformedAnswerException) { // our parser's: names the endpoint and the place
        return new ConsulFailure(Reason.BAD_RESPONSE, 200, "malformed answer: "
            + Redaction.excerpt(Secrets.scrub(firstLine(c.getMessage()), token), MAX_BODY));
      }
      if (c.getCause() == c) {
        break;
      }
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
    return new ConsulFailure(Reason.UNREACHABLE, 0, describe(root, token) + tlsAdvice(t, b));
  }

  /** A 200 whose content cannot be a health list. */
  public static ConsulFailure badResponse(String what) {
    return new ConsulFailure(Reason.BAD_RESPONSE, 200, "malformed answer: " + what);
  }

  /** The answer had no known leader (X-Consul-KnownLeader: false). */
  public static ConsulFailure noLeader() {
    return new ConsulFailure(Reason.NO_LEADER, 200, "Consul answered without a known leader");
  }

  /** Cause and fix of an HTTP refusal a user can fix, or "". */
  private static String advice(int code, String body, boolean tokenSet, String builder) {
    if (code == 403) {
      if (body.contains("ACL not found")) {
        return " (Consul refused the request: the ACL token is not known to Consul, mistyped, deleted or"
            + " from another datacenter; set " + builder + ".token(...) to a valid token)";
      }
      return " (Consul refused the request: ACL token " + (tokenSet ? "lacking permission" : "missing, so Consul"
          + " used its anonymous token, which lacks permission") + "; set " + builder
          + ".token(...) to a token whose policy grants it)";
    }
    if (code == 400 && body.contains("HTTP request to an HTTPS server")) {
      return " (the agent serves HTTPS on this port; set " + builder + ".url(\"https://...\"), and tls(...)"
          + " when its certificate comes from a private CA)";
    }
    return "";
  }

  /** Cause and fix of a failed TLS handshake, or "". */
  private static String tlsAdvice(Throwable t, String builder) {
    boolean ssl = false;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLPeerUnverifiedException) {
        return " (TLS: the agent's certificate does not name the host of the url; connect by a name or"
            + " address the certificate lists, or have one issued for this host)";
      }
      if (c instanceof CertPathBuilderException || c instanceof CertPathValidatorException
          || c instanceof CertificateException) {
        return " (TLS: the agent's certificate is not signed by a CA this client trusts; set " + builder
            + ".tls(sslContext, trustManager) to trust the CA that signed it)";
      }
      ssl |= c instanceof SSLException;
      if (c.getCause() == c) {
        break;
      }
    }
    return ssl ? " (TLS handshake with the agent failed; does it serve HTTPS on this port, and does "
        + builder + ".tls(...) match its certificate?)" : "";
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

  /** The first line, without the colon that announced the lines after it. */
  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    if (nl < 0) {
      return s;
    }
    String first = s.substring(0, nl).strip();
    return first.endsWith(":") ? first.substring(0, first.length() - 1) : first;
  }
}
