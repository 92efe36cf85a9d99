package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConsulAgentTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static HttpResponse<String> send(String method, String url, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void register(ConsulAgent agent, String name, int port) throws Exception {
    String json = "{\"ID\":\"" + name + "-" + port + "\",\"Name\":\"" + name + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port
        + ",\"Tags\":[\"t1\"]}";
    HttpResponse<String> r = send("PUT", agent.baseUrl() + "/v1/agent/service/register", json);
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void registersAndReadsBackThroughHealthEndpoint(ConsulAgent agent) throws Exception {
    register(agent, "testkit-echo", 9001);
    register(agent, "testkit-echo", 9002);
    HttpResponse<String> r = send("GET", agent.baseUrl() + "/v1/health/service/testkit-echo?passing=true", null);
    assertEquals(200, r.statusCode());
    assertTrue(r.body().replace(" ", "").contains("\"Port\":9001"), r.body());
    assertTrue(r.body().replace(" ", "").contains("\"Port\":9002"), r.body());
    assertTrue(r.headers().firstValue("X-Consul-Index").isPresent(), "blocking-query index header");
    assertEquals(200, send("PUT", agent.baseUrl() + "/v1/agent/service/deregister/testkit-echo-9001", null).statusCode());
    String after = send("GET", agent.baseUrl() + "/v1/health/service/testkit-echo", null).body();
    assertFalse(after.replace(" ", "").contains("\"Port\":9001"), after);
  }

  @Test
  void sharedIsOneAgentPerJvm() {
    assertEquals(CONSUL.agent().baseUrl(), ConsulAgent.shared().baseUrl());
    assertTrue(CONSUL.agent().isRunning());
  }

  @Test
  void privateAgentStopsAndRestartsOnTheSamePort() throws Exception {
    try (ConsulAgent agent = ConsulAgent.startPrivate()) {
      String url = agent.baseUrl();
      register(agent, "outage", 9100);
      agent.stop();
      assertFalse(agent.isRunning());
      assertThrows(ConnectException.class, () -> send("GET", url + "/v1/status/leader", null));
      agent.start();
      assertEquals(url, agent.baseUrl());
      HttpResponse<String> leader = send("GET", url + "/v1/status/leader", null);
      assertEquals(200, leader.statusCode());
      assertTrue(leader.body().length() > 2, "a leader after restart");
      // Dev mode keeps nothing: the restarted agent forgot the registration, as a real one
      // that lost its state would, which is what re-registration tests need.
      assertEquals("[]", send("GET", url + "/v1/health/service/outage", null).body().trim());
    }
  }

  @Test
  void aServerAgentAnswersCompactJsonAndKeepsItsStateThroughARestart() throws Exception {
    try (ConsulAgent agent = ConsulAgent.startPrivateServer()) {
      String url = agent.baseUrl();
      register(agent, "kept", 9200);
      String body = send("GET", url + "/v1/health/service/kept", null).body();
      assertTrue(body.contains("\"Port\":9200"), "compact JSON, as deployed agents answer: " + body);
      assertFalse(body.contains("\n "), "not pretty-printed as in dev mode: " + body);
      agent.stop();
      agent.start();
      String after = send("GET", url + "/v1/health/service/kept", null).body();
      assertTrue(after.contains("\"Port\":9200"), "a server keeps its registrations: " + after);
    }
  }
}
