package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The interrupter of a sync attempt, on its own: it interrupts the armed thread once at the
 * timeout, a disarm before it cancels the timer and no interrupt comes, and the flag never leaks
 * past {@code disarm()}. Each test takes milliseconds; the tight class timeout (still generous)
 * makes a disarm that spins forever fail the test instead of stalling it.
 */
@Timeout(value = 3, unit = TimeUnit.SECONDS)
class SyncInterrupterTest {
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

  SyncInterrupterTest() {
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    Thread.interrupted();
  }

  @Test
  void theArmedThreadIsInterruptedAtTheTimeoutAndDisarmClearsTheFlag() {
    SyncInterrupter interrupter = SyncInterrupter.arm(scheduler, TimeUnit.MILLISECONDS.toNanos(20));
    long start = System.nanoTime();
    try {
      Thread.sleep(1_500); // bounded: without the interrupt the test fails here, well before its timeout
      fail("the armed thread was not interrupted at its 20 ms timeout");
    } catch (InterruptedException expected) {
      // the interrupt came
    }
    assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1_400), "interrupted at the timeout");
    assertTrue(interrupter.disarm(), "disarm reports the interrupt that fired");
    assertFalse(Thread.currentThread().isInterrupted(), "no interrupt leaks past disarm");
  }

  @Test
  void aFiredInterruptWhoseFlagIsStillSetIsClearedByDisarm() throws Exception {
    SyncInterrupter interrupter = SyncInterrupter.arm(scheduler, 1);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!Thread.currentThread().isInterrupted()) {
      if (System.nanoTime() - end > 0) {
        fail("the interrupt never came");
      }
      Thread.onSpinWait();
    }
    assertTrue(interrupter.disarm());
    assertFalse(Thread.interrupted(), "the flag set by the interrupter is cleared by disarm");
    assertTrue(interrupter.disarm(), "a second disarm still reports that it fired");
    assertFalse(Thread.interrupted());
  }

  @Test
  void aDisarmBeforeTheTimeoutCancelsTheTimerAndNoInterruptComes() throws Exception {
    SyncInterrupter interrupter = SyncInterrupter.arm(scheduler, TimeUnit.SECONDS.toNanos(30));
    assertEquals(1, scheduler.getQueue().size(), "the timer is scheduled");
    assertFalse(interrupter.disarm(), "disarmed in time: no interrupt fired");
    assertEquals(0, scheduler.getQueue().size(), "the timer is cancelled");
    interrupter.run(); // a timer that fires anyway after the disarm (a race lost by the cancel)
    assertFalse(Thread.currentThread().isInterrupted(), "a disarmed interrupter interrupts nobody");
  }

  @Test
  void theInterruptFiresOnceAndOnlyTheArmedThreadIsInterrupted() throws Exception {
    SyncInterrupter interrupter = SyncInterrupter.arm(scheduler, TimeUnit.SECONDS.toNanos(30));
    interrupter.run(); // the timer fires, on the timer's thread here the caller's
    assertTrue(Thread.interrupted(), "the armed (this) thread is interrupted");
    interrupter.run(); // a second firing does nothing
    assertFalse(Thread.currentThread().isInterrupted(), "fired once only");
    assertTrue(interrupter.disarm());
    assertFalse(Thread.currentThread().isInterrupted());
  }
}
