package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExceptionsTest {
  @Test
  void allShareTheUncheckedRoot() {
    assertInstanceOf(RuntimeException.class, new MeshException("s", "m"));
    assertInstanceOf(MeshException.class, new NoInstanceAvailableException("s", 3, 2));
    assertInstanceOf(MeshException.class, new CircuitOpenException("s", Duration.ofSeconds(3)));
    assertInstanceOf(MeshException.class, new RejectedException("s", RejectedException.Reason.BULKHEAD, null, null));
    assertInstanceOf(MeshException.class, new MeshTimeoutException("s", "attempt", Duration.ofMillis(10), null));
    assertInstanceOf(MeshException.class, new CallFailedException("s", null, 500, Map.of(), ""));
  }

  @Test
  void carryTheirContext() {
    NoInstanceAvailableException n = new NoInstanceAvailableException("users", 3, 2);
    assertEquals(3, n.knownCount());
    assertEquals(2, n.ejectedCount());
    assertTrue(n.getMessage().contains("3 known, 2 ejected"));
    RejectedException r = new RejectedException("users", RejectedException.Reason.RETRY_BUDGET, "20%", new RuntimeException("last"));
    assertEquals(RejectedException.Reason.RETRY_BUDGET, r.reason());
    assertEquals("last", r.getCause().getMessage());
  }

  @Test
  void callFailedRedactsCredentialsAndBoundsTheBody() {
    String secret = "Bearer s3cr3t-token";
    String body = "x".repeat(5000);
    CallFailedException e = new CallFailedException("users", "users-1", 503,
        Map.of("Authorization", List.of(secret), "Set-Cookie", List.of("sid=abc"), "Retry-After", List.of("2")), body);
    assertEquals(503, e.status());
    assertEquals(List.of("<redacted>"), e.headers().get("authorization"));
    assertEquals(List.of("<redacted>"), e.headers().get("Set-Cookie"));
    assertEquals(List.of("2"), e.headers().get("retry-after"));
    assertEquals("x".repeat(CallFailedException.MAX_BODY_EXCERPT), e.bodyExcerpt(), "cut, nothing appended");
    assertTrue(e.bodyTruncated());
    assertFalse(new CallFailedException("users", null, 400, Map.of(), "{}").bodyTruncated());
    assertTrue(new CallFailedException("users", null, 400, Map.of(), "{}", true).bodyTruncated());
    String pair = "a".repeat(CallFailedException.MAX_BODY_EXCERPT - 1) + "\uD83D\uDE00tail";
    assertEquals("a".repeat(CallFailedException.MAX_BODY_EXCERPT - 1),
        new CallFailedException("users", null, 400, Map.of(), pair).bodyExcerpt(), "never half a surrogate pair");
    assertFalse(e.getMessage().contains("s3cr3t"));
    assertFalse(e.toString().contains("s3cr3t"));
    assertFalse(e.headers().toString().contains("s3cr3t"));
    assertTrue(e.getMessage().contains("503"));
  }
}
