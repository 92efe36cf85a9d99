package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The TLS agent serves HTTPS only, with a certificate from its own CA that names 127.0.0.1 and localhost. */
@Timeout(120)
class ConsulTlsAgentTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.withTls();

  private static HttpResponse<String> get(SSLContext trust, String url) throws Exception {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (trust != null) {
      b.sslContext(trust);
    }
    return b.build().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersOverHttpsWithItsCa() throws Exception {
    ConsulAgent agent = CONSUL.agent();
    assertTrue(agent.baseUrl().startsWith("https://127.0.0.1:"), agent.baseUrl());
    HttpResponse<String> r = get(agent.tls().sslContext(), agent.baseUrl() + "/v1/status/leader");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().length() > 2, "a leader: " + r.body());
    HttpResponse<String> byName = get(agent.tls().sslContext(), "https://localhost:" + agent.httpPort() + "/v1/status/leader");
    assertEquals(200, byName.statusCode(), "the certificate names localhost too");
  }

  @Test
  void theJvmsDefaultTrustRefusesItsCertificate() {
    assertThrows(SSLHandshakeException.class, () -> get(null, CONSUL.agent().baseUrl() + "/v1/status/leader"));
  }

  @Test
  void anAddressTheCertificateDoesNotNameIsRefused() {
    ConsulTls tls = CONSUL.agent().tls();
    SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
        () -> get(tls.sslContext(), tls.unlistedHostUrl() + "/v1/status/leader"));
    assertTrue(String.valueOf(e.getMessage()).contains("127.0.0.2"), e.toString());
  }

  @Test
  void plainHttpIsNotServed() throws Exception {
    HttpResponse<String> r = get(null, "http://127.0.0.1:" + CONSUL.agent().httpPort() + "/v1/status/leader");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("HTTP request to an HTTPS server"), r.body());
  }

  @Test
  void theCaPemIsTheCaThatSignedTheAgent() throws Exception {
    ConsulTls tls = CONSUL.agent().tls();
    X509Certificate fromPem;
    try (InputStream in = Files.newInputStream(tls.caPem())) {
      fromPem = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    assertEquals(tls.caCertificate(), fromPem);
    assertEquals(1, tls.trustManager().getAcceptedIssuers().length, "it trusts the CA and nothing else");
    assertEquals(tls.caCertificate(), tls.trustManager().getAcceptedIssuers()[0]);
    assertTrue(tls.trustStore().isCertificateEntry(tls.trustStore().aliases().nextElement()));
    assertThrows(IllegalStateException.class, () -> CONSUL.agent().acl());
  }
}
