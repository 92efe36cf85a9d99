package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.discovery.WatchFailedEvent.Reason;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 15 part 4: jittered blocking-query waits and what counts as hitting an agent limit. Pure functions. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WatchPacingTest {
  @Test
  void waitsSpreadOverTheLastEighthOfQueryWaitInWholeSeconds() {
    Duration wait = Duration.ofSeconds(55);
    assertEquals("55s", Backoff.jitteredWait(wait, 0.0));
    assertEquals("49s", Backoff.jitteredWait(wait, Math.nextDown(1.0)));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      seen.add(Backoff.jitteredWait(wait, i / 100.0));
    }
    assertEquals(7, seen.size(), "49 s to 55 s: " + seen);
    assertEquals("1s", Backoff.jitteredWait(Duration.ofMillis(300), 0.9), "never below one second");
    assertEquals("2s", Backoff.jitteredWait(Duration.ofMillis(1500), 0.9), "rounded up like before");
  }

  @Test
  void anEndOfStreamAResetOrA429LookLikeAnAgentLimitButARefusalOrA500DoNot() {
    assertTrue(ConsulHandle.looksLikeAgentLimit(new ConsulFailure(Reason.UNREACHABLE, 0,
        "EOFException: \\n not found: limit=0 content=…")));
    assertTrue(ConsulHandle.looksLikeAgentLimit(new ConsulFailure(Reason.UNREACHABLE, 0,
        "SocketException: Connection reset")));
    assertTrue(ConsulHandle.looksLikeAgentLimit(new ConsulFailure(Reason.CLIENT_ERROR, 429, "HTTP 429: ")));
    assertFalse(ConsulHandle.looksLikeAgentLimit(new ConsulFailure(Reason.UNREACHABLE, 0,
        "ConnectException: Failed to connect to /127.0.0.1:1")));
    assertFalse(ConsulHandle.looksLikeAgentLimit(new ConsulFailure(Reason.SERVER_ERROR, 500, "HTTP 500: boom")));
  }
}
