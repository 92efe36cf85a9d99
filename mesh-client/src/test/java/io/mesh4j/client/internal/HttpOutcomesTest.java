package io.mesh4j.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.resilience.Outcome;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How an HTTP answer counts for retries, ejection and the breaker. */
@Timeout(30)
class HttpOutcomesTest {
  private static Outcome classify(int status, String... headers) {
    return HttpOutcomes.INSTANCE.classifyResult(new HttpResult(status, Headers.of(headers), new byte[0], null));
  }

  @ParameterizedTest
  @ValueSource(ints = {502, 503, 504, 429})
  void overloadAndGatewayAnswersAreRetryable(int status) {
    Outcome o = classify(status);
    assertFalse(o.isSuccess());
    assertTrue(o.isRetryable());
    assertEquals(Optional.empty(), o.retryAfter());
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 501, 505, 599})
  void otherServerErrorsAreFailuresNotRetried(int status) {
    Outcome o = classify(status);
    assertFalse(o.isSuccess(), status + " is a failure of the instance");
    assertFalse(o.isRetryable());
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 204, 301, 400, 404, 409, 499})
  void everythingElseIsASuccessOfTheInstance(int status) {
    assertTrue(classify(status).isSuccess());
  }

  @Test
  void retryAfterInSecondsOrAsADateIsTheHint() {
    assertEquals(Optional.of(Duration.ofSeconds(7)), classify(503, "Retry-After", " 7 ").retryAfter());
    assertEquals(Optional.of(Duration.ZERO), classify(429, "Retry-After", "0").retryAfter());
    String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
    Duration d = classify(503, "Retry-After", inAMinute).retryAfter().orElseThrow();
    assertTrue(d.compareTo(Duration.ofSeconds(50)) > 0 && d.compareTo(Duration.ofSeconds(61)) <= 0, d.toString());
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(60));
    assertEquals(Optional.of(Duration.ZERO), classify(503, "Retry-After", past).retryAfter());
  }

  @Test
  void unreadableRetryAfterIsNoHint() {
    assertNull(HttpOutcomes.retryAfter(null));
    assertNull(HttpOutcomes.retryAfter("  "));
    assertNull(HttpOutcomes.retryAfter("-3"));
    assertNull(HttpOutcomes.retryAfter("soon"));
    assertEquals(Optional.empty(), classify(503, "Retry-After", "soon").retryAfter());
    assertTrue(classify(503, "Retry-After", "soon").isRetryable());
  }

  @Test
  void ioErrorsAreRetryableOthersNot() {
    assertTrue(HttpOutcomes.INSTANCE.classifyException(new IOException("reset")).isRetryable());
    assertTrue(HttpOutcomes.INSTANCE.classifyException(new SocketTimeoutException("timeout")).isRetryable());
    assertFalse(HttpOutcomes.INSTANCE.classifyException(new IllegalStateException("bug")).isRetryable());
  }

  @Test
  void resultsCarryWhatWasRead() {
    HttpResult r = new HttpResult(201, Headers.of("A", "b"), new byte[] {1, 2}, null);
    assertTrue(r.isSuccessful());
    assertEquals(201, r.status());
    assertEquals("b", r.headers().get("A"));
    assertEquals(2, r.body().length);
    assertNull(r.openBody());
    assertNull(r.instance());
    assertFalse(new HttpResult(199, Headers.of(), new byte[0], null).isSuccessful());
    assertTrue(new HttpResult(200, Headers.of(), new byte[0], null).isSuccessful());
    assertTrue(new HttpResult(299, Headers.of(), new byte[0], null).isSuccessful());
    assertFalse(new HttpResult(300, Headers.of(), new byte[0], null).isSuccessful());
  }
}
