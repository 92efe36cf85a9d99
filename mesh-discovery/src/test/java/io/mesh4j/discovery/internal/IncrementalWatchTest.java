package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.ConsulExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A watch on a real agent, whose answers it reads entry by entry ({@link IncrementalHealthParser}),
 * through checks going critical and passing again, a re-registration with new metadata (bytes that
 * look like JSON structure, escapes, non-ASCII; then a value of the same length), a deregistration
 * and a new instance: after each
 * step its instances equal, in order and content, what the full parser reads from the agent.
 */
@Timeout(60)
class IncrementalWatchTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final Duration T = Duration.ofSeconds(15);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static int send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return HTTP.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void put(String base, String path, String json) throws IOException, InterruptedException {
    int s = send(HttpRequest.newBuilder(URI.create(base + path)).PUT(HttpRequest.BodyPublishers.ofString(json)));
    assertEquals(200, s, "PUT " + path);
  }

  private static void register(String base, String svc, int i, String meta) throws IOException, InterruptedException {
    put(base, "/v1/agent/service/register", "{\"Name\":\"" + svc + "\",\"ID\":\"" + svc + "-" + i
        + "\",\"Address\":\"127.0.0." + (1 + i) + "\",\"Port\":" + (7000 + i) + ",\"Tags\":[\"t" + i
        + "\"],\"Meta\":{" + meta + "},\"Check\":{\"TTL\":\"60s\",\"Status\":\"passing\"}}");
  }

  /** What the full parser reads from the agent now. */
  private static List<ServiceInstance> fullRead(String base, String svc) throws IOException, InterruptedException {
    byte[] body = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/health/service/" + svc + "?passing"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body();
    return HealthEntries.toInstances(svc, HealthAnswerParser.parse(body, "/v1/health/service/" + svc), null);
  }

  private static void awaitSame(ConsulDiscovery d, String base, String svc, int size, String step) {
    AtomicReference<String> last = new AtomicReference<>();
    try {
      Awaitility.await(step).atMost(T).pollInterval(Duration.ofMillis(50)).until(() -> {
        List<ServiceInstance> want = fullRead(base, svc);
        List<ServiceInstance> got = d.instances(svc);
        last.set("want " + want + "\ngot  " + got);
        return want.size() == size && HealthEntries.sameContent(want, got);
      });
    } catch (ConditionTimeoutException e) {
      fail(step + ": the watch's instances never equalled the full parser's within " + T + "\n" + last.get());
    }
  }

  @Test
  void aWatchsInstancesEqualTheFullParsersThroughEveryKindOfChange() throws Exception {
    ConsulAgent agent = CONSUL.agent();
    String base = agent.baseUrl();
    String svc = "incr-" + UUID.randomUUID().toString().substring(0, 8);
    // Enough instances for the answer to be one the watch keeps and compares (DEFAULT_MIN_BYTES).
    int n = 48;
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(base).build()) {
      for (int i = 0; i < n; i++) {
        register(base, svc, i, "\"zone\":\"z" + (i % 3) + "\"");
      }
      awaitSame(d, base, svc, n, "all registered");
      int bytes = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/health/service/" + svc + "?passing"))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body().length;
      assertTrue(bytes >= IncrementalHealthParser.DEFAULT_MIN_BYTES, "an answer of " + bytes + " bytes is read whole: "
          + "the test would not exercise the incremental reader");
      put(base, "/v1/agent/check/fail/service:" + svc + "-5", "");
      awaitSame(d, base, svc, n - 1, "one critical, out of ?passing");
      put(base, "/v1/agent/check/pass/service:" + svc + "-5", "");
      awaitSame(d, base, svc, n, "passing again");
      register(base, svc, 7, "\"x\":\"{\\\"Node\\\":{\\\"Address\\\":\\\"6.6.6.6\\\"}},{\","
          + "\"q\":\"a\\\\\",\"b\":\"}]caf\u00e9 \\u2603\"");
      awaitSame(d, base, svc, n, "new metadata");
      ServiceInstance seven = d.instances(svc).stream().filter(i -> i.id().equals(svc + "-7")).findFirst()
          .orElseThrow();
      assertEquals("{\"Node\":{\"Address\":\"6.6.6.6\"}},{", seven.metadata().get("x"));
      assertEquals("}]caf\u00e9 \u2603", seven.metadata().get("b"));
      assertEquals("a\\", seven.metadata().get("q"));
      // As long as before, twice (a reader that fell back to the full parser kept nothing to reuse
      // the first time): only the bytes tell the entries apart.
      register(base, svc, 2, "\"zone\":\"z9\"");
      awaitSame(d, base, svc, n, "metadata of the same length");
      register(base, svc, 2, "\"zone\":\"z8\"");
      awaitSame(d, base, svc, n, "metadata of the same length again");
      put(base, "/v1/agent/service/deregister/" + svc + "-3", "");
      put(base, "/v1/agent/check/fail/service:" + svc + "-4", "");
      awaitSame(d, base, svc, n - 2, "one gone, one critical");
      register(base, svc, n, "");
      put(base, "/v1/agent/check/pass/service:" + svc + "-4", "");
      awaitSame(d, base, svc, n, "a new one, and one passing again");
    } finally {
      for (int i = 0; i <= n; i++) {
        send(HttpRequest.newBuilder(URI.create(base + "/v1/agent/service/deregister/" + svc + "-" + i))
            .PUT(HttpRequest.BodyPublishers.noBody()));
      }
    }
  }
}
