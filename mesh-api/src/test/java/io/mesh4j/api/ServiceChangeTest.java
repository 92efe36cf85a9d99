package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ServiceChange#between}: its shortcut for lists that share their instance objects but for a
 * few gives what comparing the two lists as sets gives (the same added and removed, in order), for
 * seeded random edits that keep or replace objects, equal copies and duplicates.
 */
@Timeout(20)
class ServiceChangeTest {

  private static ServiceInstance instance(int port) {
    return ServiceInstance.newBuilder().serviceName("users").host("127.0.0.1").port(port).build();
  }

  /** {@code n} instances on ports 10000 and up. */
  private static List<ServiceInstance> consecutive(int n) {
    List<ServiceInstance> out = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      out.add(instance(10_000 + p));
    }
    return out;
  }

  /** The change by sets, as {@code between} computes it for lists that differ much. */
  private static List<List<ServiceInstance>> bySets(List<ServiceInstance> previous, List<ServiceInstance> current) {
    Set<ServiceInstance> before = new HashSet<>(previous);
    Set<ServiceInstance> after = new HashSet<>(current);
    List<ServiceInstance> added = current.stream().filter(i -> !before.contains(i)).toList();
    List<ServiceInstance> removed = previous.stream().filter(i -> !after.contains(i)).toList();
    return List.of(added, removed);
  }

  private static void check(List<ServiceInstance> previous, List<ServiceInstance> current) {
    ServiceChange c = ServiceChange.between("users", previous, current);
    List<List<ServiceInstance>> want = bySets(previous, current);
    assertEquals(want.get(0), c.added(), "added");
    assertEquals(want.get(1), c.removed(), "removed");
    for (int i = 0; i < c.added().size(); i++) {
      assertSame(want.get(0).get(i), c.added().get(i), "the added instances themselves");
    }
    assertEquals(current, c.instances());
  }

  @Test
  void oneInstanceGoneOrBackInALargeList() {
    List<ServiceInstance> all = consecutive(2000);
    List<ServiceInstance> less = new ArrayList<>(all);
    ServiceInstance gone = less.remove(700);
    ServiceChange down = ServiceChange.between("users", all, less);
    assertEquals(List.of(), down.added());
    assertEquals(List.of(gone), down.removed());
    ServiceChange up = ServiceChange.between("users", less, all);
    assertEquals(List.of(gone), up.added());
    assertEquals(List.of(), up.removed());
    List<ServiceInstance> copy = new ArrayList<>(all);
    copy.set(5, instance(10_005)); // an equal copy: neither added nor removed
    assertEquals(true, ServiceChange.between("users", all, copy).isEmpty());
  }

  /**
   * Consul's {@code ?passing} filter takes an instance that stopped passing out by moving the last
   * instance into its place; when it passes again, the natural order comes back.
   */
  @Test
  void theLastInstanceMovedIntoTheGoneOnesPlaceAndBack() {
    List<ServiceInstance> all = consecutive(2000);
    List<ServiceInstance> passing = new ArrayList<>(all);
    ServiceInstance gone = passing.get(700);
    passing.set(700, passing.remove(passing.size() - 1));
    ServiceChange down = ServiceChange.between("users", all, passing);
    assertEquals(List.of(), down.added());
    assertEquals(List.of(gone), down.removed());
    ServiceChange up = ServiceChange.between("users", passing, all);
    assertEquals(List.of(gone), up.added());
    assertEquals(List.of(), up.removed());
    check(all, passing);
    check(passing, all);
    // Two gone at once, one of them the last: still a few places.
    List<ServiceInstance> two = new ArrayList<>(all);
    two.set(5, two.remove(two.size() - 1));
    two.set(1500, two.remove(two.size() - 1));
    check(all, two);
    check(two, all);
  }

  /** Edits that move instances across a large list: places, head and tail, and sets all agree. */
  @Test
  void movesInALargeListGiveWhatSetsGive() {
    Random r = new Random(18);
    for (int round = 0; round < 300; round++) {
      List<ServiceInstance> previous = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        previous.add(instance(1 + r.nextInt(400)));
      }
      List<ServiceInstance> current = new ArrayList<>(previous);
      for (int k = r.nextInt(5); k >= 0; k--) {
        int at = r.nextInt(current.size());
        switch (r.nextInt(4)) {
          case 0 -> current.set(at, current.remove(current.size() - 1));
          case 1 -> current.add(instance(1 + r.nextInt(400)));
          case 2 -> current.set(at, instance(1 + r.nextInt(400)));
          default -> Collections.swap(current, at, r.nextInt(current.size()));
        }
      }
      check(previous, current);
      check(current, previous);
    }
  }

  @Test
  void randomEditsGiveWhatSetsGive() {
    Random r = new Random(15);
    for (int round = 0; round < 2000; round++) {
      List<ServiceInstance> previous = new ArrayList<>();
      int n = r.nextInt(30);
      for (int i = 0; i < n; i++) {
        previous.add(instance(1 + r.nextInt(40)));
      }
      List<ServiceInstance> current = new ArrayList<>(previous);
      int edits = r.nextInt(r.nextBoolean() ? 3 : 12);
      for (int k = 0; k < edits; k++) {
        int at = current.isEmpty() ? 0 : r.nextInt(current.size());
        switch (current.isEmpty() ? 1 : r.nextInt(5)) {
          case 0 -> current.remove(at);
          case 1 -> current.add(at, instance(1 + r.nextInt(40)));
          case 2 -> current.set(at, instance(current.get(at).port())); // an equal copy
          case 3 -> current.add(at, current.get(r.nextInt(current.size()))); // a duplicate object
          default -> Collections.swap(current, at, r.nextInt(current.size()));
        }
      }
      check(previous, current);
      check(current, previous);
    }
  }
}
