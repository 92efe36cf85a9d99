package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ServiceTls} on its own: its checks and what it reports; TlsTest makes the handshakes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServiceTlsTest {
  private static final HeldCertificate CA = new HeldCertificate.Builder().certificateAuthority(0).build();
  private static final HandshakeCertificates TRUST = new HandshakeCertificates.Builder()
      .addTrustedCertificate(CA.certificate()).build();
  private static final HandshakeCertificates CLIENT = new HandshakeCertificates.Builder()
      .heldCertificate(new HeldCertificate.Builder().signedBy(CA).build()).build();

  @Test
  void serverOnlyTrustKeepsItsTrustManagerAndPresentsNoCertificate() {
    ServiceTls tls = ServiceTls.trusting(TRUST.trustManager());
    assertSame(TRUST.trustManager(), tls.trustManager());
    assertFalse(tls.isMutual());
    assertNotNull(tls.socketFactory());
    assertEquals("ServiceTls{server-only}", tls.toString());
  }

  @Test
  void mutualTlsPresentsACertificate() {
    ServiceTls tls = ServiceTls.mutual(TRUST.trustManager(), CLIENT.keyManager());
    assertTrue(tls.isMutual());
    assertSame(TRUST.trustManager(), tls.trustManager());
    assertNotNull(tls.socketFactory());
    assertEquals("ServiceTls{mutual}", tls.toString());
  }

  @Test
  void theMaterialIsRequired() {
    NullPointerException trust = assertThrows(NullPointerException.class, () -> ServiceTls.trusting(null));
    assertTrue(trust.getMessage().contains("trustManager"), trust.getMessage());
    NullPointerException key = assertThrows(NullPointerException.class,
        () -> ServiceTls.mutual(TRUST.trustManager(), null));
    assertTrue(key.getMessage().contains("keyManager"), key.getMessage());
    assertThrows(NullPointerException.class, () -> ServiceTls.mutual(null, CLIENT.keyManager()));
  }
}
