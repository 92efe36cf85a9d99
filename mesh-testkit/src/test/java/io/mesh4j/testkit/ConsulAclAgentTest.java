package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ACL agent enforces what it says: default deny, the master token, the service token's policy. */
@Timeout(120)
class ConsulAclAgentTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.withAcl();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(CONSUL.agent().baseUrl() + path))
        .timeout(Duration.ofSeconds(5))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("X-Consul-Token", token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> register(String name, String token) throws Exception {
    return send("PUT", "/v1/agent/service/register",
        "{\"ID\":\"" + name + "\",\"Name\":\"" + name + "\",\"Address\":\"127.0.0.1\",\"Port\":9000}", token);
  }

  private static String health(String name, String token) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/health/service/" + name, null, token);
    assertEquals(200, r.statusCode(), r.body());
    return r.body().trim();
  }

  private static String name() {
    return ConsulAcl.SERVICE_PREFIX + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void withoutATokenWritesAreDeniedAndReadsFiltered() throws Exception {
    String name = name();
    HttpResponse<String> denied = register(name, null);
    assertEquals(403, denied.statusCode());
    assertTrue(denied.body().startsWith("Permission denied"), denied.body());

    assertEquals(200, register(name, CONSUL.agent().acl().masterToken()).statusCode());
    assertTrue(health(name, CONSUL.agent().acl().masterToken()).contains(name), "the master token reads it");
    assertEquals("[]", health(name, null), "the anonymous token sees nothing: reads are filtered, not refused");
  }

  @Test
  void anUnknownTokenIsRefused() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/health/service/" + name(), null, UUID.randomUUID().toString());
    assertEquals(403, r.statusCode());
    assertEquals("ACL not found", r.body().trim());
  }

  @Test
  void theServiceTokenWritesItsServicesAndNoOthers() throws Exception {
    ConsulAcl acl = CONSUL.agent().acl();
    assertNotEquals(acl.masterToken(), acl.serviceToken());
    String name = name();
    assertEquals(200, register(name, acl.serviceToken()).statusCode());
    assertTrue(health(name, acl.serviceToken()).contains(name));
    assertEquals(200, send("PUT", "/v1/agent/service/deregister/" + name, null, acl.serviceToken()).statusCode());
    assertEquals("[]", health(name, acl.masterToken()));

    HttpResponse<String> other = register("not-" + name, acl.serviceToken());
    assertEquals(403, other.statusCode());
    assertTrue(other.body().contains("Permission denied"), other.body());
  }

  @Test
  void createTokenMakesARealTokenWithOnlyItsRules() throws Exception {
    ConsulAcl acl = CONSUL.agent().acl();
    String name = name();
    assertEquals(200, register(name, acl.masterToken()).statusCode());
    String readOnly = acl.createToken("read only", "service_prefix \"\" { policy = \"read\" }\n"
        + "node_prefix \"\" { policy = \"read\" }\n");
    assertTrue(health(name, readOnly).contains(name), "it reads");
    assertEquals(403, register(name(), readOnly).statusCode(), "it does not write");
    HttpResponse<String> self = send("GET", "/v1/acl/token/self", null, readOnly);
    assertEquals(200, self.statusCode(), self.body());
    assertTrue(self.body().contains("read only"), self.body());
  }

  @Test
  void aDeletedTokenIsRefusedFromThenOn() throws Exception {
    ConsulAcl acl = CONSUL.agent().acl();
    String token = acl.createToken("to revoke", ConsulAcl.SERVICE_RULES);
    assertEquals(200, register(name(), token).statusCode());
    acl.deleteToken(token);
    HttpResponse<String> r = register(name(), token);
    assertEquals(403, r.statusCode());
    assertEquals("ACL not found", r.body().trim());
    assertEquals(200, register(name(), acl.serviceToken()).statusCode(), "other tokens are untouched");
  }

  @Test
  void theAgentRunsAsTheLeakCheckOfScriptsTestShExpects() {
    ConsulAgent agent = CONSUL.agent();
    String cmd = ProcessHandle.of(agent.pid().getAsLong()).orElseThrow().info().commandLine().orElseThrow();
    assertTrue(cmd.contains("consul agent -dev -node mesh4j-test-"), cmd);
    assertTrue(agent.workDir().getFileName().toString().startsWith("mesh4j-testkit-"), agent.workDir().toString());
    assertTrue(agent.baseUrl().startsWith("http://127.0.0.1:"), agent.baseUrl());
    assertFalse(agent.toString().contains(agent.acl().masterToken()), agent.toString());
    assertFalse(agent.acl().toString().contains(agent.acl().serviceToken()));
  }

  @Test
  void onlyAnAclAgentHasAcls() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConsulAgent.shared().acl());
    assertTrue(e.getMessage().contains("ConsulExtension.withAcl()"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> CONSUL.agent().tls());
  }

  /** Last: it restarts the agent. Dev mode forgets everything, yet both tokens still work after. */
  @Test
  void tokensSurviveARestart() throws Exception {
    ConsulAgent agent = ConsulAgent.startWithAcl();
    Path dir = agent.workDir();
    try {
      String token = agent.acl().serviceToken();
      agent.restart();
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(agent.baseUrl() + "/v1/agent/service/register"))
          .header("X-Consul-Token", token).timeout(Duration.ofSeconds(5))
          .PUT(HttpRequest.BodyPublishers.ofString("{\"Name\":\"" + name() + "\",\"Port\":1}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    } finally {
      agent.close();
    }
    assertFalse(agent.isRunning());
    assertFalse(Files.exists(dir), "the folder is removed on close");
  }
}
