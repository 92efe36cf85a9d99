package io.mesh4j.discovery;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers a real agent cannot be made to give, from WireMock playing Consul: a malformed body, an
 * index that goes backwards or is 0, 5xx, no leader, an ACL refusal that echoes the token, TLS.
 */
class ConsulFaultsTest {
  private static final String PATH = "/v1/health/service/web";
  private static final String TOKEN = "9c8b7a65-very-s3cr3t-acl-token";
  private static final Duration T = Duration.ofSeconds(10);

  private WireMockServer wm;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  private static String entry(int port) {
    return "{\"Node\":{\"ID\":\"n1\",\"Node\":\"node1\",\"Address\":\"10.0.0.1\",\"Datacenter\":\"dc1\"},"
        + "\"Service\":{\"ID\":\"web-" + port + "\",\"Service\":\"web\",\"Tags\":[],\"Address\":\"10.0.0.2\","
        + "\"Meta\":{},\"Port\":" + port + "},\"Checks\":[]}";
  }

  private static String list(int... ports) {
    return "[" + java.util.Arrays.stream(ports).mapToObj(ConsulFaultsTest::entry).collect(Collectors.joining(","))
        + "]";
  }

  private static ResponseDefinitionBuilder consul(String body, String index) {
    return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withHeader("X-Consul-Index", index).withHeader("X-Consul-KnownLeader", "true").withBody(body);
  }

