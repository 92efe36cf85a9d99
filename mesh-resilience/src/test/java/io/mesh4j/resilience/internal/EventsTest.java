package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.resilience.Fixtures;
import io.mesh4j.resilience.ResilienceEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Event delivery: every listener in order, one that throws never stops the others. */
@Timeout(10)
class EventsTest {
  @Test
  void withoutListenersEventsAreOff() {
    assertFalse(new Events(List.of()).enabled);
  }

  @Test
  void aListenerThatThrowsDoesNotKeepTheEventFromTheNextOnes() {
    List<MeshEvent> first = new ArrayList<>();
    List<MeshEvent> last = new ArrayList<>();
    MeshEventListener throwing = new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        throw new IllegalStateException("listener bug");
      }
    };
    Events events = new Events(List.of(Fixtures.collecting(first), throwing, Fixtures.collecting(last)));
    assertTrue(events.enabled);
    ResilienceEvent e = new ResilienceEvent.RetryBudgetExhausted("svc", 2);
    events.emit(e);
    events.emit(e);
    assertEquals(List.of(e, e), first);
    assertEquals(List.of(e, e), last);
  }
}
