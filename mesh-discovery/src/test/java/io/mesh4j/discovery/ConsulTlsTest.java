package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.ConsulTls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Registry and discovery against a real agent that serves its API over HTTPS only, with a
 * certificate from a CA made at start: with that CA trusted everything works; the certificate is
 * verified (another CA, the JVM's default trust, a host the certificate does not name are all
 * refused) and the error names the cause and the setting, with the SSL failure as its cause.
 */
@Timeout(60)
class ConsulTlsTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.withTls();

  private static final Duration T = Duration.ofSeconds(15);

  private static ConsulTls tls() {
    return CONSUL.agent().tls();
  }

  private static ServiceInstance instance(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  /** A discovery whose first load may take 10 s (the first in a JVM loads consul-client, slow on a loaded machine). */
  private static ConsulDiscovery.Builder discovery(String url) {
    return ConsulDiscovery.builder().url(url).firstLoadTimeout(Duration.ofSeconds(10))
        .minQueryInterval(Duration.ofMillis(20)).errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  /** A CA that has nothing to do with the agent, and a trust of only it. */
  private static HandshakeCertificates anotherCa() {
    HeldCertificate other = new HeldCertificate.Builder().certificateAuthority(0)
        .commonName("not the agent's CA").duration(1, java.util.concurrent.TimeUnit.HOURS).build();
    return new HandshakeCertificates.Builder().addTrustedCertificate(other.certificate()).build();
  }

  private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return fail("no " + type.getSimpleName() + " in the cause chain of " + e, e);
  }

  /**
   * Registration and first load through {@code client}'s TLS settings both fail; returns the two
   * errors after checking that each names {@code cause} and the builder's tls setting.
   */
  private static List<MeshException> refused(String url, UnaryOperator<ConsulClientBuilder<?>> client, String cause) {
    String service = TestSupport.uniqueService("tls-refused");
    ConsulRegistry.Builder rb = ConsulRegistry.builder().url(url);
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    ConsulDiscovery.Builder db = discovery(url).firstLoadTimeout(Duration.ofSeconds(2)).eventListener(events);
    client.apply(rb);
    client.apply(db);
    try (ConsulRegistry registry = rb.build(); ConsulDiscovery discovery = db.build()) {
      MeshException registration = assertThrows(MeshException.class,
          () -> registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 8001))));
      discovery.subscribe(service, change -> { }); // starts the watch; the first load then reports its refusal
      await(T, "a refused query", () -> !events.of(WatchFailedEvent.class).isEmpty());
      NoInstanceAvailableException firstLoad = assertThrows(NoInstanceAvailableException.class,
          () -> discovery.instances(service));
      for (MeshException e : List.of(registration, firstLoad)) {
        assertTrue(e.getMessage().contains(cause), e.getMessage());
        assertTrue(e.getMessage().contains("UNREACHABLE"), e.getMessage());
      }
      return List.of(registration, firstLoad);
    }
  }

  @Test
  void trustingItsCa_registersDiscoversHeartbeatsAndDeregisters() {
    String service = TestSupport.uniqueService("tls-web");
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    AtomicInteger beats = new AtomicInteger();
    try (ConsulRegistry registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl())
            .tls(tls().sslContext(), tls().trustManager()).eventListener(events).build();
        ConsulDiscovery discovery = discovery(CONSUL.agent().baseUrl())
            .tls(tls().sslContext(), tls().trustManager()).build()) {
      assertTrue(CONSUL.agent().baseUrl().startsWith("https://"), CONSUL.agent().baseUrl());
      registry.beforeHeartbeat = beats::incrementAndGet;
      ServiceInstance one = instance(service, 8002);
      registry.register(ServiceRegistration.of(one, HealthCheck.ttl(Duration.ofSeconds(1)).build()));
      await(T, "the instance, passing", () -> discovery.instances(service).size() == 1);
      int seen = beats.get();
      await(T, "three heartbeats", () -> beats.get() >= seen + 3);
      assertEquals(List.of(one), discovery.instances(service), "heartbeats over TLS keep the TTL check passing");
      assertEquals(List.of(), events.of(HeartbeatFailedEvent.class));
      registry.deregister(one.id());
      await(T, "the deregistration seen", () -> discovery.instances(service).isEmpty());
    }
  }

  @Test
  void anAgentCertificateFromAnotherCa_isRefused() {
    HandshakeCertificates other = anotherCa();
    for (MeshException e : refused(CONSUL.agent().baseUrl(), b -> b.tls(other.sslContext(), other.trustManager()),
        "not signed by a CA this client trusts")) {
      causeOf(e, SSLHandshakeException.class);
      assertTrue(e.getMessage().contains(".tls(sslContext, trustManager)"), e.getMessage());
    }
  }

  @Test
  void theJvmDefaultTrust_refusesThePrivateCa() {
    for (MeshException e : refused(CONSUL.agent().baseUrl(), b -> b, "not signed by a CA this client trusts")) {
      causeOf(e, SSLHandshakeException.class);
    }
  }

  @Test
  void aHostTheCertificateDoesNotName_isRefused_hostnameVerificationIsOn() {
    for (MeshException e : refused(tls().unlistedHostUrl(), b -> b.tls(tls().sslContext(), tls().trustManager()),
        "does not name the host")) {
      SSLPeerUnverifiedException cause = causeOf(e, SSLPeerUnverifiedException.class);
      assertTrue(String.valueOf(cause.getMessage()).contains("127.0.0.2"), cause.getMessage());
    }
  }

  @Test
  void plainHttpToTheHttpsPort_isNamedAsSuch() {
    String http = "http://127.0.0.1:" + CONSUL.agent().httpPort();
    try (ConsulRegistry registry = ConsulRegistry.builder().url(http).build()) {
      MeshException e = assertThrows(MeshException.class, () -> registry.register(
          ServiceRegistration.withoutHealthCheck(instance(TestSupport.uniqueService("tls-plain"), 8003))));
      assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
      assertTrue(e.getMessage().contains("the agent serves HTTPS on this port"), e.getMessage());
    }
  }
}
