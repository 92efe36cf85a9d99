package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static io.mesh4j.discovery.TestSupport.threadsNamed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.internal.NamedThreadFactory;
import io.mesh4j.testkit.ConsulExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15 part 4: one client watching hundreds of services against an agent that serves at most
 * {@value #LIMIT} connections per client ({@code http_max_conns_per_client}, 200 on a stock agent:
 * scaled down here so the test stays quick). Every service gets its list, on a handful of
 * threads, changes still arrive, and a client that does hit the limit says so at WARN.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchScaleTest {
  private static final int LIMIT = 40;
  private static final int SERVICES = 300;
  private static final String NODE = "scale-node";
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.withHttpConnLimit(LIMIT);

  @BeforeAll
  static void registerServices() {
    for (int i = 0; i < SERVICES; i++) {
      CONSUL.agent().catalogRegister(NODE, service(i), 20_000 + i, "passing");
    }
  }

  private static String service(int i) {
    return "scale-" + i;
  }

  private ConsulDiscovery.Builder discovery() {
    return ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).queryWait(Duration.ofSeconds(10));
  }

  @Test
  void hundredsOfWatchedServicesAllGetTheirListsOnAFewThreadsAndChangesStillArrive() {
    Map<String, List<ServiceInstance>> heard = new ConcurrentHashMap<>();
    try (ConsulDiscovery discovery = discovery().build()) {
      for (int i = 0; i < SERVICES; i++) {
        String s = service(i);
        discovery.subscribe(s, change -> heard.put(s, change.instances()));
      }
      await(Duration.ofSeconds(30), "every watched service heard its instance", () -> heard.size() == SERVICES);
      List<String> threads = threadsNamed(NamedThreadFactory.PREFIX);
      assertTrue(threads.size() <= 8, "discovery threads: " + threads);

      // A new instance of one service, then a failing check of another, reach the client.
      CONSUL.agent().catalogRegister(NODE, service(150), 30_150, "passing");
      await(Duration.ofSeconds(10), "the second instance of " + service(150),
          () -> discovery.instances(service(150)).size() == 2 && heard.get(service(150)).size() == 2);
      CONSUL.agent().catalogRegister(NODE, service(77), 20_077, "critical");
      await(Duration.ofSeconds(10), service(77) + " has no passing instance",
          () -> discovery.instances(service(77)).isEmpty());
      assertEquals(1, discovery.instances(service(76)).size());
      CONSUL.agent().catalogRegister(NODE, service(77), 20_077, "passing");
      await(Duration.ofSeconds(10), service(77) + " passes again", () -> discovery.instances(service(77)).size() == 1);
    }
    await(Duration.ofSeconds(5), "no discovery thread left", () -> threadsNamed(NamedThreadFactory.PREFIX).isEmpty());
  }

  @Test
  void aClientOverTheAgentsConnectionLimitWarnsOnceNamingTheLimitAndTheSettingAndBacksOff() {
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(err, captured), true, StandardCharsets.UTF_8));
    try (ConsulDiscovery discovery = discovery().sharedViewAbove(Integer.MAX_VALUE).eventListener(events).build()) {
      for (int i = 0; i < LIMIT + 20; i++) {
        discovery.subscribe(service(i), change -> { });
      }
      await(Duration.ofSeconds(20), "a WARN naming http_max_conns_per_client",
          () -> captured.toString(StandardCharsets.UTF_8).contains("http_max_conns_per_client"));
      String log = captured.toString(StandardCharsets.UTF_8);
      assertTrue(log.contains("WARN") && log.contains("sharedViewAbove"), log);
      List<WatchFailedEvent> failed = new ArrayList<>(events.of(WatchFailedEvent.class));
      assertTrue(failed.stream().allMatch(e -> e.retryIn().compareTo(Duration.ofMillis(250)) >= 0),
          "every failed watch backs off: " + failed);
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertEquals(log.indexOf("http_max_conns_per_client"), log.lastIndexOf("http_max_conns_per_client (default"),
        "logged once: " + log);
  }

  /** Writes to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