  private void onIndex(String index, ResponseDefinitionBuilder answer) {
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo(index)).willReturn(answer));
  }

  private ConsulDiscovery.Builder discovery(TestSupport.EventRecorder events) {
    return ConsulDiscovery.builder().url(wm.baseUrl()).eventListener(events)
        .minQueryInterval(Duration.ofMillis(20)).errorBackoff(Duration.ofMillis(20), Duration.ofMillis(100));
  }

  /** @return the first failure event of {@code reason} */
  private WatchFailedEvent assertKeepsLastKnownGood(ResponseDefinitionBuilder bad, WatchFailedEvent.Reason reason) {
    onIndex("0", consul(list(80, 81), "10"));
    onIndex("10", bad);
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events).build()) {
      TestSupport.Recorder rec = new TestSupport.Recorder();
      assertEquals(2, d.instances("web").size());
      d.subscribe("web", rec);
      await(T, "two " + reason + " failures", () -> events.of(WatchFailedEvent.class).stream()
          .filter(e -> e.reason() == reason).count() >= 2);
      assertEquals(2, d.instances("web").size(), "last known good list kept");
      await(T, "initial delivery", () -> rec.changes.size() == 1);
      assertEquals(2, rec.lastSize(), "listeners never hear of an empty list for a failure");
      WatchFailedEvent e = events.of(WatchFailedEvent.class).get(0);
      assertEquals(2, e.servingInstances());
      assertTrue(e.retryIn().compareTo(Duration.ZERO) > 0);
      return events.of(WatchFailedEvent.class).stream().filter(f -> f.reason() == reason).findFirst().orElseThrow();
    }
  }

  @Test
  void afterAFailedRound_theFirstQueryIsAPlainRead_soARestartedAgentIsSeenAtOnce() {
    // A restarted agent counts its indexes from low numbers again: a blocking query on the index
    // from before the outage would wait out its whole wait time for the first fresh answer.
    String scenario = "restart";
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("0")).inScenario(scenario)
        .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
        .willReturn(consul(list(80), "100")).willSetStateTo("down"));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("0")).inScenario(scenario)
        .whenScenarioStateIs("down").willReturn(consul(list(80), "100")));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("100")).inScenario(scenario)
        .whenScenarioStateIs("down")
        .willReturn(aResponse().withStatus(500).withBody("agent shutting down"))
        .willSetStateTo("back"));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("100")).inScenario(scenario)
        .whenScenarioStateIs("back").willReturn(consul(list(80), "100").withFixedDelay(8_000)));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("0")).inScenario(scenario)
        .whenScenarioStateIs("back").willReturn(consul(list(80, 81), "7")));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("7")).inScenario(scenario)
        .whenScenarioStateIs("back").willReturn(consul(list(80, 81), "7").withFixedDelay(200)));
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events).build()) {
      assertEquals(1, d.instances("web").size());
      await(Duration.ofSeconds(4), "the restarted agent's list seen without waiting out a blocking query",
          () -> d.instances("web").size() == 2);
      assertFalse(events.of(WatchFailedEvent.class).isEmpty(), "the reset was a failed round");
    }
  }

  @Test
  void malformedBody_keepsLastKnownGood() {
    assertKeepsLastKnownGood(consul("{ this is not [ json", "11"), WatchFailedEvent.Reason.BAD_RESPONSE);
  }

  @Test
  void aBodyOfTheWrongShape_isAFailureNamingTheEndpointAndThePlace_andKeepsLastKnownGood() {
    WatchFailedEvent e = assertKeepsLastKnownGood(consul("[" + entry(80).replace("\"Port\":80", "\"Port\":\"80\"")
        + "]", "11"), WatchFailedEvent.Reason.BAD_RESPONSE);
    assertTrue(e.message().contains("Consul's answer to " + PATH + " is not a health list: Service.Port should be an "
        + "integer but is a string at line 1, column"), e.message());
  }

  @Test
  void aBodyCutShort_isAFailure_andKeepsLastKnownGood() {
    String whole = list(80, 81);
    WatchFailedEvent e = assertKeepsLastKnownGood(consul(whole.substring(0, whole.length() / 2), "11"),
        WatchFailedEvent.Reason.BAD_RESPONSE);
    assertTrue(e.message().contains(PATH), e.message());
  }

  @Test
  void nullBody_keepsLastKnownGood() {
    assertKeepsLastKnownGood(consul("null", "11"), WatchFailedEvent.Reason.BAD_RESPONSE);
  }

  @Test
  void serverError_keepsLastKnownGood() {
    assertKeepsLastKnownGood(aResponse().withStatus(500).withBody("rpc error: No cluster leader"),
        WatchFailedEvent.Reason.SERVER_ERROR);
  }

  @Test
  void noKnownLeader_keepsLastKnownGood_evenWhenTheAnswerIsEmpty() {
    assertKeepsLastKnownGood(consul("[]", "12").withHeader("X-Consul-KnownLeader", "false"),
        WatchFailedEvent.Reason.NO_LEADER);
  }

  @Test
  void staleMode_answerWithoutAKnownLeader_isApplied() {
    // An election or a lost quorum: any server answers from its copy, and the stale mode takes it.
    onIndex("0", consul(list(80), "10"));
    onIndex("10", consul(list(80, 81), "11").withHeader("X-Consul-KnownLeader", "false")
        .withHeader("X-Consul-LastContact", "1500"));
    onIndex("11", consul(list(80, 81), "11").withHeader("X-Consul-KnownLeader", "false").withFixedDelay(200));
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events).consistency(ConsistencyMode.STALE).build()) {
      assertEquals(1, d.instances("web").size());
      await(T, "the leaderless stale answer applied", () -> d.instances("web").size() == 2);
      assertTrue(events.of(WatchFailedEvent.class).isEmpty(), events.events.toString());
      assertTrue(events.of(WatchSyncedEvent.class).get(0).knownLeader());
      WatchSyncedEvent leaderless = events.of(WatchSyncedEvent.class).stream().filter(e -> e.instanceCount() == 2)
          .findFirst().orElseThrow();
      assertFalse(leaderless.knownLeader(), "X-Consul-KnownLeader surfaced: " + leaderless);
      assertEquals(Duration.ofMillis(1500), leaderless.lastContact(), "X-Consul-LastContact surfaced");
    }
  }

  @Test
  void staleMode_emptyAnswerWithoutAKnownLeader_keepsLastKnownGood() {
    onIndex("0", consul(list(80, 81), "10"));
    onIndex("10", consul("[]", "12").withHeader("X-Consul-KnownLeader", "false"));
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events).consistency(ConsistencyMode.STALE).build()) {
      assertEquals(2, d.instances("web").size());
      await(T, "two NO_LEADER failures", () -> events.of(WatchFailedEvent.class).stream()
          .filter(e -> e.reason() == WatchFailedEvent.Reason.NO_LEADER).count() >= 2);
      assertEquals(2, d.instances("web").size(), "a leaderless 'none' never empties the list");
    }
  }

  @Test
  void emptyAnswerFromAHealthyConsul_isApplied() {
    onIndex("0", consul(list(80), "10"));
    onIndex("10", consul("[]", "11"));
    onIndex("11", consul("[]", "11").withFixedDelay(200));
    try (ConsulDiscovery d = discovery(new TestSupport.EventRecorder()).build()) {
      TestSupport.Recorder rec = new TestSupport.Recorder();
      d.subscribe("web", rec);
      await(T, "empty list applied", () -> rec.lastSize() == 0 && d.instances("web").isEmpty());
      assertEquals(1, rec.last().removed().size());
    }
  }

  @Test
  void indexGoingBackwards_resetsToZero() {
    onIndex("0", consul(list(80), "100"));
    onIndex("100", consul(list(80, 81), "50")); // e.g. a restored snapshot
    try (ConsulDiscovery d = discovery(new TestSupport.EventRecorder()).build()) {
      assertEquals(1, d.instances("web").size());
      await(T, "re-query from index 0 after the index went back", () ->
          wm.findAll(getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("0"))).size() >= 2);
      assertTrue(wm.findAll(getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("50"))).isEmpty(),
          "never blocks on an index lower than one already seen");
    }
  }

  @Test
  void indexZero_isTreatedAsOne() {
    onIndex("0", consul(list(80), "0"));
    onIndex("1", consul(list(80), "1").withFixedDelay(200));
    try (ConsulDiscovery d = discovery(new TestSupport.EventRecorder()).build()) {
      assertEquals(1, d.instances("web").size());
      await(T, "next query uses index 1", () ->
          !wm.findAll(getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("1"))).isEmpty());
    }
  }

  @Test
  void indexChurn_cannotBecomeAHotLoop() throws Exception {
    // Every answer comes back at once with the same data, as under hashicorp/consul#3890.
    onIndex("0", consul(list(80), "7"));
    onIndex("7", consul(list(80), "7"));
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(wm.baseUrl())
        .minQueryInterval(Duration.ofMillis(100)).build()) {
      d.instances("web");
      Thread.sleep(1_000); // a real-time window: the loop paces itself with real sleeps
    }
    int requests = wm.findAll(getRequestedFor(urlPathEqualTo(PATH))).size();
    // At most one query per 100 ms (plus the first): about 10 in a second, not thousands.
    assertTrue(requests <= 13, "requests in 1 s: " + requests);
    assertTrue(requests >= 3, "the loop kept querying: " + requests);
  }

  @Test
  void aRealChangeIsFollowedByTheNextQueryAtOnce_butOnlyOncePerInterval() {
    // index 0: the first read; 10: a blocking query that returns with a change; 11: another change at
    // once (an agent whose answers change every time); 12: blocks (a long delay) until the test ends.
    onIndex("0", consul(list(80), "10"));
    onIndex("10", consul(list(80, 81), "11"));
    onIndex("11", consul(list(80), "12"));
    onIndex("12", consul(list(80), "12").withFixedDelay(20_000));
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(wm.baseUrl())
        .minQueryInterval(Duration.ofMillis(1500)).build()) {
      d.instances("web");
      await(T, "the query on index 12", () -> !requestsOn("12").isEmpty());
    }
    long tenToEleven = requestsOn("11").get(0).getLoggedDate().getTime() - requestsOn("10").get(0).getLoggedDate().getTime();
    long elevenToTwelve = requestsOn("12").get(0).getLoggedDate().getTime() - requestsOn("11").get(0).getLoggedDate().getTime();
    // After the first real change the next query is not held back by the 1.5 s minimum interval...
    assertTrue(tenToEleven < 700, "ms from the query on 10 to the one on 11: " + tenToEleven);
    // ...but a second change right after it is: one skip per interval, so the loop cannot spin.
    assertTrue(elevenToTwelve >= 1400, "ms from the query on 11 to the one on 12: " + elevenToTwelve);
  }

  private List<com.github.tomakehurst.wiremock.verification.LoggedRequest> requestsOn(String index) {
    return wm.findAll(getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("index", equalTo(index)));
  }

  /**
   * Issue 17: after a long outage the default backoff still retries within about 3 s, so a recovered
   * agent is seen soon. The random source is pinned to the top of each jitter range (the slowest
   * retries); with the old 30 s cap the retry after a 9 s outage came about 6.5 s after recovery.
   */
  @Test
  void afterALongOutage_theDefaultBackoffSeesTheRecoveredAgentWithinSeconds() {
    onIndex("0", consul(list(80), "10"));
    onIndex("10", consul(list(80), "10").withFixedDelay(500)); // blocking queries that see no change
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(wm.baseUrl()).random(new java.util.Random() {
      @Override
      public double nextDouble() {
        return 0.999;
      }
    }).build()) {
      assertEquals(1, d.instances("web").size());
      long outageStart = System.nanoTime();
      com.github.tomakehurst.wiremock.stubbing.StubMapping outage =
          wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(1).willReturn(aResponse().withStatus(500)));
      await(T, "failing", () -> !wm.findAll(getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("index",
          equalTo("0"))).isEmpty() && wm.findAll(getRequestedFor(urlPathEqualTo(PATH))).size() >= 4);
      // Consul stays down 9 s in all, then comes back with a change.
      while (System.nanoTime() - outageStart < Duration.ofSeconds(9).toNanos()) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
      onIndex("0", consul(list(80, 81), "11"));
      onIndex("11", consul(list(80, 81), "11").withFixedDelay(500));
      wm.removeStub(outage);
      long back = System.nanoTime();
      await(Duration.ofSeconds(20), "the change after the outage", () -> d.instances("web").size() == 2);
      long seenAfterMillis = (System.nanoTime() - back) / 1_000_000;
      assertTrue(seenAfterMillis < 4_000, "ms from recovery until discovery saw it: " + seenAfterMillis);
    }
  }

  @Test
  void queryParameters_matchTheFilters() {
    onIndex("0", consul(list(80), "10"));
    onIndex("10", consul(list(80), "10").withFixedDelay(300));
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(wm.baseUrl()).tags("a", "b").datacenter("dc2")
        .consistency(ConsistencyMode.STALE).nearAgent(true).queryWait(Duration.ofSeconds(30)).build()) {
      d.instances("web");
    }
    LoggedRequest r = wm.findAll(getRequestedFor(urlPathEqualTo(PATH))).get(0);
    assertEquals(List.of("a", "b"), r.queryParameter("tag").values());
    assertEquals("dc2", r.queryParameter("dc").firstValue());
    assertEquals("_agent", r.queryParameter("near").firstValue());
    // queryWait less up to an eighth at random, so that watches renew apart (issue 15)
    assertTrue(List.of("27s", "28s", "29s", "30s").contains(r.queryParameter("wait").firstValue()),
        r.queryParameter("wait").firstValue());
    assertTrue(r.queryParameter("stale").isPresent());
    assertTrue(r.queryParameter("passing").isPresent());
  }

  @Test
  void token_onlyInTheHeader_neverInUrlsMessagesOrLogs() {
    // An ACL refusal whose body echoes the token, the worst case for a message built from it.
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(403)
        .withBody("Permission denied: token " + TOKEN + " lacks service:read")));
    PrintStream originalErr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(originalErr, logs), true, StandardCharsets.UTF_8));
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events).token(TOKEN).firstLoadTimeout(Duration.ofMillis(500)).build();
        ConsulRegistry r = ConsulRegistry.builder().url(wm.baseUrl()).token(TOKEN).build()) {
      NoInstanceAvailableException first = assertThrows(NoInstanceAvailableException.class, () -> d.instances("web"));
      assertTrue(first.getMessage().contains("403"), first.getMessage());
      assertFalse(first.getMessage().contains(TOKEN), first.getMessage());

      MeshException refused = assertThrows(MeshException.class, () -> r.register(ServiceRegistration.withoutHealthCheck(
          ServiceInstance.newBuilder().serviceName("web").host("127.0.0.1").port(80).build())));
      assertTrue(refused.getMessage().contains("403"), refused.getMessage());
      for (Throwable t = refused; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains(TOKEN), "token in " + t);
      }
      List<WatchFailedEvent> failures = events.of(WatchFailedEvent.class);
      assertFalse(failures.isEmpty());
      for (WatchFailedEvent e : failures) {
        assertEquals(WatchFailedEvent.Reason.CLIENT_ERROR, e.reason());
        assertEquals(403, e.status());
        assertFalse(e.message().contains(TOKEN), e.message());
      }
    } finally {
      System.setErr(originalErr);
    }
    String logged = logs.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("watch of 'web' failed"), "the capture saw the DEBUG log lines");
    assertFalse(logged.contains(TOKEN), "token in the logs");
    List<LoggedRequest> all = wm.findAll(getRequestedFor(urlPathEqualTo(PATH)));
    assertFalse(all.isEmpty());
    for (LoggedRequest req : wm.getAllServeEvents().stream().map(e -> e.getRequest()).collect(Collectors.toList())) {
      assertEquals(TOKEN, req.getHeader("X-Consul-Token"), "header on " + req.getUrl());
      assertFalse(req.getUrl().contains(TOKEN), "token in URL " + req.getUrl());
    }
    wm.verify(moreThanOrExactly(1), getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("token", absent()));
  }

  /** A list of one instance at index 10, then of two, then no further change. */
  private void oneThenTwoInstances() {
    onIndex("0", consul(list(80), "10"));
    onIndex("10", consul(list(80, 81), "11"));
    onIndex("11", consul(list(80, 81), "11").withFixedDelay(200));
  }

  /** Records every event; {@code onFirstSync} runs, on the watch thread, with the first sync. */
  private static MeshEventListener firstSync(TestSupport.EventRecorder events, Runnable onFirstSync) {
    AtomicBoolean first = new AtomicBoolean(true);
    return new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        events.onEvent(event);
        if (event instanceof WatchSyncedEvent && first.getAndSet(false)) {
          onFirstSync.run();
        }
      }
    };
  }

  @Test
  void anErrorInTheLoop_isAFailedRound_andTheWatchGoesOn() {
    oneThenTwoInstances();
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events).eventListener(firstSync(events, () -> {
      throw new StackOverflowError("thrown by a test listener"); // rethrown by Events as a VM error
    })).build()) {
      assertEquals(1, d.instances("web").size());
      await(T, "a WatchFailedEvent for the error", () -> events.of(WatchFailedEvent.class).stream()
          .anyMatch(e -> e.message().contains("StackOverflowError")));
      await(T, "the change after the error", () -> d.instances("web").size() == 2);
    }
  }

  @Test
  void aStrayInterrupt_doesNotEndTheWatch() {
    oneThenTwoInstances();
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = discovery(events)
        .eventListener(firstSync(events, () -> Thread.currentThread().interrupt())).build()) {
      assertEquals(1, d.instances("web").size());
      await(T, "the change after the interrupt", () -> d.instances("web").size() == 2);
    }
  }

  @Test
  void tls_withCustomTrust(@TempDir Path dir) throws Exception {
    HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName("localhost")
        .addSubjectAlternativeName("127.0.0.1").duration(1, java.util.concurrent.TimeUnit.HOURS).build();
    Path keystore = dir.resolve("consul.p12");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("consul", cert.keyPair().getPrivate(), "pw".toCharArray(), new Certificate[] {cert.certificate()});
    try (OutputStream out = Files.newOutputStream(keystore)) {
      ks.store(out, "pw".toCharArray());
    }
    WireMockServer https = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort()
        .keystorePath(keystore.toString()).keystorePassword("pw").keyManagerPassword("pw").keystoreType("PKCS12"));
    https.start();
    try {
      https.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("0")).willReturn(consul(list(443), "5")));
      https.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("index", equalTo("5"))
          .willReturn(consul(list(443), "5").withFixedDelay(500)));
      String url = "https://127.0.0.1:" + https.httpsPort();
      HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(cert.certificate()).build();
      try (ConsulDiscovery d = ConsulDiscovery.builder().url(url).tls(trust.sslContext(), trust.trustManager()).build()) {
        assertEquals(443, d.instances("web").get(0).port());
      }
      TestSupport.EventRecorder events = new TestSupport.EventRecorder();
      try (ConsulDiscovery untrusting = ConsulDiscovery.builder().url(url).eventListener(events)
          .firstLoadTimeout(Duration.ofMillis(500)).build()) {
        assertThrows(NoInstanceAvailableException.class, () -> untrusting.instances("web"));
        assertEquals(WatchFailedEvent.Reason.UNREACHABLE, events.of(WatchFailedEvent.class).get(0).reason());
      }
    } finally {
      https.stop();
    }
  }

  /** Writes to two streams: the real stderr (so surefire still has the logs) and a capture. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
