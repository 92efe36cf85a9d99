package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each attempt's timeout (or what is left of the call's deadline, if shorter) is set on the
 * OkHttp call itself, so a slow instance is abandoned on the wire at the timeout, not when it
 * finally answers. A slow answer is told apart by its cause: OkHttp's timeout (an
 * {@link InterruptedIOException}) rather than a late answer discarded by the executor.
 */
@Timeout(60)
class AttemptTimeoutOnTheWireTest {
  private Backends backends;
  private ServiceMeshClient mesh;

  @BeforeEach
  void start() {
    backends = new Backends(1);
    backends.get(0).stubFor(any(urlEqualTo("/slow")).willReturn(okJson("{}").withFixedDelay(5_000)));
    backends.get(0).stubFor(any(urlEqualTo("/fast")).willReturn(okJson("{\"fast\":true}")));
    backends.get(0).stubFor(any(urlEqualTo("/drip")).willReturn(okJson("{\"a\":\"" + "x".repeat(2000) + "\"}")
        .withChunkedDribbleDelay(20, 5_000)));
    backends.get(0).stubFor(any(urlEqualTo("/boom")).willReturn(aResponse().withStatus(500).withBody("boom")));
    mesh = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("svc", backends.instances("svc")))
        .retry(RetryConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(20)).callTimeout(Duration.ofSeconds(30)).build())
        .build();
  }

  @AfterEach
  void stop() {
    mesh.close();
    backends.close();
  }

  static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void theRequestTimeoutIsSetOnTheCall() {
    long t0 = System.nanoTime();
    MeshException e = assertThrows(MeshException.class,
        () -> mesh.service("svc").get("/slow").timeout(Duration.ofMillis(200)).execute());
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(hasCause(e, InterruptedIOException.class), "cut at the attempt timeout: " + e);
    assertTrue(tookMs < 4_000, "abandoned at its timeout, not after the 5 s answer: " + tookMs + " ms");
  }

  /** The limit covers the body too: an answer whose body drips is cut at the timeout. */
  @Test
  void aBodyThatDripsIsCutAtTheTimeout() {
    long t0 = System.nanoTime();
    MeshException e = assertThrows(MeshException.class,
        () -> mesh.service("svc").get("/drip").timeout(Duration.ofMillis(300)).execute());
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(hasCause(e, InterruptedIOException.class), "cut at the attempt timeout: " + e);
    assertTrue(tookMs < 3_000, "abandoned at its timeout, not after the 5 s body: " + tookMs + " ms");
  }

  /**
   * A pooled connection that served before, then an attempt cut at its timeout: a timeout, not a
   * stale connection (which would be retried at once and not counted against the instance).
   */
  @Test
  void aTimeoutOnAReusedConnectionIsNotAStaleConnection() {
    assertEquals("{\"fast\":true}", mesh.service("svc").get("/fast").asString());
    MeshException e = assertThrows(MeshException.class,
        () -> mesh.service("svc").get("/slow").timeout(Duration.ofMillis(200)).execute());
    assertTrue(hasCause(e, InterruptedIOException.class), e.toString());
    assertTrue(!hasCause(e, io.mesh4j.client.internal.StaleConnections.StaleConnectionException.class),
        "a timeout is never a stale connection: " + e);
  }

  @Test
  void aShorterDeadlineCutsTheAttempt() {
    MeshException e = assertThrows(MeshException.class,
        () -> mesh.service("svc").get("/slow").deadline(Duration.ofMillis(300)).execute());
    assertTrue(hasCause(e, InterruptedIOException.class), "cut at the attempt timeout: " + e);
  }

  @Test
  void anAsyncAttemptIsCutOnTheWireToo() {
    CompletionException e = assertThrows(CompletionException.class,
        () -> mesh.service("svc").get("/slow").timeout(Duration.ofMillis(200)).executeAsync()
            .orTimeout(10, TimeUnit.SECONDS).join());
    assertTrue(hasCause(e, InterruptedIOException.class) || hasCause(e, io.mesh4j.api.MeshTimeoutException.class), e.toString());
  }

  @Test
  void aFastAnswerWithinTheTimeoutIsServed() {
    assertEquals("{\"fast\":true}", mesh.service("svc").get("/fast").timeout(Duration.ofSeconds(5)).asString());
    assertEquals("{\"fast\":true}", mesh.service("svc").get("/fast").deadline(Duration.ofSeconds(5)).asString());
  }

  @Test
  void aPlain500IsACallFailure() {
    CallFailedException e = assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/boom").execute());
    assertEquals(500, e.status());
    assertEquals("boom", e.bodyExcerpt());
    assertEquals("svc-0", e.instanceId());
  }
}
