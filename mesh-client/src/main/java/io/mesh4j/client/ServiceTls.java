package io.mesh4j.client;

import io.mesh4j.api.internal.Checks;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS material for calls to one service: the trust to verify its certificates with, and
 * optionally a client certificate for mutual TLS. Instances are then reached over https when
 * they are marked secure (or when the service is configured to require TLS). Immutable.
 */
public final class ServiceTls {
  private final X509TrustManager trustManager;
  private final X509KeyManager keyManager;
  private final SSLSocketFactory socketFactory;

  private ServiceTls(X509TrustManager trustManager, X509KeyManager keyManager) {
    this.trustManager = trustManager;
    this.keyManager = keyManager;
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManager == null ? null : new KeyManager[] {keyManager},
          new javax.net.ssl.TrustManager[] {trustManager}, null);
      this.socketFactory = ctx.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS settings cannot make an SSLContext: " + e.getMessage(), e);
    }
  }

  /** Verify the service's certificates with {@code trustManager} (its CA, say). */
  public static ServiceTls trusting(X509TrustManager trustManager) {
    return new ServiceTls(Checks.notNull(trustManager, "trustManager"), null);
  }

  /** Mutual TLS: verify with {@code trustManager}, present the certificate of {@code keyManager}. */
  public static ServiceTls mutual(X509TrustManager trustManager, X509KeyManager keyManager) {
    return new ServiceTls(Checks.notNull(trustManager, "trustManager"), Checks.notNull(keyManager, "keyManager"));
  }

  /** The trust manager. */
  public X509TrustManager trustManager() {
    return trustManager;
  }

  /** True when a client certificate is presented. */
  public boolean isMutual() {
    return keyManager != null;
  }

  /** The socket factory built from this material. */
  public SSLSocketFactory socketFactory() {
    return socketFactory;
  }

  @Override
  public String toString() {
    return "ServiceTls{" + (isMutual() ? "mutual" : "server-only") + "}";
  }
}
