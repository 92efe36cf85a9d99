package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FaultInjection} on its own: the settings' checks, what {@code decide} returns for given
 * percents and request headers, and that each change is announced.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultInjectionTest {
  private static final Headers NONE = Headers.of();
  private final AtomicInteger changes = new AtomicInteger();
  private final FaultInjection faults = new FaultInjection("pay", changes::incrementAndGet);

  private static Headers delayHeader(String v) {
    return Headers.of(FaultInjection.DELAY_HEADER, v);
  }

  private static Headers abortHeader(String v) {
    return Headers.of(FaultInjection.ABORT_HEADER, v);
  }

  @Test
  void percentsOutsideZeroToHundredAreRefusedNamingTheSetting() {
    for (double bad : new double[] {-0.001, 100.001}) {
      IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
          () -> faults.delay(bad, Duration.ofMillis(1)));
      assertEquals("delay percent must be between 0 and 100, was " + bad, d.getMessage());
      IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> faults.abort(bad, 503));
      assertEquals("abort percent must be between 0 and 100, was " + bad, a.getMessage());
      IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
          () -> faults.abortWithConnectionError(bad));
      assertEquals("abort percent must be between 0 and 100, was " + bad, c.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> faults.abort(10, 199));
    assertThrows(IllegalArgumentException.class, () -> faults.abort(10, 600));
    assertThrows(IllegalArgumentException.class, () -> faults.delay(10, Duration.ofMillis(-1)));
    assertEquals(0, changes.get(), "a refused setting changes nothing");
    assertFalse(faults.active());
  }

  @Test
  void theEdgesAreAcceptedAndEverySetterChainsAndAnnouncesTheChange() {
    assertSame(faults, faults.delay(0, Duration.ZERO));
    assertSame(faults, faults.delay(100, Duration.ofMillis(5)));
    assertSame(faults, faults.abort(0, 200));
    assertSame(faults, faults.abort(100, 599));
    assertSame(faults, faults.abortWithConnectionError(0));
    assertSame(faults, faults.abortWithConnectionError(100));
    assertSame(faults, faults.allowHeaderTriggers(true));
    faults.clear();
    assertEquals(8, changes.get());
    assertEquals("pay", faults.serviceName());
  }

  @Test
  void activeOnlyWhileSomethingIsSet() {
    assertFalse(faults.active());
    faults.delay(0, Duration.ofSeconds(1));
    assertFalse(faults.active(), "0 percent is no delay");
    assertNull(faults.decide(NONE));
    faults.delay(0.5, Duration.ofSeconds(1));
    assertTrue(faults.active());
    faults.clear();
    assertFalse(faults.active());
    faults.abort(1, 503);
    assertTrue(faults.active());
    faults.clear();
    faults.abortWithConnectionError(1);
    assertTrue(faults.active());
    faults.clear();
    faults.allowHeaderTriggers(true);
    assertTrue(faults.active());
    faults.allowHeaderTriggers(false);
    assertFalse(faults.active());
  }

  @Test
  void everyAttemptIsHitAtAHundredPercentAndNoneAtZero() {
    faults.delay(100, Duration.ofMillis(7)).abort(100, 503);
    for (int i = 0; i < 50; i++) {
      assertEquals(new FaultInjection.Fault(TimeUnit.MILLISECONDS.toNanos(7), 503), faults.decide(NONE));
    }
    faults.abortWithConnectionError(100).delay(0, Duration.ofMillis(7));
    assertEquals(new FaultInjection.Fault(0, 0), faults.decide(NONE), "0: a connection error");
    faults.abort(0, 503).delay(100, Duration.ofMillis(3));
    assertEquals(new FaultInjection.Fault(TimeUnit.MILLISECONDS.toNanos(3), -1), faults.decide(NONE));
  }

  @Test
  void aPercentHitsAboutThatShareOfAttempts() {
    faults.delay(20, Duration.ofMillis(1)).abort(70, 502);
    int delayed = 0;
    int aborted = 0;
    int n = 4000;
    for (int i = 0; i < n; i++) {
      FaultInjection.Fault f = faults.decide(NONE);
      if (f != null && f.delayNanos() > 0) {
        delayed++;
      }
      if (f != null && f.abortStatus() == 502) {
        aborted++;
      }
    }
    // Binomial: 800 +- 25 and 2800 +- 29 (one standard deviation); the bounds are over 8 of them.
    assertTrue(delayed > 600 && delayed < 1000, "delayed " + delayed);
    assertTrue(aborted > 2550 && aborted < 3050, "aborted " + aborted);
  }

  @Test
  void headerTriggersAreIgnoredUntilAllowed() {
    assertNull(faults.decide(delayHeader("100")));
    faults.abort(0, 503); // something set, but not the triggers
    assertNull(faults.decide(abortHeader("503")));
    faults.allowHeaderTriggers(true);
    assertEquals(new FaultInjection.Fault(TimeUnit.MILLISECONDS.toNanos(100), -1), faults.decide(delayHeader("100")));
    assertEquals(new FaultInjection.Fault(0, 503), faults.decide(abortHeader(" 503 ")));
    assertNull(faults.decide(NONE), "allowed, but this request asks for nothing");
  }

  @Test
  void theDelayHeaderIsMillisecondsUpToAnHourAndTheLongerDelayWins() {
    faults.allowHeaderTriggers(true);
    assertEquals(TimeUnit.HOURS.toNanos(1), faults.decide(delayHeader("3600000")).delayNanos());
    assertNull(faults.decide(delayHeader("3600001")), "over an hour: ignored");
    assertNull(faults.decide(delayHeader("-5")));
    assertNull(faults.decide(delayHeader("soon")));
    assertNull(faults.decide(delayHeader("0")));
    assertEquals(1_000_000L, faults.decide(delayHeader("1")).delayNanos());
    faults.delay(100, Duration.ofMillis(50));
    assertEquals(TimeUnit.MILLISECONDS.toNanos(50), faults.decide(delayHeader("10")).delayNanos());
    assertEquals(TimeUnit.MILLISECONDS.toNanos(80), faults.decide(delayHeader("80")).delayNanos());
  }

  @Test
  void theAbortHeaderTakesAStatusFrom200To599OrZeroForAConnectionError() {
    faults.allowHeaderTriggers(true);
    assertEquals(200, faults.decide(abortHeader("200")).abortStatus());
    assertEquals(599, faults.decide(abortHeader("599")).abortStatus());
    assertEquals(0, faults.decide(abortHeader("0")).abortStatus());
    assertNull(faults.decide(abortHeader("199")));
    assertNull(faults.decide(abortHeader("600")));
    assertNull(faults.decide(abortHeader("-1")));
    assertNull(faults.decide(abortHeader("x")));
    faults.abort(100, 503);
    assertEquals(503, faults.decide(abortHeader("199")).abortStatus(), "a bad header keeps the set abort");
    assertEquals(404, faults.decide(abortHeader("404")).abortStatus(), "a good one replaces it");
  }

  @Test
  void toStringShowsTheSettings() {
    assertEquals("FaultInjection{pay: off}", faults.toString());
    faults.delay(10, Duration.ofMillis(20)).abort(5, 503);
    assertEquals("FaultInjection{pay: delay 10.0% x PT0.02S, abort 5.0% with 503, headers false}", faults.toString());
    faults.abortWithConnectionError(1).allowHeaderTriggers(true);
    assertEquals("FaultInjection{pay: delay 10.0% x PT0.02S, abort 1.0% with connection error, headers true}",
        faults.toString());
  }
}
