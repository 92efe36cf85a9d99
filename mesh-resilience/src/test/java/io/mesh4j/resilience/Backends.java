package io.mesh4j.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.mesh4j.api.ServiceInstance;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Three WireMock servers playing the instances of one service, and a tiny HTTP client over them. */
final class Backends implements AutoCloseable {
  static final String SERVICE = "orders";

  final List<WireMockServer> servers = new ArrayList<>();
  final List<ServiceInstance> instances = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  Backends(int n) {
    for (int i = 0; i < n; i++) {
      WireMockServer s = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1")
          .containerThreads(16).jettyAcceptors(1));
      s.start();
      servers.add(s);
      instances.add(ServiceInstance.newBuilder().serviceName(SERVICE).host("127.0.0.1").port(s.port()).build());
    }
  }

  /** Every instance answers 200 with a small JSON body. */
  void allHealthy() {
    for (int i = 0; i < servers.size(); i++) {
      answer(i, aResponse().withStatus(200).withBody("{\"from\":" + i + "}"));
    }
  }

  void answer(int instance, ResponseDefinitionBuilder response) {
    WireMockServer s = servers.get(instance);
    s.resetAll();
    s.stubFor(any(anyUrl()).willReturn(response));
  }

  int indexOf(ServiceInstance instance) {
    return instances.indexOf(instance);
  }

  /** A GET of {@code /orders} on {@code instance} within the attempt's timeout. */
  HttpResponse<String> get(ServiceInstance instance, AttemptContext ctx) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(instance.uri().resolve("/orders")).timeout(ctx.timeout()).GET().build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  /** As {@link #get}, then "parses" the body: a body not shaped like a JSON object is malformed. */
  String getBody(ServiceInstance instance, AttemptContext ctx) throws IOException, InterruptedException {
    HttpResponse<String> r = get(instance, ctx);
    if (r.statusCode() != 200) {
      throw new IOException("status " + r.statusCode());
    }
    String body = r.body();
    if (!body.startsWith("{") || !body.endsWith("}")) {
      throw new IOException("malformed body: " + body);
    }
    return body;
  }

  /** HTTP classification as the client will do it: 502, 503, 504 and 429 retryable, Retry-After honoured. */
  static final OutcomeClassifier<HttpResponse<String>> HTTP = r -> {
    int code = r.statusCode();
    if (code == 502 || code == 503 || code == 504 || code == 429) {
      Optional<String> after = r.headers().firstValue("Retry-After");
      return after.map(s -> Outcome.retryableFailure(Duration.ofSeconds(Long.parseLong(s.trim()))))
          .orElse(Outcome.retryableFailure());
    }
    return code >= 500 ? Outcome.failure() : Outcome.success();
  };

  @Override
  public void close() {
    servers.forEach(WireMockServer::stop);
  }
}
