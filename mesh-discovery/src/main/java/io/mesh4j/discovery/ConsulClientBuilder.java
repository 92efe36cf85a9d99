package io.mesh4j.discovery;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.discovery.internal.ConnectionConfig;
import java.time.Duration;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * The connection settings that {@link ConsulDiscovery.Builder} and {@link ConsulRegistry.Builder}
 * share: agent URL, ACL token, TLS and timeouts. Not thread safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ConsulClientBuilder<B extends ConsulClientBuilder<B>> {
  private String url = "http://127.0.0.1:8500";
  private String token;
  private SSLContext sslContext;
  private X509TrustManager trustManager;
  private HostnameVerifier hostnameVerifier;
  private Duration connectTimeout = Duration.ofSeconds(2);
  private Duration requestTimeout = Duration.ofSeconds(10);

  ConsulClientBuilder() {}

  @SuppressWarnings("unchecked") // B is this builder's own type by construction
  private B self() {
    return (B) this;
  }

  /** The agent's base URL, {@code http://host:port} or {@code https://host:port}; default {@code http://127.0.0.1:8500}. */
  public B url(String url) {
    this.url = Checks.notBlank(url, "url");
    return self();
  }

  /** The ACL token, sent as the {@code X-Consul-Token} header on every call (never in the URL). */
  public B token(String token) {
    this.token = Checks.notBlank(token, "token");
    return self();
  }

  /** TLS for an https URL: the context and the trust manager that decides which certificates to accept. */
  public B tls(SSLContext sslContext, X509TrustManager trustManager) {
    this.sslContext = Checks.notNull(sslContext, "sslContext");
    this.trustManager = Checks.notNull(trustManager, "trustManager");
    return self();
  }

  /** A host name verifier for TLS; by default OkHttp's, which checks the certificate's names. */
  public B hostnameVerifier(HostnameVerifier verifier) {
    this.hostnameVerifier = Checks.notNull(verifier, "hostnameVerifier");
    return self();
  }

  /** TCP connect timeout; default 2 s. */
  public B connectTimeout(Duration timeout) {
    this.connectTimeout = Checks.notNull(timeout, "connectTimeout");
    return self();
  }

  /** Read timeout of calls that do not block; default 10 s (blocking queries get their wait plus a margin). */
  public B requestTimeout(Duration timeout) {
    this.requestTimeout = Checks.notNull(timeout, "requestTimeout");
    return self();
  }

  /** The validated connection settings. */
  ConnectionConfig connection() {
    return new ConnectionConfig(ConnectionConfig.parseUrl(url), token, sslContext, trustManager, hostnameVerifier,
        Checks.positive(connectTimeout, "connectTimeout"), Checks.positive(requestTimeout, "requestTimeout"));
  }
}
