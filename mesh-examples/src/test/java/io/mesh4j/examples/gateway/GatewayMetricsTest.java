package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.micrometer.MeshMeters;
import io.mesh4j.testkit.ConsulExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /metrics} on the gateway, fed by calls through it, over HTTP with the real Consul agent (issue 12). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayMetricsTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();

  private final String service = "gw-metrics-" + UUID.randomUUID().toString().substring(0, 8);
  private WireMockServer backend;
  private ConsulRegistry registry;
  private ConsulDiscovery discovery;
  private ApiGateway gateway;
  private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();

  private String config(String extraRoute) {
    return "{ \"port\": 0, \"routes\": [" + extraRoute
        + "  {\"name\": \"user\", \"path\": \"/users/{id}\", \"methods\": [\"GET\"], \"service\": \"" + service
        + "\", \"retries\": 1} ] }";
  }

  @BeforeEach
  void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    backend.start();
    backend.stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{}")));
    backend.stubFor(get(urlPathEqualTo("/users/500")).willReturn(aResponse().withStatus(500)));
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(service)
        .id(service + "-0").host("127.0.0.1").port(backend.port()).build()));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (discovery != null) {
      discovery.close();
    }
    registry.deregister(service + "-0");
    registry.close();
    backend.stop();
  }

  private String fetch(String path) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url(gateway.uri() + path).build()).execute()) {
      return r.code() + " " + (r.body() == null ? "" : r.body().string());
    }
  }

  @Test
  void metricsShowRequestsPerRouteCallsAttemptsAndDiscovery() throws IOException {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MeshMeters meters = MeshMeters.create(prometheus);
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).eventListener(meters).build();
    gateway = ApiGateway.builder().config(GatewayConfig.parse(config(""), Map.<String, String>of()::get))
        .discovery(discovery).port(0).workerThreads(4).metrics(prometheus, meters).build().start();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> fetch("/users/1").startsWith("200 "));
    for (int i = 2; i < 12; i++) {
      assertTrue(fetch("/users/" + i).startsWith("200 "));
    }
    assertTrue(fetch("/users/500").startsWith("5"));

    String scrape;
    try (Response r = http.newCall(new Request.Builder().url(gateway.uri() + "/metrics").build()).execute()) {
      assertEquals(200, r.code());
      assertTrue(r.header("Content-Type").startsWith("text/plain; version=0.0.4"), r.header("Content-Type"));
      scrape = r.body().string();
    }
    // The gateway's own timer by route name and status: 11 answered 200 on route "user" (the first await
    // may have tried more than once), one 5xx.
    assertTrue(scrape.matches("(?s).*mesh_gateway_requests_seconds_count\\{[^}]*http_response_status_code=\"200\""
        + "[^}]*route=\"user\"[^}]*} (1[1-9]|[2-9][0-9])(\\.0)?\n.*"), scrape);
    assertTrue(scrape.matches("(?s).*mesh_gateway_requests_seconds_count\\{[^}]*http_response_status_code=\"5\\d\\d\""
        + "[^}]*route=\"user\"[^}]*} 1(\\.0)?\n.*"), scrape);
    // Mesh calls by the forwarded path's template (one placeholder per segment), never by raw path.
    assertTrue(scrape.contains("mesh_client_call_duration_seconds_count{"), scrape);
    assertTrue(scrape.contains("url_template=\"/{s0}/{s1}\""), scrape);
    assertFalse(scrape.contains("/users/7"), "a raw path leaked into a tag");
    assertTrue(scrape.contains("http_client_request_duration_seconds_count{"), scrape);
    // Resilience events through MeshMeters: the failed attempt is counted (one instance: nowhere to retry).
    assertTrue(scrape.matches("(?s).*mesh_client_attempts_total\\{[^}]*outcome=\"failure\"[^}]*} 1\\.0\n.*"), scrape);
    // Discovery, through the same MeshMeters given to ConsulDiscovery.
    assertTrue(scrape.contains("mesh_discovery_instances{") && scrape.contains("mesh_service=\"" + service + "\""), scrape);
    // The scrape is not a route: nothing reached the backend for /metrics.
    assertTrue(backend.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
        urlPathEqualTo("/metrics"))).isEmpty());
    // HEAD: headers only.
    try (Response r = http.newCall(new Request.Builder().url(gateway.uri() + "/metrics").head().build()).execute()) {
      assertEquals(200, r.code());
    }
  }

  @Test
  void withoutMetricsTheScrapePathIsAnOrdinaryUnroutedPath() throws IOException {
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    gateway = ApiGateway.builder().config(GatewayConfig.parse(config(""), Map.<String, String>of()::get))
        .discovery(discovery).port(0).workerThreads(2).build().start();
    assertTrue(fetch("/metrics").startsWith("404 "));
  }

  @Test
  void onlyTheExactPathIsTheScrapeOtherPathsAreRouted() throws IOException {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    String metricsX = "{\"name\": \"mx\", \"path\": \"/metricsx\", \"methods\": [\"GET\"], \"service\": \"" + service
        + "\"},";
    gateway = ApiGateway.builder().config(GatewayConfig.parse(config(metricsX), Map.<String, String>of()::get))
        .discovery(discovery).port(0).workerThreads(2).metrics(prometheus, MeshMeters.create(prometheus)).build()
        .start();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> fetch("/metricsx").startsWith("200 "));
    assertFalse(fetch("/metricsx").contains("# HELP"));
  }

  @Test
  void aRouteOnTheScrapePathIsRefusedWhenMetricsAreOn() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    String all = "{\"name\": \"catch-all\", \"path\": \"/**\", \"methods\": [\"GET\"], \"service\": \"" + service + "\"},";
    ApiGateway.Builder b = ApiGateway.builder().config(GatewayConfig.parse(config(all), Map.<String, String>of()::get))
        .discovery(discovery).port(0).metrics(prometheus, MeshMeters.create(prometheus));
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertTrue(e.getMessage().contains("'catch-all'") && e.getMessage().contains("/metrics")
        && e.getMessage().contains("leave metrics off"), e.getMessage());
  }
}
