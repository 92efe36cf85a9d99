package io.mesh4j.cache.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to the Redis nodes, made once when the connection is built: the socket factory (from the
 * trust store, the optional client key store, or the caller's {@link SSLContext}) and whether the
 * node's certificate must name the host connected to. Every store problem is reported here, at
 * build time, naming the setting, the file and the fix; never the password. Immutable.
 */
public final class RedisTlsSettings {
  private final SSLSocketFactory socketFactory;
  private final boolean hostnameVerification;

  private RedisTlsSettings(SSLSocketFactory socketFactory, boolean hostnameVerification) {
    this.socketFactory = socketFactory;
    this.hostnameVerification = hostnameVerification;
  }

  /**
   * TLS from stores. A null trust store trusts the JVM's default CAs; a null key store presents no
   * client certificate.
   *
   * @throws IllegalArgumentException if a store cannot be read or opened, or holds nothing usable
   */
  public static RedisTlsSettings fromStores(Path trustStore, char[] trustStorePassword, String trustStoreType,
      Path keyStore, char[] keyStorePassword, String keyStoreType, boolean hostnameVerification) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (trustStore == null) {
        tmf.init((KeyStore) null);
      } else {
        KeyStore trust = load(trustStore, trustStorePassword, trustStoreType, "tlsTrustStore");
        boolean anyCertificate = false;
        for (String alias : Collections.list(trust.aliases())) {
          anyCertificate |= trust.isCertificateEntry(alias) || trust.getCertificate(alias) != null;
        }
        if (!anyCertificate) {
          throw new IllegalArgumentException("tlsTrustStore holds no certificate, was '" + trustStore
              + "': import the CA that signed the Redis nodes' certificates into it");
        }
        tmf.init(trust);
      }
      KeyManagerFactory kmf = null;
      if (keyStore != null) {
        KeyStore keys = load(keyStore, keyStorePassword, keyStoreType, "tlsKeyStore");
        boolean anyKey = false;
        for (String alias : Collections.list(keys.aliases())) {
          anyKey |= keys.isKeyEntry(alias);
        }
        if (!anyKey) {
          throw new IllegalArgumentException("tlsKeyStore holds no private key, was '" + keyStore
              + "': it must hold the client certificate and its key (e.g. openssl pkcs12 -export -in client.crt"
              + " -inkey client.key)");
        }
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        try {
          kmf.init(keys, keyStorePassword);
        } catch (UnrecoverableKeyException e) {
          throw new IllegalArgumentException("tlsKeyStore: the key in '" + keyStore + "' is not protected by the"
              + " key store's password: give the key the same password as the store", null);
        }
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return new RedisTlsSettings(context.getSocketFactory(), hostnameVerification);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot set up TLS (" + e.getMessage() + ")", e);
    }
  }

  /** TLS from the caller's context, as it is. */
  public static RedisTlsSettings fromContext(SSLContext context, boolean hostnameVerification) {
    return new RedisTlsSettings(context.getSocketFactory(), hostnameVerification);
  }

  /** The factory of the TLS sockets, layered over the plain connection to a node. */
  public SSLSocketFactory socketFactory() {
    return socketFactory;
  }

  /**
   * The parameters set on every TLS socket: endpoint identification {@code HTTPS} (the node's
   * certificate must name the host connected to) unless it was switched off.
   */
  public SSLParameters parameters() {
    SSLParameters p = new SSLParameters();
    if (hostnameVerification) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return p;
  }

  /** Whether the nodes' certificates must name the host connected to. */
  public boolean hostnameVerification() {
    return hostnameVerification;
  }

  private static KeyStore load(Path file, char[] password, String type, String setting) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(setting + " file does not exist, was '" + file
          + "': give the path of a " + type + " store");
    }
    KeyStore store;
    try {
      store = KeyStore.getInstance(type);
    } catch (KeyStoreException e) {
      throw new IllegalArgumentException(setting + " type is not one this JVM knows, was '" + type
          + "': use PKCS12 (or JKS)", null);
    }
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, password);
      return store;
    } catch (NoSuchFileException | AccessDeniedException e) {
      throw new IllegalArgumentException(setting + " file cannot be read, was '" + file
          + "': check that this process may read it", null);
    } catch (IOException e) {
      boolean wrongPassword = e.getCause() instanceof UnrecoverableKeyException
          || String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("password");
      throw new IllegalArgumentException(wrongPassword
          ? setting + " password does not open '" + file + "': check the password given with it"
          : setting + " is not a " + type + " store or is damaged, was '" + file + "': check the file and the"
              + " store type (" + setting + "(path, password, type))", null);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + " cannot be read as a " + type + " store, was '" + file
          + "': check the file and the store type", null);
    }
  }
}
