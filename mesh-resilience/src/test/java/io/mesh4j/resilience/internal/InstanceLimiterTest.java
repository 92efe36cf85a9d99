package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-instance bound on attempts in flight. */
@Timeout(10)
class InstanceLimiterTest {
  private final List<ServiceInstance> two = Fixtures.instances("svc", 2);
  private final ServiceInstance a = two.get(0);
  private final ServiceInstance b = two.get(1);

  @Test
  void anInstanceHoldsAtMostMaxSlotsAndEachInstanceHasItsOwn() {
    InstanceLimiter limiter = new InstanceLimiter(2);
    assertEquals(2, limiter.max());
    assertEquals(0, limiter.inFlight(a));
    assertTrue(limiter.tryAcquire(a));
    assertEquals(1, limiter.inFlight(a));
    assertTrue(limiter.tryAcquire(a));
    assertFalse(limiter.tryAcquire(a), "a third attempt on a full instance");
    assertEquals(2, limiter.inFlight(a));
    assertTrue(limiter.tryAcquire(b), "another instance is not held back");
    assertEquals(1, limiter.inFlight(b));
    limiter.release(a);
    assertEquals(1, limiter.inFlight(a));
    assertTrue(limiter.tryAcquire(a), "a released slot is taken again");
  }

  @Test
  void releasingMoreThanWasTakenNeverLendsExtraSlots() {
    InstanceLimiter limiter = new InstanceLimiter(1);
    limiter.release(a); // never taken: nothing to count yet
    assertEquals(0, limiter.inFlight(a));
    assertTrue(limiter.tryAcquire(a));
    limiter.release(a);
    limiter.release(a);
    limiter.release(a);
    assertEquals(0, limiter.inFlight(a));
    assertTrue(limiter.tryAcquire(a));
    assertFalse(limiter.tryAcquire(a), "still one slot, not one per extra release");
  }
}
