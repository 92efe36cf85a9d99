package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.request;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HEAD through the running gateway (real Consul, a WireMock backend, raw sockets on the client
 * side so that every byte the gateway sends is seen). RFC 9110 section 9.3.2: the answer to HEAD
 * has no content, whatever the backend put after its header section; its status and end-to-end
 * headers are the backend's. So: a backend's normal HEAD answer goes through without a body and
 * without hanging; a backend that answers HEAD with a body and a Content-Length that fits neither
 * it nor anything still gives the client a body-less 200, and the gateway's next call on the same
 * backend is not hurt; a backend that resets the connection gives a body-less 502, quickly. A raw
 * backend ({@link BodyOnHeadBackend}) really sends content after its HEAD answer, which WireMock's
 * server never does: that content must reach no client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayHeadTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();

  static final String SERVICE = "gw-head-" + UUID.randomUUID().toString().substring(0, 8);
  static final String RAW_SERVICE = SERVICE + "-raw";
  static final String CONFIG = "{ \"port\": 0, \"routes\": ["
      + "  {\"name\": \"api\", \"path\": \"/api/**\", \"methods\": [\"GET\", \"HEAD\"], \"service\": \"" + SERVICE
      + "\", \"stripPrefix\": \"/api\", \"retries\": 0, \"timeout\": \"3s\"},"
      + "  {\"name\": \"raw\", \"path\": \"/raw/**\", \"methods\": [\"GET\", \"HEAD\"], \"service\": \""
      + RAW_SERVICE + "\", \"stripPrefix\": \"/raw\", \"retries\": 0, \"timeout\": \"3s\"} ] }";
  /** Far below the route's timeout plus the class timeout: a gateway that hangs fails here. */
  static final Duration BOUND = Duration.ofSeconds(8);

  static WireMockServer backend;
  static ConsulRegistry registry;
  static ConsulDiscovery discovery;
  static ApiGateway gateway;
  static BodyOnHeadBackend rawBackend;

  @BeforeAll
  static void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    backend.start();
    backend.stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{\"ok\":true}")));
    backend.stubFor(request("HEAD", urlPathEqualTo("/normal")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withHeader("ETag", "\"v1\"")
        .withHeader("Content-Length", "11")));
    backend.stubFor(request("HEAD", urlPathEqualTo("/with-body")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Length", "99999").withHeader("ETag", "\"v2\"").withBody("GARBAGE-BODY-BYTES")));
    backend.stubFor(request("HEAD", urlPathEqualTo("/reset")).willReturn(aResponse()
        .withFault(Fault.CONNECTION_RESET_BY_PEER)));
    rawBackend = BodyOnHeadBackend.start();
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(SERVICE)
        .id(SERVICE + "-0").host("127.0.0.1").port(backend.port()).build()));
    registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(RAW_SERVICE)
        .id(RAW_SERVICE + "-0").host("127.0.0.1").port(rawBackend.port()).build()));
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> discovery.instances(SERVICE).size() == 1
        && discovery.instances(RAW_SERVICE).size() == 1);
    gateway = ApiGateway.builder().config(GatewayConfig.parse(CONFIG, Map.<String, String>of()::get))
        .discovery(discovery).port(0).workerThreads(4).accessLog(l -> { }).build().start();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (discovery != null) {
      discovery.close();
    }
    if (registry != null) {
      registry.deregister(SERVICE + "-0");
      registry.deregister(RAW_SERVICE + "-0");
      registry.close();
    }
    if (backend != null) {
      backend.stop();
    }
    if (rawBackend != null) {
      rawBackend.close();
    }
  }

  /** A HEAD request on its own connection, read until the gateway closes it; fails past {@link #BOUND}. */
  private static RawHttp.Answer head(String target) throws IOException {
    URI base = gateway.uri();
    String request = "HEAD " + target + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
        + "\r\nConnection: close\r\n\r\n";
    long t0 = System.nanoTime();
    RawHttp.Answer a = RawHttp.exchange(base, request.getBytes(StandardCharsets.ISO_8859_1), false);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(millis < BOUND.toMillis(), "HEAD " + target + " took " + millis + " ms");
    return a;
  }

  private static String header(RawHttp.Answer a, String name) {
    for (String line : a.head().split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  @Test
  void aNormalHeadAnswerGoesThroughWithItsStatusAndHeadersAndNoBody() throws IOException {
    RawHttp.Answer a = head("/api/normal");
    assertEquals(200, a.status(), a.head());
    assertEquals("", a.body(), "an answer to HEAD has no content");
    assertEquals("\"v1\"", header(a, "ETag"), a.head());
    assertEquals("application/json", header(a, "Content-Type"), a.head());
    backend.verify(1, new RequestPatternBuilder(RequestMethod.HEAD, urlPathEqualTo("/normal")));
  }

  @Test
  void aHeadAnswerWithABodyAndAWrongContentLengthReachesTheClientWithoutTheBody() throws IOException {
    RawHttp.Answer a = head("/api/with-body");
    assertEquals(200, a.status(), a.head());
    assertEquals("", a.body(), "no content after a HEAD answer's header section");
    assertEquals("\"v2\"", header(a, "ETag"), a.head());
    String length = header(a, "Content-Length");
    assertTrue(length == null || length.equals("0"), "the backend's bogus Content-Length is not passed on: "
        + a.head());
    assertFalse(a.head().toUpperCase(Locale.ROOT).contains("GARBAGE"), a.head());
    // The connection to the backend is still good for the next call (nothing left unread on it).
    for (int i = 0; i < 3; i++) {
      RawHttp.Answer next = RawHttp.get(gateway.uri(), "/api/after-" + i);
      assertEquals(200, next.status(), next.toString());
      assertEquals("{\"ok\":true}", next.body());
    }
  }

  @Test
  void aBackendThatResetsTheConnectionOnHeadGivesABodyLess502Quickly() throws IOException {
    RawHttp.Answer a = head("/api/reset");
    assertEquals(502, a.status(), a.head());
    assertEquals("", a.body(), "an answer to HEAD has no content, an error neither");
    assertTrue(header(a, "X-Request-ID") != null, "the gateway's own answer: " + a.head());
    // And the gateway goes on serving.
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/still-fine").status());
  }

  @Test
  void contentSentAfterAHeadAnswerOnAKeptAliveConnectionReachesNoClient() throws IOException {
    RawHttp.Answer a = head("/raw/first");
    assertEquals(200, a.status(), a.head());
    assertEquals("", a.body(), "no content after a HEAD answer's header section");
    assertEquals("\"v3\"", header(a, "ETag"), a.head());
    assertFalse(a.head().contains(BodyOnHeadBackend.GARBAGE), a.head());
    assertTrue(rawBackend.heads() >= 1, "the HEAD reached the backend");
    // The bytes the backend wrote after its HEAD answer stay on the pooled connection. The next
    // calls on it must never show them to a client: each gets the backend's answer or a clean 502.
    // (Today the first one gets the 502 on this route without retries: docs/gateway.md, "A backend
    // that sends content after a HEAD answer".)
    for (int i = 0; i < 3; i++) {
      RawHttp.Answer next = RawHttp.get(gateway.uri(), "/raw/after-" + i);
      assertTrue(next.status() == 200 || next.status() == 502, next.toString());
      assertFalse(next.head().contains(BodyOnHeadBackend.GARBAGE) || next.body().contains(BodyOnHeadBackend.GARBAGE),
          next.head() + "\r\n\r\n" + next.body());
      if (next.status() == 200) {
        assertEquals("{\"ok\":true}", next.body());
      }
    }
  }
}
