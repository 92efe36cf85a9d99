package io.mesh4j.spring.boot.autoconfigure;

/**
 * {@code mesh4j.redis.tls.*}: TLS to the Redis Cluster (also on with {@code rediss://} seed nodes).
 * Passwords are never logged nor shown in start-up failures.
 */
public class RedisTlsProperties {
  /** Whether to speak TLS to every node (trusting the JVM's CAs unless a trust store is set). */
  private boolean enabled;
  /** A trust store (PKCS12 or JKS file) holding the CA that signed the nodes' certificates. */
  private String trustStore;
  /** The trust store's password; never logged. */
  private String trustStorePassword;
  /** The trust store's type. */
  private String trustStoreType = "PKCS12";
  /** A key store holding this client's certificate and key, for nodes with tls-auth-clients yes. */
  private String keyStore;
  /** The key store's password; never logged. */
  private String keyStorePassword;
  /** The key store's type. */
  private String keyStoreType = "PKCS12";

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getTrustStore() {
    return trustStore;
  }

  public void setTrustStore(String trustStore) {
    this.trustStore = trustStore;
  }

  public String getTrustStorePassword() {
    return trustStorePassword;
  }

  public void setTrustStorePassword(String trustStorePassword) {
    this.trustStorePassword = trustStorePassword;
  }

  public String getTrustStoreType() {
    return trustStoreType;
  }

  public void setTrustStoreType(String trustStoreType) {
    this.trustStoreType = trustStoreType;
  }

  public String getKeyStore() {
    return keyStore;
  }

  public void setKeyStore(String keyStore) {
    this.keyStore = keyStore;
  }

  public String getKeyStorePassword() {
    return keyStorePassword;
  }

  public void setKeyStorePassword(String keyStorePassword) {
    this.keyStorePassword = keyStorePassword;
  }

  public String getKeyStoreType() {
    return keyStoreType;
  }

  public void setKeyStoreType(String keyStoreType) {
    this.keyStoreType = keyStoreType;
  }
}
