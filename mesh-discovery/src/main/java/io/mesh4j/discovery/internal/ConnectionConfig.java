package io.mesh4j.discovery.internal;

import io.mesh4j.api.internal.Checks;
import java.net.URI;
import java.time.Duration;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * How to reach a Consul agent: base URL, ACL token, TLS and timeouts. Immutable. The token is
 * only ever sent as the {@code X-Consul-Token} header and {@link #toString()} never shows it.
 *
 * @param url the agent's base URL, {@code http://host:port} or {@code https://host:port}
 * @param token the ACL token, or null for none
 * @param sslContext the TLS context for an https URL, or null for the JVM default
 * @param trustManager the trust manager matching {@code sslContext}, or null for the default
 * @param hostnameVerifier a host name verifier, or null for OkHttp's
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout read timeout of calls that do not block (register, heartbeat); blocking
 *     queries get their wait plus a margin
 */
public record ConnectionConfig(URI url, String token, SSLContext sslContext,
    X509TrustManager trustManager, HostnameVerifier hostnameVerifier, Duration connectTimeout,
    Duration requestTimeout) {

  /** Validates the settings, naming the one that is wrong. */
  public ConnectionConfig {
    Checks.notNull(url, "url");
    String scheme = url.getScheme();
    Checks.argument("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme),
        "url must be http or https, was %s", Secrets.withoutUserInfo(url));
    Checks.argument(url.getHost() != null, "url must name a host, was %s", Secrets.withoutUserInfo(url));
    Checks.argument(url.getRawUserInfo() == null,
        "url must not carry credentials; use token(...) for the ACL token");
    Checks.argument(url.getRawQuery() == null, "url must not have a query (a token belongs in token(...))");
    if (token != null) {
      Checks.notBlank(token, "token");
    }
    Checks.argument(sslContext != null || trustManager == null,
        "trustManager needs an sslContext");
    Checks.positive(connectTimeout, "connectTimeout");
    Checks.positive(requestTimeout, "requestTimeout");
  }

  /**
   * Parses and checks a URL given as text, naming the setting, echoing what was given (without
   * credentials or query) and saying what is expected.
   */
  public static URI parseUrl(String url) {
    Checks.notBlank(url, "url");
    String given = url.trim();
    if (!given.contains("://")) {
      throw new IllegalArgumentException("url must start with http:// or https://, was '" + shown(given)
          + "': add the scheme, for example http://" + (shown(given).isEmpty() ? "127.0.0.1:8500" : shown(given)), null);
    }
    try {
      URI u = new URI(given);
      Checks.argument(u.getScheme() != null && u.getHost() != null,
          "url must look like http://host:port, was '%s'", shown(given));
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("url must look like http://host:port, was '" + shown(given)
          + "' (" + e.getReason() + ")", null);
    }
  }

  /** {@code raw} as it may be shown: no user info, no query or fragment, at most 100 characters. */
  static String shown(String raw) {
    String s = raw;
    int q = indexOfAny(s, "?#");
    if (q >= 0) {
      s = s.substring(0, q);
    }
    int schemeEnd = s.indexOf("://");
    int authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
    int slash = s.indexOf('/', authorityStart);
    int authorityEnd = slash < 0 ? s.length() : slash;
    int at = s.lastIndexOf('@', authorityEnd - 1);
    if (at >= authorityStart) {
      s = s.substring(0, authorityStart) + s.substring(at + 1);
    }
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "ConnectionConfig{" + url + (token == null ? "" : ", token=<redacted>")
        + (sslContext == null ? "" : ", custom TLS") + "}";
  }
}
