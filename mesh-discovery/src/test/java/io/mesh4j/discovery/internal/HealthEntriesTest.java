package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Health answers as instances: an update of a large service keeps the instances whose entries did
 * not change (the same objects), and builds anew exactly those whose address, port, TLS flag, tags
 * or metadata changed.
 */
@Timeout(10)
class HealthEntriesTest {

  private static HealthEntry entry(String id, String address, int port, List<String> tags, Map<String, String> meta) {
    return new HealthEntry(id, address, "10.0.0.1", port, tags, meta);
  }

  private static List<HealthEntry> answer(int n) {
    List<HealthEntry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(entry("big-" + i, "10.1.0." + i, 8080, List.of("a", "b"), Map.of("zone", "z1")));
    }
    return out;
  }

  @Test
  void unchangedEntriesKeepTheirInstances() {
    List<ServiceInstance> first = HealthEntries.toInstances("big", answer(50), null);
    List<ServiceInstance> second = HealthEntries.toInstances("big", answer(50), first);
    assertEquals(50, second.size());
    for (int i = 0; i < 50; i++) {
      assertSame(first.get(i), second.get(i), "instance " + i);
    }
    assertTrue(HealthEntries.sameContent(first, second));
  }

  @Test
  void eachKindOfChangeBuildsThatInstanceAnew() {
    List<ServiceInstance> first = HealthEntries.toInstances("big", answer(6), null);
    List<HealthEntry> next = new ArrayList<>(answer(6));
    next.set(0, entry("big-0", "10.9.9.9", 8080, List.of("a", "b"), Map.of("zone", "z1")));   // address
    next.set(1, entry("big-1", "10.1.0.1", 9090, List.of("a", "b"), Map.of("zone", "z1")));   // port
    next.set(2, entry("big-2", "10.1.0.2", 8080, List.of("b", "a"), Map.of("zone", "z1")));   // tag order
    next.set(3, entry("big-3", "10.1.0.3", 8080, List.of("a", "b"), Map.of("zone", "z2")));   // metadata
    next.set(4, entry("big-4", "10.1.0.4", 8080, List.of("a", "b"),
        Map.of("zone", "z1", ConsulModes.SECURE_META_KEY, "true")));                               // TLS flag
    next.set(5, entry("big-5", "", 8080, List.of("a", "b"), Map.of("zone", "z1")));             // node address now
    List<ServiceInstance> second = HealthEntries.toInstances("big", next, first);
    for (int i = 0; i < 6; i++) {
      assertNotSame(first.get(i), second.get(i), "instance " + i + " changed");
    }
    assertEquals("10.9.9.9", second.get(0).host());
    assertEquals(9090, second.get(1).port());
    assertEquals(List.of("b", "a"), new ArrayList<>(second.get(2).tags()));
    assertEquals("z2", second.get(3).metadata().get("zone"));
    assertTrue(second.get(4).secure());
    assertEquals("10.0.0.1", second.get(5).host());
    assertFalse(HealthEntries.sameContent(first, second));
  }

  @Test
  void aRepeatedTagIsBuiltAnewAndKeptOnce() {
    List<ServiceInstance> first = HealthEntries.toInstances("big", answer(1), null);
    List<ServiceInstance> second = HealthEntries.toInstances("big",
        List.of(entry("big-0", "10.1.0.0", 8080, List.of("a", "b", "b"), Map.of("zone", "z1"))), first);
    assertEquals(Set.of("a", "b"), second.get(0).tags());
    assertTrue(HealthEntries.sameContent(first, second), "the same content as before");
  }

  @Test
  void anInstanceGoneAndOneAddedAreTheOnlyDifferences() {
    List<ServiceInstance> first = HealthEntries.toInstances("big", answer(10), null);
    List<HealthEntry> next = new ArrayList<>(answer(10));
    next.remove(3);
    next.add(entry("big-new", "10.2.0.1", 8080, List.of(), Map.of()));
    List<ServiceInstance> second = HealthEntries.toInstances("big", next, first);
    assertEquals(10, second.size());
    assertSame(first.get(4), second.get(3));
    assertEquals("big-new", second.get(9).id());
    assertEquals(Set.of(), second.get(9).tags());
  }

  @Test
  void anEntryObjectOfTheLastAnswerIsItsInstanceByIdentity() {
    List<HealthEntry> answer = answer(5);
    Map<HealthEntry, ServiceInstance> built = new IdentityHashMap<>();
    List<ServiceInstance> first = HealthEntries.toInstances("big", answer, null, Map.of(), built);
    assertEquals(5, built.size());
    for (int i = 0; i < 5; i++) {
      assertSame(first.get(i), built.get(answer.get(i)));
    }
    // The identity path takes the instance as it is: no lookup, no comparison. Shown with an instance
    // that the entry would not give, which only identity can return.
    ServiceInstance other = HealthEntries.toInstance("big", entry("elsewhere", "10.9.9.9", 1, List.of(), Map.of()));
    built.put(answer.get(2), other);
    Map<HealthEntry, ServiceInstance> now = new IdentityHashMap<>();
    List<ServiceInstance> second = HealthEntries.toInstances("big", answer, first, built, now);
    assertSame(other, second.get(2));
    assertSame(first.get(3), second.get(3));
    // An equal entry that is another object goes the content way.
    List<HealthEntry> copies = answer(5);
    List<ServiceInstance> third = HealthEntries.toInstances("big", copies, first, built, null);
    assertSame(first.get(2), third.get(2));
  }
}
