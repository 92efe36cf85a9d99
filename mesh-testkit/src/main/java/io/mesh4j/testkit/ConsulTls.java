package io.mesh4j.testkit;

import io.mesh4j.testkit.internal.Binaries;
import io.mesh4j.testkit.internal.Logs;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS side of an agent started with {@link ConsulAgent#startWithTls()}: its HTTP API is
 * served over HTTPS only (the plain HTTP port is off), with a certificate made at start by
 * {@code consul tls ca create} and {@code consul tls cert create -server} (ECDSA P-256, valid
 * {@value #DAYS} days). The certificate names {@code localhost}, {@code 127.0.0.1} and
 * {@code server.dc1.consul}; clients need not present one ({@code verify_incoming = false}).
 *
 * <p>{@link #sslContext()} and {@link #trustManager()} trust that CA and nothing else. On Linux,
 * where all of 127.0.0.0/8 is loopback, the agent also listens on {@code 127.0.0.2}, an address its
 * certificate does not name ({@link #unlistedHostUrl()}): a client with hostname verification on
 * must refuse it. Immutable and thread safe.
 */
public final class ConsulTls {
  /** Validity of the generated CA and certificate, in days. */
  public static final int DAYS = 7;
  /** A loopback address the agent's certificate does not name. */
  static final String UNLISTED_HOST = "127.0.0.2";

  private final Path caPem;
  private final Path certPem;
  private final Path keyPem;
  private final X509Certificate ca;
  private final KeyStore trustStore;
  private final X509TrustManager trustManager;
  private final SSLContext sslContext;
  private final boolean unlistedHostUsable;
  private final int httpsPort;

  private ConsulTls(Path dir, int httpsPort) throws IOException, GeneralSecurityException {
    this.httpsPort = httpsPort;
    this.caPem = dir.resolve("consul-agent-ca.pem");
    this.certPem = dir.resolve("dc1-server-consul-0.pem");
    this.keyPem = dir.resolve("dc1-server-consul-0-key.pem");
    try (InputStream in = Files.newInputStream(caPem)) {
      this.ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    this.trustStore = KeyStore.getInstance("PKCS12");
    trustStore.load(null, null);
    trustStore.setCertificateEntry("mesh4j-test-consul-ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trustStore);
    X509TrustManager tm = null;
    for (TrustManager m : tmf.getTrustManagers()) {
      if (m instanceof X509TrustManager) {
        tm = (X509TrustManager) m;
      }
    }
    if (tm == null) {
      throw new GeneralSecurityException("no X509TrustManager from " + tmf.getAlgorithm());
    }
    this.trustManager = tm;
    this.sslContext = SSLContext.getInstance("TLS");
    sslContext.init(null, new TrustManager[] {tm}, null);
    this.unlistedHostUsable = canBind(UNLISTED_HOST);
  }

  /**
   * Makes a CA and a server certificate in {@code dir} with the {@code consul} binary (found as
   * the agent's is, but it must be a local binary: certificates are made on this machine).
   */
  static ConsulTls create(Path dir, int httpsPort) {
    Path consul = Binaries.find("consul").orElseThrow(() -> new IllegalStateException(
        "mesh4j-testkit: the TLS agent makes its certificates with a local consul binary, none found (searched "
            + Binaries.searchPath() + "); " + Binaries.INSTALL_HINT));
    try {
      Files.createDirectories(dir);
      run(consul, dir, "tls", "ca", "create", "-days", String.valueOf(DAYS));
      run(consul, dir, "tls", "cert", "create", "-server", "-dc", "dc1", "-days", String.valueOf(DAYS));
      return new ConsulTls(dir, httpsPort);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not make the TLS agent's certificates in " + dir + ": " + e, e);
    }
  }

  private static void run(Path consul, Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(consul.toString());
    cmd.addAll(List.of(args));
    Path log = dir.resolve("tls-commands.log");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + String.join(" ", cmd), e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n" + Logs.tail(log, 10));
    }
  }

  private static boolean canBind(String host) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The addresses the agent's HTTPS API listens on, for its {@code -client} flag. */
  String clientAddresses() {
    return unlistedHostUsable ? "127.0.0.1 " + UNLISTED_HOST : "127.0.0.1";
  }

  /** The agent's configuration for TLS (HCL). */
  String config() {
    return "ca_file = \"" + caPem + "\"\n"
        + "cert_file = \"" + certPem + "\"\n"
        + "key_file = \"" + keyPem + "\"\n"
        + "verify_incoming = false\n"
        + "verify_outgoing = false\n"
        + "ports {\n  https = " + httpsPort + "\n}\n";
  }

  /** The CA certificate in PEM, the one to give a client as its trust. */
  public Path caPem() {
    return caPem;
  }

  /** The CA certificate. */
  public X509Certificate caCertificate() {
    return ca;
  }

  /** A PKCS12 trust store (in memory, no password) holding only the CA. */
  public KeyStore trustStore() {
    return trustStore;
  }

  /** A trust manager that trusts the CA and nothing else. */
  public X509TrustManager trustManager() {
    return trustManager;
  }

  /** A TLS context with {@link #trustManager()}. */
  public SSLContext sslContext() {
    return sslContext;
  }

  /**
   * {@code https://127.0.0.2:<port>}: the same agent at an address its certificate does not name.
   *
   * @throws IllegalStateException where 127.0.0.2 is not a loopback address (not Linux)
   */
  public String unlistedHostUrl() {
    if (!unlistedHostUsable) {
      throw new IllegalStateException(UNLISTED_HOST + " cannot be bound on this machine (only Linux routes all of"
          + " 127.0.0.0/8 to loopback), so the agent does not listen there");
    }
    return "https://" + UNLISTED_HOST + ":" + httpsPort;
  }

  @Override
  public String toString() {
    return "ConsulTls{CA " + ca.getSubjectX500Principal() + ", " + caPem + "}";
  }
}
