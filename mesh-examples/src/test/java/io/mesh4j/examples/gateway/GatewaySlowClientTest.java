package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow clients against the running gateway over real sockets (real Consul, a WireMock backend):
 * slowloris (many sockets sending headers a byte a second) must not delay a normal request, and
 * the slow sockets are closed at the header timeout; shutdown lets a request in flight finish.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewaySlowClientTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();

  static final String SERVICE = "gw-slow-clients-" + UUID.randomUUID().toString().substring(0, 8);
  static final String CONFIG = "{ \"port\": 0, \"routes\": ["
      + "  {\"name\": \"api\", \"path\": \"/api/**\", \"methods\": [\"GET\"], \"service\": \"" + SERVICE + "\","
      + "   \"stripPrefix\": \"/api\", \"retries\": 0} ] }";

  static WireMockServer backend;
  static ConsulRegistry registry;
  static ConsulDiscovery discovery;

  @BeforeAll
  static void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    backend.start();
    backend.stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{}")));
    backend.stubFor(get(urlPathEqualTo("/takes-a-second")).willReturn(okJson("{\"slow\":true}").withFixedDelay(1000)));
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(SERVICE)
        .id(SERVICE + "-0").host("127.0.0.1").port(backend.port()).build()));
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> discovery.instances(SERVICE).size() == 1);
  }

  @AfterAll
  static void stop() {
    if (discovery != null) {
      discovery.close();
    }
    if (registry != null) {
      registry.deregister(SERVICE + "-0");
      registry.close();
    }
    if (backend != null) {
      backend.stop();
    }
  }

  static ApiGateway.Builder gateway() {
    return ApiGateway.builder().config(GatewayConfig.parse(CONFIG, Map.<String, String>of()::get)).discovery(discovery)
        .port(0).workerThreads(8).accessLog(l -> { });
  }

  @Test
  void twoHundredSlowlorisSocketsDoNotDelayANormalRequestAndAreClosedAtTheHeaderTimeout() throws Exception {
    int sockets = 200;
    ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
    List<Socket> slow = new ArrayList<>();
    try (ApiGateway g = gateway().headerTimeout(Duration.ofSeconds(3)).build().start()) {
      URI base = g.uri();
      // Warm up (discovery, the backend connection) so that only the slow sockets can delay what follows.
      assertEquals(200, RawHttp.get(base, "/api/warm-up").status());
      byte[] headers = ("GET /api/slowloris HTTP/1.1\r\nHost: 127.0.0.1:" + g.port() + "\r\nX-Padding: "
          + "a".repeat(200) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < sockets; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
        slow.add(s);
      }
      // One header byte per second on every socket: never idle, never complete.
      AtomicInteger position = new AtomicInteger();
      drip.scheduleAtFixedRate(() -> {
        int at = position.getAndIncrement();
        for (Socket s : slow) {
          try {
            s.getOutputStream().write(headers[at]);
          } catch (IOException closedByTheGateway) {
            // Expected once the header timeout has passed.
          }
        }
      }, 0, 1, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> position.get() >= 2);

      List<Long> millis = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        RawHttp.Answer a = RawHttp.get(base, "/api/normal-" + i);
        millis.add((System.nanoTime() - t0) / 1_000_000);
        assertEquals(200, a.status(), a.toString());
      }
      assertTrue(millis.stream().allMatch(ms -> ms < 1000), "normal requests took " + millis + " ms");
      System.out.println("slowloris: " + sockets + " slow sockets, normal request latencies " + millis + " ms");

      // Every slow socket is closed between one and two header timeouts after its first byte.
      long t0 = System.nanoTime();
      for (Socket s : slow) {
        s.setSoTimeout(10_000);
        assertTrue(closedByPeer(s), "a slow socket stayed open");
      }
      System.out.println("slowloris: all " + sockets + " slow sockets closed " + (System.nanoTime() - t0) / 1_000_000
          + " ms after the normal requests");
      assertEquals(0, backend.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
          urlPathEqualTo("/slowloris"))).size(), "no half-sent request was forwarded");
    } finally {
      drip.shutdownNow();
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  /** True once the peer closed or reset the connection; false if it sent data or stayed open. */
  static boolean closedByPeer(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    try {
      int b;
      while ((b = in.read()) >= 0) {
        // An error answer (408) before the close is fine.
      }
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Test
  void closeLetsARequestInFlightFinishAndThenRefusesConnections() throws Exception {
    ApiGateway g = gateway().shutdownTimeout(Duration.ofSeconds(5)).build().start();
    URI base = g.uri();
    CompletableFuture<RawHttp.Answer> inFlight = CompletableFuture.supplyAsync(() -> {
      try {
        return RawHttp.get(base, "/api/takes-a-second");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !backend.findAll(
        com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo("/takes-a-second"))).isEmpty());
    long t0 = System.nanoTime();
    g.close();
    long closeMillis = (System.nanoTime() - t0) / 1_000_000;
    RawHttp.Answer a = inFlight.get(10, TimeUnit.SECONDS);
    assertEquals(200, a.status(), "the request in flight finished: " + a);
    assertTrue(closeMillis < 5000, "close waited for the request, not the whole shutdown timeout: " + closeMillis);
    assertThrows(ConnectException.class, () -> RawHttp.get(base, "/api/after-close"));
  }
}
