package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The multi-node topology: three dc1 servers elect a leader, the client agent serves the catalog,
 * a killed leader is replaced and rejoins as a follower, and dc2 answers through dc1's client agent.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConsulClusterTest {
  @RegisterExtension static final ConsulClusterExtension CLUSTER = ConsulClusterExtension.withSecondDatacenter();

  @Test
  void formsWithALeaderAndAClientAgentServingTheCatalog(ConsulCluster cluster) throws Exception {
    ConsulCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(20));
    assertTrue(leader.isServer() && cluster.servers().contains(leader), leader.toString());
    ConsulCluster.Node client = cluster.clientAgent();
    assertFalse(client.isServer());
    String peers = ConsulAgentTest.send("GET", client.baseUrl() + "/v1/status/peers", null).body();
    for (ConsulCluster.Node s : cluster.servers()) {
      assertTrue(peers.contains(s.rpcAddress()), peers);
    }
    ConsulAgentTest.send("PUT", client.baseUrl() + "/v1/agent/service/register",
        "{\"ID\":\"cluster-echo-1\",\"Name\":\"cluster-echo\",\"Address\":\"127.0.0.1\",\"Port\":9100}");
    // Registered on the client agent, read back from a server: it reached the replicated catalog.
    awaitBody(cluster.servers().get(0).baseUrl() + "/v1/catalog/service/cluster-echo", "\"ServicePort\":9100");
  }

  @Test
  void killedLeaderIsReplacedAndRejoins(ConsulCluster cluster) throws Exception {
    ConsulCluster.Node before = cluster.awaitLeader(Duration.ofSeconds(20));
    long t0 = System.nanoTime();
    ConsulCluster.Node killed = cluster.killLeader();
    assertEquals(before, killed);
    assertFalse(killed.isRunning());
    ConsulCluster.Node after = cluster.awaitLeader(Duration.ofSeconds(30));
    long electionMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("[ConsulClusterTest] new leader known to the client agent " + electionMillis
        + " ms after the leader was killed");
    assertNotEquals(killed, after);
    assertTrue(after.isRunning());
    // Writes work again through the client agent: the catalog has a leader.
    ConsulAgentTest.send("PUT", cluster.clientAgent().baseUrl() + "/v1/agent/service/register",
        "{\"ID\":\"after-election\",\"Name\":\"after-election\",\"Address\":\"127.0.0.1\",\"Port\":9101}");
    awaitBody(after.baseUrl() + "/v1/catalog/service/after-election", "\"ServicePort\":9101");

    cluster.start(killed);
    assertTrue(killed.isRunning());
    assertEquals(after, cluster.awaitLeader(Duration.ofSeconds(20)), "the restarted server rejoins as a follower");
  }

  @Test
  void clientAgentAnswersCatalogQueriesForDc2(ConsulCluster cluster) throws Exception {
    ConsulCluster.Node dc2 = cluster.dc2Server();
    assertEquals("dc2", dc2.datacenter());
    HttpResponse<String> r = ConsulAgentTest.send("PUT", dc2.baseUrl() + "/v1/agent/service/register",
        "{\"ID\":\"dc2-echo-1\",\"Name\":\"dc2-echo\",\"Address\":\"127.0.0.1\",\"Port\":9200}");
    assertEquals(200, r.statusCode(), r.body());
    String dcs = ConsulAgentTest.send("GET", cluster.clientAgent().baseUrl() + "/v1/catalog/datacenters", null).body();
    assertTrue(dcs.contains("\"dc1\"") && dcs.contains("\"dc2\""), dcs);
    awaitBody(cluster.clientAgent().baseUrl() + "/v1/health/service/dc2-echo?dc=dc2", "\"Port\":9200");
    String local = ConsulAgentTest.send("GET", cluster.clientAgent().baseUrl() + "/v1/health/service/dc2-echo", null)
        .body();
    assertEquals("[]", local.trim(), "dc2's service is not in dc1");
  }

  private static void awaitBody(String url, String expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = ConsulAgentTest.send("GET", url, null);
      last = r.statusCode() + " " + r.body();
      if (r.statusCode() == 200 && r.body().replace(" ", "").contains(expected)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + expected + " from " + url + " within 20 s; last: " + last);
  }
}
