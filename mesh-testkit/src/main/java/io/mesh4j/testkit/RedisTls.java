package io.mesh4j.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS material of a cluster started with {@link RedisCluster.Builder#tls()}, made in Java at
 * start (ECDSA P-256, valid {@value #DAYS} days): a CA, a node certificate signed by it that names
 * {@code 127.0.0.1} and {@code localhost} unless {@link RedisCluster.Builder#tlsNodeCertificateNames} says
 * otherwise (used by every node, for clients, the cluster bus and
 * replication), and a client certificate signed by the same CA. The PEM files are what
 * {@code redis-server} reads; the PKCS12 stores are what a Java client reads. A second CA that signed
 * nothing ({@link #untrustedTrustStore()}) lets a test show a client refusing the nodes.
 *
 * <p>The stores' password is random per cluster. Immutable and thread safe.
 */
public final class RedisTls {
  /** Validity of the generated certificates, in days. */
  public static final int DAYS = 7;
  /** The type of every store written here. */
  public static final String STORE_TYPE = "PKCS12";
  /** The names in the node certificate unless told otherwise. */
  static final List<String> NODE_NAMES = List.of("127.0.0.1", "localhost");

  private final Path caPem;
  private final Path nodeCertPem;
  private final Path nodeKeyPem;
  private final Path trustStore;
  private final Path clientKeyStore;
  private final Path untrustedTrustStore;
  private final String storePassword;
  private final boolean clientCertificatesRequired;
  private final SSLContext adminContext;

  private RedisTls(Path dir, boolean clientCertificatesRequired, List<String> nodeNames) throws IOException, GeneralSecurityException,
      OperatorCreationException {
    this.clientCertificatesRequired = clientCertificatesRequired;
    SecureRandom random = new SecureRandom();
    byte[] pw = new byte[12];
    random.nextBytes(pw);
    this.storePassword = HexFormat.of().formatHex(pw);
    Files.createDirectories(dir);
    KeyPair caKeys = ecKeys();
    X500Name caName = new X500Name("CN=mesh4j test Redis CA");
    X509Certificate ca = caCertificate(caName, caKeys);
    KeyPair nodeKeys = ecKeys();
    X509Certificate node = signed(caName, caKeys, ca, new X500Name("CN=mesh4j test Redis node"), nodeKeys,
        nodeNames);
    KeyPair clientKeys = ecKeys();
    X509Certificate client = signed(caName, caKeys, ca, new X500Name("CN=mesh4j test Redis client"), clientKeys,
        null);
    KeyPair otherKeys = ecKeys();
    X509Certificate otherCa = caCertificate(new X500Name("CN=mesh4j test unrelated CA"), otherKeys);

    this.caPem = pem(dir.resolve("ca.crt"), ca);
    this.nodeCertPem = pem(dir.resolve("node.crt"), node);
    this.nodeKeyPem = pem(dir.resolve("node.key"), new JcaPKCS8Generator(nodeKeys.getPrivate(), null));
    this.trustStore = trustStore(dir.resolve("truststore.p12"), ca);
    this.untrustedTrustStore = trustStore(dir.resolve("untrusted-truststore.p12"), otherCa);
    this.clientKeyStore = keyStore(dir.resolve("client.p12"), clientKeys.getPrivate(), client, ca);
    this.adminContext = context(trustStore, clientKeyStore);
  }

  static RedisTls create(Path dir, boolean clientCertificatesRequired, List<String> nodeNames) {
    try {
      return new RedisTls(dir, clientCertificatesRequired, nodeNames);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the test TLS material to " + dir + " failed", e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("making the test TLS material failed: " + e.getMessage(), e);
    }
  }

  /** The CA certificate (PEM) that signed the nodes' and the client's certificates. */
  public Path caCertificatePem() {
    return caPem;
  }

  /** A {@value #STORE_TYPE} trust store holding the CA, protected by {@link #storePassword()}. */
  public Path trustStore() {
    return trustStore;
  }

  /**
   * A {@value #STORE_TYPE} key store with the client certificate and its key (alias
   * {@code client}), protected by {@link #storePassword()} (the key too).
   */
  public Path clientKeyStore() {
    return clientKeyStore;
  }

  /** A {@value #STORE_TYPE} trust store of a CA that signed nothing here: the nodes are not trusted. */
  public Path untrustedTrustStore() {
    return untrustedTrustStore;
  }

  /** The password of every store above (random per cluster). */
  public String storePassword() {
    return storePassword;
  }

  /** Whether the nodes refuse a client that presents no certificate ({@code tls-auth-clients yes}). */
  public boolean clientCertificatesRequired() {
    return clientCertificatesRequired;
  }

  /** Trusts the CA and presents the client certificate: what the testkit's own commands use. */
  public SSLSocketFactory socketFactory() {
    return adminContext.getSocketFactory();
  }

  /** The {@code redis-server} arguments that serve TLS only on {@code port}, bus and replication included. */
  List<String> serverArgs(int port) {
    List<String> args = new ArrayList<>(List.of("--port", "0", "--tls-port", String.valueOf(port),
        "--tls-cluster", "yes", "--tls-replication", "yes",
        "--tls-cert-file", nodeCertPem.toString(), "--tls-key-file", nodeKeyPem.toString(),
        "--tls-ca-cert-file", caPem.toString(),
        "--tls-auth-clients", clientCertificatesRequired ? "yes" : "no"));
    return args;
  }

  @Override
  public String toString() {
    return "RedisTls{client certificates " + (clientCertificatesRequired ? "required" : "optional") + "}";
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate caCertificate(X500Name name, KeyPair keys)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    X509v3CertificateBuilder b = builder(name, name, keys);
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
    return sign(b, keys.getPrivate());
  }

  /** A leaf signed by the CA: a node's (naming {@code names}, serves and connects) or a client's (null names). */
  private static X509Certificate signed(X500Name caName, KeyPair caKeys, X509Certificate ca, X500Name subject,
      KeyPair keys, List<String> names) throws GeneralSecurityException, OperatorCreationException, IOException {
    X509v3CertificateBuilder b = builder(caName, subject, keys);
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
    if (names != null) {
      // A node is a server to clients and a client to the other nodes (bus, replication).
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      GeneralName[] san = new GeneralName[names.size()];
      for (int i = 0; i < san.length; i++) {
        String n = names.get(i);
        san[i] = new GeneralName(n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n);
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
    } else {
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    }
    return sign(b, caKeys.getPrivate());
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(DAYS))), subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException, OperatorCreationException {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static Path pem(Path file, Object object) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(object);
    }
    return file;
  }

  private Path trustStore(Path file, X509Certificate ca) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(STORE_TYPE);
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca);
    return store(file, ks);
  }

  private Path keyStore(Path file, PrivateKey key, X509Certificate cert, X509Certificate ca)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(STORE_TYPE);
    ks.load(null, null);
    ks.setKeyEntry("client", key, storePassword.toCharArray(), new Certificate[] {cert, ca});
    return store(file, ks);
  }

  private Path store(Path file, KeyStore ks) throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      ks.store(out, storePassword.toCharArray());
    }
    return file;
  }

  private SSLContext context(Path trust, Path keys) throws IOException, GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(KeyStore.getInstance(trust.toFile(), storePassword.toCharArray()));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(KeyStore.getInstance(keys.toFile(), storePassword.toCharArray()), storePassword.toCharArray());
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }
}
